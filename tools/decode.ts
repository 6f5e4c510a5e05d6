/**
 * decode: reads a local flow-log (.log, .log.gz, .log.parquet) or CloudTrail file exactly as the parsers do and
 * prints each decoded, enriched record as one JSON object per line on stdout (the field names of
 * the Avro schema) and each dead letter as one JSON object per line on stderr.
 *
 *   npm run decode -- FILE [--key S3_KEY]
 *
 * The S3 key (default: the file's path, or its name) decides the format and fills the fields taken
 * from the key (account, region, flow-log id). Exit code: 0, or 1 when any dead letter was printed.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeCloudTrail } from '@lake/cloudtrail';
import { classifyKey } from '@lake/object-keys';
import { decodeObject, decodeSpooled } from '@lake/parser-core';
import type { DecodeIssue, DecodeOutput, Decoder, ObjectContext } from '@lake/schemas';
import { createVpcFlowDecoder, decodeParquetFlow, type FlowDecoded } from '@lake/vpc-flow';

type Kind = 'flow' | 'cloudtrail' | 'parquet';

function kindOf(key: string): Kind {
  switch (classifyKey(key).kind) {
    case 'VPCFLOWLOGS':
      return 'flow';
    case 'VPCFLOWLOGS_PARQUET':
      return 'parquet';
    case 'CLOUDTRAIL':
    case 'CLOUDTRAIL_INSIGHT':
    case 'CLOUDTRAIL_DIGEST':
      return 'cloudtrail';
    case 'OTHER':
      // A local file under another name: go by its name.
      if (/\.parquet$/.test(key)) {
        return 'parquet';
      }
      return /CloudTrail|\.json(\.gz)?$/.test(basename(key)) ? 'cloudtrail' : 'flow';
  }
}

function letterJson(issue: DecodeIssue, context: ObjectContext): string {
  const payload = issue.payload;
  return JSON.stringify({
    key: context.key,
    position: issue.position,
    reason: issue.reason,
    message: issue.message,
    payload: payload && isUtf8(payload) ? payload.toString('utf8') : null,
    payload_base64: payload ? payload.toString('base64') : null,
  });
}

async function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) {
    await new Promise((resolve) => stream.once('drain', resolve));
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { key: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (values.help || !file) {
    process.stderr.write('usage: npm run decode -- FILE [--key S3_KEY]\n');
    return values.help ? 0 : 2;
  }
  const key = values.key ?? file;
  const context: ObjectContext = { bucket: 'local', key, keyInfo: classifyKey(key) };
  const kind = kindOf(key);
  const decoder: Decoder<unknown> =
    kind === 'flow' ? (createVpcFlowDecoder() as Decoder<unknown>) : (decodeCloudTrail as Decoder<unknown>);
  let letters = 0;
  const batches =
    kind === 'parquet'
      ? (decodeSpooled(createReadStream(file), context, decodeParquetFlow) as AsyncIterable<
          DecodeOutput<unknown>[]
        >)
      : decodeObject(createReadStream(file), context, decoder);
  for await (const batch of batches) {
    let out = '';
    let err = '';
    for (const o of batch) {
      if (o.ok) {
        const value = kind === 'cloudtrail' ? o.value : (o.value as FlowDecoded).record;
        out += `${JSON.stringify(value)}\n`;
      } else {
        letters++;
        err += `${letterJson(o.issue, context)}\n`;
      }
    }
    if (out) {
      await write(process.stdout, out);
    }
    if (err) {
      await write(process.stderr, err);
    }
  }
  return letters > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`decode failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
