import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { digestSigningString, parseDigest, sha256Hex, verifyDigestSignature } from '@lake/cloudtrail';
import { S3AdapterError, type S3Store } from '@lake/s3';
import type { DecodeOutput, Decoder, DigestCheck, ObjectContext } from '@lake/schemas';
import { decompress } from './decompress';

export interface DigestVerifierSettings {
  s3: S3Store;
  /** PEM public keys of the trail's region (AWS rotates them); none: signatures are not checked. */
  publicKeysPem: string[];
}

/** SHA-256 (hex) of an object's content after gunzip; null when the object does not exist. */
async function hashObject(s3: S3Store, bucket: string, key: string): Promise<string | null> {
  let body: Readable;
  try {
    body = (await s3.getObjectStream(bucket, key)).body;
  } catch (err) {
    if (err instanceof S3AdapterError && err.code === 'OBJECT_MISSING') {
      return null;
    }
    throw err;
  }
  const hash = createHash('sha256');
  try {
    for await (const chunk of decompress(body, key.endsWith('.gz'))) {
      hash.update(chunk);
    }
  } finally {
    body.destroy();
  }
  return hash.digest('hex');
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
    const checks: DecodeOutput<DigestCheck>[] = [];
    for (const file of digest.logFiles) {
      const actual = await hashObject(s3, file.s3Bucket, file.s3Object);
      const status = actual === null ? 'missing' : actual === file.hashValue ? 'ok' : 'hash_mismatch';
      checks.push({
        ok: true,
        value: {
          ...base,
          item: 'LOG_FILE',
          logFileBucket: file.s3Bucket,
          logFileKey: file.s3Object,
          status,
          chainStatus: null,
          signatureStatus: null,
          detail: status === 'hash_mismatch' ? `expected ${file.hashValue}, found ${actual}` : null,
          checkedAt: Date.now(),
        },
      });
    }

    let chainStatus: string;
    let chainDetail: string | null = null;
    if (!digest.previousDigestS3Object || !digest.previousDigestHashValue) {
      chainStatus = 'chain_start';
    } else {
      const previous = await hashObject(
        s3,
        digest.previousDigestS3Bucket ?? context.bucket,
        digest.previousDigestS3Object,
      );
      chainStatus =
        previous === null
          ? 'previous_missing'
          : previous === digest.previousDigestHashValue
            ? 'ok'
            : 'chain_break';
      if (chainStatus === 'chain_break') {
        chainDetail = `previous digest hashes to ${previous}, the digest says ${digest.previousDigestHashValue}`;
      }
    }

    let signatureStatus = 'unchecked';
    if (publicKeysPem.length > 0) {
      const signature =
        (await s3.getObjectStream(context.bucket, context.key).then((o) => {
          o.body.destroy();
          return o.metadata['signature'];
        })) ?? null;
      if (!signature) {
        signatureStatus = 'missing';
      } else {
        const toSign = digestSigningString(digest, sha256Hex(bytes));
        signatureStatus = publicKeysPem.some((pem) => verifyDigestSignature(toSign, signature, pem))
          ? 'ok'
          : 'invalid';
      }
    }
    const chainOk = chainStatus === 'ok' || chainStatus === 'chain_start';
    const signatureOk = signatureStatus === 'ok' || signatureStatus === 'unchecked';
    const status = !chainOk ? chainStatus : !signatureOk ? `signature_${signatureStatus}` : 'ok';
    checks.push({
      ok: true,
      value: {
        ...base,
        item: 'DIGEST',
        logFileBucket: null,
        logFileKey: null,
        status,
        chainStatus,
        signatureStatus,
        detail: chainDetail,
        checkedAt: Date.now(),
      },
    });
    yield checks;
  };
}
