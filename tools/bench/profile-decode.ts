// Profiling aid: decode + encode one generated file (node --cpu-prof --import tsx tools/bench/profile-decode.ts FILE).
import { createReadStream } from 'node:fs';
import { classifyKey } from '@lake/object-keys';
import { decodeObject } from '@lake/parser-core';
import { codecs } from '@lake/schemas';
import { createVpcFlowDecoder } from '@lake/vpc-flow';

const KEY =
  'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240501T1205Z_b3e4c5d6.log.gz';
async function main(): Promise<void> {
  const t0 = performance.now();
  const cpu = process.cpuUsage();
  let n = 0;
  const encode = process.argv[3] !== 'no-encode';
  for await (const batch of decodeObject(
    createReadStream(process.argv[2]!),
    { bucket: 'b', key: KEY, keyInfo: classifyKey(KEY) },
    createVpcFlowDecoder(),
  )) {
    for (const o of batch) {
      if (o.ok && o.value.family === 'vpc') {
        if (encode) {
          codecs.flowRecord.encode(o.value.record);
        }
        n++;
      }
    }
  }
  const used = process.cpuUsage(cpu);
  console.log(
    n,
    Math.round((n / (performance.now() - t0)) * 1000),
    'records/s',
    Math.round((n / (used.user + used.system)) * 1e6),
    'records/CPU-s',
  );
}
void main();
