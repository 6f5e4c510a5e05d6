import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { digestSigningString, parseDigest, sha256Hex, verifyDigestSignature } from '@lake/cloudtrail';
import { S3AdapterError, type S3Store } from '@lake/s3';
import { counter, type Registry } from '@lake/observability';
import type { DecodeOutput, Decoder, DigestCheck, ObjectContext } from '@lake/schemas';
import { decompress } from './decompress';
import { ObjectDecodeError } from './parser.errors';

export interface DigestVerifierSettings {
  s3: S3Store;
  /** PEM public keys of the trail's region (AWS rotates them); none: signatures are not checked. */
  publicKeysPem: string[];
  metrics: Registry;
}

/** What reading a listed object gave: the SHA-256 (hex) of its content after gunzip, or why not. */
type Hashed =
  | { hash: string }
  | { missing: true }
  /** The content cannot be read back: a damaged gzip (so not what was hashed) or no permission. */
  | { unreadable: string; damaged: boolean };

async function hashObject(s3: S3Store, bucket: string, key: string): Promise<Hashed> {
  let body: Readable;
  try {
    body = (await s3.getObjectStream(bucket, key)).body;
  } catch (err) {
    if (err instanceof S3AdapterError && err.code === 'OBJECT_MISSING') {
      return { missing: true };
    }
    if (err instanceof S3AdapterError && !err.retriable) {
      return { unreadable: `${err.code}: ${err.message}`, damaged: false };
    }
    throw err;
  }
  const hash = createHash('sha256');
  try {
    for await (const chunk of decompress(body, key.endsWith('.gz'))) {
      hash.update(chunk);
    }
  } catch (err) {
    if (err instanceof ObjectDecodeError) {
      return { unreadable: `${err.reason}: ${err.message}`, damaged: true };
    }
    throw err;
  } finally {
    body.destroy();
  }
  return { hash: hash.digest('hex') };
}

/** The check of one listed log file: ok, missing, hash_mismatch (also a damaged gzip) or unreadable. */
function logFileStatus(expected: string, got: Hashed): { status: string; detail: string | null } {
  if ('missing' in got) {
    return { status: 'missing', detail: null };
  }
  if ('unreadable' in got) {
    // A gzip that no longer inflates was changed after the digest hashed its content.
    return got.damaged
      ? {
          status: 'hash_mismatch',
          detail: `expected ${expected}, the content cannot be read: ${got.unreadable}`,
        }
      : { status: 'unreadable', detail: got.unreadable };
  }
  return got.hash === expected
    ? { status: 'ok', detail: null }
    : { status: 'hash_mismatch', detail: `expected ${expected}, found ${got.hash}` };
}

/** How a digest chains to the previous one, from what reading the previous digest gave. */
function chainStatusOf(expected: string, previous: Hashed): { chainStatus: string; detail: string | null } {
  if ('missing' in previous) {
    return { chainStatus: 'previous_missing', detail: null };
  }
  if ('unreadable' in previous) {
    return previous.damaged
      ? { chainStatus: 'chain_break', detail: `the previous digest cannot be read: ${previous.unreadable}` }
      : { chainStatus: 'previous_unreadable', detail: previous.unreadable };
  }
  return previous.hash === expected
    ? { chainStatus: 'ok', detail: null }
    : {
        chainStatus: 'chain_break',
        detail: `previous digest hashes to ${previous.hash}, the digest says ${expected}`,
      };
}

/**
 * Verifies CloudTrail digest files (CloudTrail-Digest/ objects) the way AWS documents log file
 * integrity validation: every listed log file exists and has the listed SHA-256 of its
 * uncompressed content; the digest chains to the previous one (previousDigestHashValue = SHA-256
 * of the previous digest); with a public key configured, the RSA signature from the digest's
 * `x-amz-meta-signature` verifies. Shaped as a `Decoder` so the parser pipeline runs it, but it
 * reads S3, so it lives here rather than with the pure decoders.
 */
export function createDigestVerifier(settings: DigestVerifierSettings): Decoder<DigestCheck> {
  const { s3, publicKeysPem } = settings;
  const counted = counter(
    settings.metrics,
    'lake_cloudtrail_digest_checks_total',
    'Digest verification results: item DIGEST or LOG_FILE, by status',
    ['item', 'status'],
  );
  return async function* verifyDigest(source: AsyncIterable<Buffer>, context: ObjectContext) {
    const parts: Buffer[] = [];
    for await (const chunk of source) {
      parts.push(chunk);
    }
    const bytes = Buffer.concat(parts);
    let digest;
    try {
      digest = parseDigest(bytes.toString('utf8'));
    } catch (err) {
      const out: DecodeOutput<DigestCheck> = {
        ok: false,
        issue: {
          reason: 'DIGEST_INVALID',
          message: (err as Error).message,
          position: null,
          payload: bytes.subarray(0, 4096),
        },
      };
      yield [out];
      return;
    }
    const base = {
      digestBucket: context.bucket,
      digestKey: context.key,
      digestStartTime: digest.digestStartTime,
      digestEndTime: digest.digestEndTime,
    };
    /** One check, counted as it is handed over. */
    const check = (
      c: Pick<
        DigestCheck,
        'item' | 'logFileBucket' | 'logFileKey' | 'status' | 'chainStatus' | 'signatureStatus' | 'detail'
      >,
    ): DecodeOutput<DigestCheck>[] => {
      counted.inc({ item: c.item, status: c.status });
      return [{ ok: true, value: { ...base, ...c, checkedAt: Date.now() } }];
    };
    for (const file of digest.logFiles) {
      const { status, detail } = logFileStatus(
        file.hashValue,
        await hashObject(s3, file.s3Bucket, file.s3Object),
      );
      // One check at a time: the pipeline heartbeats between them, however many files are listed.
      yield check({
        item: 'LOG_FILE',
        logFileBucket: file.s3Bucket,
        logFileKey: file.s3Object,
        status,
        chainStatus: null,
        signatureStatus: null,
        detail,
      });
    }

    const chain =
      digest.previousDigestS3Object && digest.previousDigestHashValue
        ? chainStatusOf(
            digest.previousDigestHashValue,
            await hashObject(
              s3,
              digest.previousDigestS3Bucket ?? context.bucket,
              digest.previousDigestS3Object,
            ),
          )
        : { chainStatus: 'chain_start', detail: null };

    let signatureStatus = 'unchecked';
    if (publicKeysPem.length > 0) {
      // The GET that read the digest brought its metadata; a caller without it gets it here.
      const metadata =
        context.metadata ??
        (await s3.getObjectStream(context.bucket, context.key).then((o) => {
          o.body.destroy();
          return o.metadata;
        }));
      const signature = metadata?.['signature'] ?? null;
      if (!signature) {
        signatureStatus = 'missing';
      } else {
        const toSign = digestSigningString(digest, sha256Hex(bytes));
        signatureStatus = publicKeysPem.some((pem) => verifyDigestSignature(toSign, signature, pem))
          ? 'ok'
          : 'invalid';
      }
    }
    const { chainStatus } = chain;
    const chainOk = chainStatus === 'ok' || chainStatus === 'chain_start';
    const signatureOk = signatureStatus === 'ok' || signatureStatus === 'unchecked';
    const status = !chainOk ? chainStatus : !signatureOk ? `signature_${signatureStatus}` : 'ok';
    yield check({
      item: 'DIGEST',
      logFileBucket: null,
      logFileKey: null,
      status,
      chainStatus,
      signatureStatus,
      detail: chain.detail,
    });
  };
}
