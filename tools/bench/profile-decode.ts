// Profiling aid: decode + encode one generated file as the flow parser does, or (`records`) through
// record objects as the decode command does (node --cpu-prof --import tsx tools/bench/profile-decode.ts FILE [no-encode|records]).
import { createReadStream } from 'node:fs';
import { classifyKey } from '@lake/object-keys';
import { decodeObject } from '@lake/parser-core';
import { createVpcFlowDecoder, encodeFlow } from '@lake/vpc-flow';

const KEY =
  'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240501T1205Z_b3e4c5d6.log.gz';
async function main(): Promise<void> {
  const t0 = performance.now();
  const cpu = process.cpuUsage();
  let n = 0;
  const encode = process.argv[3] !== 'no-encode';
  const decoder =
    process.argv[3] === 'records' ? createVpcFlowDecoder() : createVpcFlowDecoder({ avro: true });
  for await (const batch of decodeObject(
    createReadStream(process.argv[2]!),
    { bucket: 'b', key: KEY, keyInfo: classifyKey(KEY) },
    decoder,
  )) {
    for (const o of batch) {
      if (o.ok && o.value.family === 'vpc') {
        if (encode) {
          encodeFlow(o.value);
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
