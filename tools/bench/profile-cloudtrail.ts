// Profiling aid: decode + encode one CloudTrail file
// (node --cpu-prof --import tsx tools/bench/profile-cloudtrail.ts FILE [no-encode]).
import { createReadStream } from 'node:fs';
import { decodeCloudTrail } from '@lake/cloudtrail';
import { classifyKey } from '@lake/object-keys';
import { decodeObject } from '@lake/parser-core';
import { codecs } from '@lake/schemas';

const KEY =
  'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1200Z_BeNcHmArK0000001.json.gz';
async function main(): Promise<void> {
  const t0 = performance.now();
  let n = 0;
  const encode = process.argv[3] !== 'no-encode';
  for await (const batch of decodeObject(
    createReadStream(process.argv[2]!),
    { bucket: 'b', key: KEY, keyInfo: classifyKey(KEY) },
    decodeCloudTrail,
  )) {
    for (const o of batch) {
      if (o.ok) {
        if (encode) {
          codecs.cloudTrailEvent.encode(o.value);
        }
        n++;
      }
    }
  }
  console.log(n, Math.round((n / (performance.now() - t0)) * 1000), 'records/s');
}
void main();
