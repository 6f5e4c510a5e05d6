import { createHash, verify } from 'node:crypto';
import { CloudTrailFormatError } from './cloudtrail.errors';

/**
 * CloudTrail digest files (CloudTrail User Guide, "CloudTrail digest file structure"): every hour
 * a digest lists the log files delivered in that hour with the SHA-256 of their uncompressed
 * content, chains to the previous digest (its hash and signature) and is itself signed with RSA
 * (SHA256withRSA); the signature travels in the digest object's `x-amz-meta-signature` metadata.
 */
export interface DigestLogFile {
  s3Bucket: string;
  s3Object: string;
  hashValue: string;
  hashAlgorithm: string;
}

export interface CloudTrailDigest {
  awsAccountId: string | null;
  digestStartTime: string;
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  previousDigestS3Bucket: string | null;
  previousDigestS3Object: string | null;
  previousDigestHashValue: string | null;
  previousDigestSignature: string | null;
  digestPublicKeyFingerprint: string | null;
  digestSignatureAlgorithm: string | null;
  logFiles: DigestLogFile[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** Parses a digest file's JSON; throws a CloudTrailFormatError naming what is missing when it is not a digest. */
export function parseDigest(text: string): CloudTrailDigest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CloudTrailFormatError('DIGEST_INVALID', `a digest file is JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CloudTrailFormatError('DIGEST_INVALID', 'a digest file is a JSON object');
  }
  const d = json as Record<string, unknown>;
  const required = ['digestStartTime', 'digestEndTime', 'digestS3Bucket', 'digestS3Object'] as const;
  for (const name of required) {
    if (!str(d[name])) {
      throw new CloudTrailFormatError('DIGEST_INVALID', `the digest has no ${name}`);
    }
  }
  if (!Array.isArray(d['logFiles'])) {
    throw new CloudTrailFormatError('DIGEST_INVALID', 'the digest has no logFiles array');
  }
  const logFiles = (d['logFiles'] as unknown[]).map((f, i) => {
    const o = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
    const bucket = str(o['s3Bucket']);
    const key = str(o['s3Object']);
    const hash = str(o['hashValue']);
    if (!bucket || !key || !hash) {
      throw new CloudTrailFormatError(
        'DIGEST_INVALID',
        `logFiles[${i}] lacks s3Bucket, s3Object or hashValue`,
      );
    }
    return {
      s3Bucket: bucket,
      s3Object: key,
      hashValue: hash.toLowerCase(),
      hashAlgorithm: str(o['hashAlgorithm']) ?? 'SHA-256',
    };
  });
  return {
    awsAccountId: str(d['awsAccountId']),
    digestStartTime: d['digestStartTime'] as string,
    digestEndTime: d['digestEndTime'] as string,
    digestS3Bucket: d['digestS3Bucket'] as string,
    digestS3Object: d['digestS3Object'] as string,
    previousDigestS3Bucket: str(d['previousDigestS3Bucket']),
    previousDigestS3Object: str(d['previousDigestS3Object']),
    previousDigestHashValue: str(d['previousDigestHashValue'])?.toLowerCase() ?? null,
    previousDigestSignature: str(d['previousDigestSignature']),
    digestPublicKeyFingerprint: str(d['digestPublicKeyFingerprint']),
    digestSignatureAlgorithm: str(d['digestSignatureAlgorithm']),
    logFiles,
  };
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The data signing string AWS signs: digest end time, digest S3 path, SHA-256 (hex) of the
 * uncompressed digest, previous digest signature — joined by '\n'; "null" stands for the missing
 * previous signature of a trail's first digest (as the AWS CLI's validator builds it).
 */
export function digestSigningString(digest: CloudTrailDigest, uncompressedDigestSha256: string): string {
  return [
    digest.digestEndTime,
    `${digest.digestS3Bucket}/${digest.digestS3Object}`,
    uncompressedDigestSha256,
    digest.previousDigestSignature ?? 'null',
  ].join('\n');
}

/** SHA256withRSA check of the digest signature (hex, from `x-amz-meta-signature`) with a PEM public key. */
export function verifyDigestSignature(
  signingString: string,
  signatureHex: string,
  publicKeyPem: string,
): boolean {
  if (!/^[0-9a-f]+$/i.test(signatureHex.replace(/\s+/g, ''))) {
    return false;
  }
  return verify(
    'sha256',
    Buffer.from(signingString),
    publicKeyPem,
    Buffer.from(signatureHex.replace(/\s+/g, ''), 'hex'),
  );
}
