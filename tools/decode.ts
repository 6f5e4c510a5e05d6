/**
 * decode: reads a local flow-log (.log, .log.gz, .log.parquet) or CloudTrail file (log, Insights, digest) exactly as the parsers do and
 * prints each decoded, enriched record as one JSON object per line on stdout (the field names of
 * the Avro schema) and each dead letter as one JSON object per line on stderr.
 *
 *   npm run decode -- FILE [--key S3_KEY]
 *
 * The S3 key (default: the file's path, or its name) decides the format and fills the fields taken
 * from the key (account, region, flow-log id). Exit code: 0, or 1 when any dead letter was printed.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { createCloudTrailDecoder, decodeCloudTrail, mapInsightRecord, parseDigest } from '@lake/cloudtrail';
import { classifyKey } from '@lake/object-keys';
import { decodeObject, decodeSpooled } from '@lake/parser-core';
import type { DeadLetter, DecodeIssue, DecodeOutput, Decoder, ObjectContext } from '@lake/schemas';
import { createVpcFlowDecoder, decodeParquetFlow, type FlowDecoded } from '@lake/vpc-flow';

type Kind = 'flow' | 'cloudtrail' | 'insight' | 'digest' | 'parquet';

function kindOf(key: string): Kind {
  switch (classifyKey(key).kind) {
    case 'VPCFLOWLOGS':
      return 'flow';
    case 'VPCFLOWLOGS_PARQUET':
      return 'parquet';
    case 'CLOUDTRAIL':
      return 'cloudtrail';
    case 'CLOUDTRAIL_INSIGHT':
      return 'insight';
    case 'CLOUDTRAIL_DIGEST':
      return 'digest';
    case 'OTHER':
      // A local file under another name: go by its name.
      if (/\.parquet$/.test(key)) {
        return 'parquet';
      }
      if (/CloudTrail-Digest/.test(basename(key))) {
        return 'digest';
      }
      if (/CloudTrail-Insight/.test(basename(key))) {
        return 'insight';
      }
      return /CloudTrail|\.json(\.gz)?$/.test(basename(key)) ? 'cloudtrail' : 'flow';
  }
}

/**
 * A digest is not a list of records: print it parsed, one object (the AWS fields, log files
 * included). Verifying it needs S3 (the listed files, the previous digest): the parser does that.
 */
const decodeDigest: Decoder<unknown> = async function* (source) {
  const parts: Buffer[] = [];
  for await (const chunk of source) {
    parts.push(chunk);
  }
  const bytes = Buffer.concat(parts);
  try {
    yield [{ ok: true, value: parseDigest(bytes.toString('utf8')) }];
  } catch (err) {
    yield [
      {
        ok: false,
        issue: {
          reason: 'DIGEST_INVALID',
          message: (err as Error).message,
          position: null,
          payload: bytes.subarray(0, 4096),
        },
      },
    ];
  }
};

/** Where the parsers cut a dead letter's original bytes (DEAD_LETTER_PAYLOAD_LIMIT's default). */
const PAYLOAD_LIMIT = 65_536;

/**
 * A dead letter as the parser publishes it, with the DeadLetter Avro schema's field names; `payload`
 * (Avro bytes) in Avro's JSON encoding, one code point per byte, which reads as the line itself
 * when it is ASCII.
 */
function letterJson(issue: DecodeIssue, context: ObjectContext, service: string): string {
  const payload = issue.payload;
  const letter: DeadLetter = {
    service,
    bucket: context.bucket,
    key: context.key,
    position: issue.position,
    reason: issue.reason,
    message: issue.message,
    payload: payload ? payload.subarray(0, PAYLOAD_LIMIT) : null,
    payloadTruncated: payload !== null && payload.length > PAYLOAD_LIMIT,
    occurredAt: Date.now(),
  };
  return JSON.stringify({ ...letter, payload: letter.payload?.toString('latin1') ?? null });
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
  const decoders: Record<Exclude<Kind, 'parquet'>, Decoder<unknown>> = {
    flow: createVpcFlowDecoder() as Decoder<unknown>,
    cloudtrail: decodeCloudTrail as Decoder<unknown>,
    insight: createCloudTrailDecoder(mapInsightRecord) as Decoder<unknown>,
    digest: decodeDigest,
  };
  // The service whose dead letter this would be.
  const service = kind === 'flow' || kind === 'parquet' ? 'flow-parser' : 'cloudtrail-parser';
  let letters = 0;
  const batches =
    kind === 'parquet'
      ? (decodeSpooled(createReadStream(file), context, decodeParquetFlow) as AsyncIterable<
          DecodeOutput<unknown>[]
        >)
      : decodeObject(createReadStream(file), context, decoders[kind]);
  for await (const batch of batches) {
    let out = '';
    let err = '';
    for (const o of batch) {
      if (o.ok) {
        const value = kind === 'flow' || kind === 'parquet' ? (o.value as FlowDecoded).record : o.value;
        out += `${JSON.stringify(value)}\n`;
      } else {
        letters++;
        err += `${letterJson(o.issue, context, service)}\n`;
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
