import { X509Certificate, createVerify } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SnsSignatureError } from './notifier.errors';

/**
 * Amazon SNS message signatures (SNS Developer Guide, "Verifying the signatures of Amazon SNS
 * messages"): the string to sign is `Name\nValue\n` for a fixed list of fields in byte order —
 * Notification: Message, MessageId, Subject (only when present), Timestamp, TopicArn, Type;
 * SubscriptionConfirmation / UnsubscribeConfirmation: Message, MessageId, SubscribeURL,
 * Timestamp, Token, TopicArn, Type. SignatureVersion 1 is SHA1withRSA, 2 SHA256withRSA, over that
 * string, base64 in `Signature`, with the certificate at `SigningCertURL`.
 */
export interface SnsMessage {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string | null;
  SubscribeURL?: string;
  Token?: string;
  UnsubscribeURL?: string;
}

const FIELDS: Record<string, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The exact string SNS signs for a message (throws `unknown-type` for another Type). */
export function snsStringToSign(message: Record<string, unknown>): string {
  const type = message['Type'];
  const fields = typeof type === 'string' ? FIELDS[type] : undefined;
  if (!fields) {
    throw new SnsSignatureError('unknown-type', `SNS message type ${String(type)} is not signed by SNS`);
  }
  let out = '';
  for (const name of fields) {
    const value = message[name];
    if (name === 'Subject' && (value === undefined || value === null)) {
      continue;
    }
    if (typeof value !== 'string') {
      throw new SnsSignatureError('unsigned', `SNS message lacks ${name}`);
    }
    out += `${name}\n${value}\n`;
  }
  return out;
}

/** The URL patterns SNS itself uses: https://sns.{region}.amazonaws.com[.cn]/… */
export const AWS_SNS_URL = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;

export interface CertificateSourceSettings {
  /** A PEM file (used for every message) or a folder of PEM files (found by the SigningCertURL's file name). */
  localPath?: string;
  /** Besides AWS's own SNS hosts, certificate URLs starting with one of these may be fetched. */
  allowedUrlPrefixes: readonly string[];
  /** Allow fetching from AWS's SNS hosts (off where they cannot be reached). */
  allowAwsUrls: boolean;
  fetch?: typeof fetch;
}

export function urlAllowed(url: string, prefixes: readonly string[], allowAws: boolean): boolean {
  return (allowAws && AWS_SNS_URL.test(url)) || prefixes.some((p) => url.startsWith(p));
}

/**
 * Where signing certificates come from: local PEM files first (these machines cannot reach AWS),
 * then a fetch from an allowed URL, cached by URL.
 */
export class CertificateSource {
  private readonly single: X509Certificate | null = null;
  private readonly byName = new Map<string, X509Certificate>();
  private readonly fetched = new Map<string, Promise<X509Certificate>>();

  constructor(private readonly settings: CertificateSourceSettings) {
    const path = settings.localPath;
    if (path) {
      if (statSync(path).isDirectory()) {
        for (const name of readdirSync(path)) {
          if (name.endsWith('.pem')) {
            this.byName.set(name, new X509Certificate(readFileSync(join(path, name))));
          }
        }
      } else {
        this.single = new X509Certificate(readFileSync(path));
      }
    }
  }

  async certificateFor(url: string): Promise<X509Certificate> {
    let name = '';
    try {
      name = basename(new URL(url).pathname);
    } catch {
      throw new SnsSignatureError('untrusted-certificate', 'SigningCertURL is not a URL');
    }
    const local = this.single ?? this.byName.get(name);
    if (local) {
      return local;
    }
    if (!urlAllowed(url, this.settings.allowedUrlPrefixes, this.settings.allowAwsUrls)) {
      throw new SnsSignatureError('untrusted-certificate', `certificate URL ${url} is not an allowed source`);
    }
    let pending = this.fetched.get(url);
    if (!pending) {
      pending = (async () => {
        const res = await (this.settings.fetch ?? fetch)(url, { redirect: 'error' });
        if (!res.ok) {
          throw new SnsSignatureError('untrusted-certificate', `certificate ${url}: HTTP ${res.status}`);
        }
        return new X509Certificate(Buffer.from(await res.arrayBuffer()));
      })();
      this.fetched.set(url, pending);
      // A failed fetch is not cached: the next message tries again.
      pending.catch(() => this.fetched.delete(url));
    }
    return pending;
  }
}

/** Checks an SNS message's signature; resolves with the message, throws {@link SnsSignatureError}. */
export async function verifySnsMessage(
  body: Record<string, unknown>,
  certificates: CertificateSource,
  options: { allowedTopicArns?: readonly string[]; now?: number } = {},
): Promise<SnsMessage> {
  const signature = body['Signature'];
  const certUrl = body['SigningCertURL'];
  const version = body['SignatureVersion'];
  if (typeof signature !== 'string' || typeof certUrl !== 'string' || typeof version !== 'string') {
    throw new SnsSignatureError(
      'unsigned',
      'the message has no Signature, SigningCertURL or SignatureVersion',
    );
  }
  const algorithm = version === '1' ? 'RSA-SHA1' : version === '2' ? 'RSA-SHA256' : null;
  if (!algorithm) {
    throw new SnsSignatureError('bad-signature', `SignatureVersion ${version} is not 1 or 2`);
  }
  const text = snsStringToSign(body);
  const cert = await certificates.certificateFor(certUrl);
  const now = options.now ?? Date.now();
  if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) {
    throw new SnsSignatureError('untrusted-certificate', 'the signing certificate is not valid now');
  }
  const ok = createVerify(algorithm).update(text, 'utf8').verify(cert.publicKey, signature, 'base64');
  if (!ok) {
    throw new SnsSignatureError('bad-signature', 'the signature does not match the message');
  }
  const topic = body['TopicArn'] as string;
  if (
    options.allowedTopicArns &&
    options.allowedTopicArns.length > 0 &&
    !options.allowedTopicArns.includes(topic)
  ) {
    throw new SnsSignatureError('topic-not-allowed', `topic ${topic} is not an allowed topic`);
  }
  return body as unknown as SnsMessage;
}
