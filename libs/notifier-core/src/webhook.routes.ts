import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { counter, type Logger, type Registry } from '@lake/observability';
import { parseS3NotificationValue, type ParsedNotification } from '@lake/s3-events';
import type { ObjectPublisher } from './object-publisher';
import { SnsSignatureError } from './notifier.errors';
import { urlAllowed, verifySnsMessage, type CertificateSource } from './sns-signature';

export interface WebhookOptions {
  publisher: ObjectPublisher;
  logger: Logger;
  metrics: Registry;
  /** MinIO's `auth_token`: requests to POST /webhooks/minio must carry `Authorization: Bearer {token}`. Unset: the route is off. */
  minioToken?: string;
  /** SNS HTTP(S) subscription on POST /webhooks/sns. Unset: the route is off. */
  sns?: {
    certificates: CertificateSource;
    /** Only these topics are accepted (empty: any topic whose messages verify). */
    allowedTopicArns: readonly string[];
    /** Confirm subscriptions by fetching SubscribeURL when it starts with one of these (or is AWS's own, when allowed). */
    subscribeUrlPrefixes: readonly string[];
    allowAwsUrls: boolean;
    fetch?: typeof fetch;
  };
}

type Outcome =
  | 'accepted'
  | 'unauthenticated'
  | 'forbidden'
  | 'invalid'
  | 'failed'
  | 'confirmed'
  | 'unsubscribed'
  | 'test-event';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** Bearer token check in constant time (both sides hashed to the same length first). */
export function bearerMatches(header: string | undefined, token: string): boolean | null {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) {
    return null;
  }
  return timingSafeEqual(sha256(m[1]!), sha256(token));
}

/**
 * The notifier's webhooks, for stacks without SQS: MinIO bucket notifications and SNS HTTP(S)
 * subscriptions. Objects go through the same publisher as SQS notifications (routing, once-only
 * record, Kafka acknowledgement before the 200); a failure answers 503 so the sender retries.
 */
export async function webhookRoutes(app: FastifyInstance, opts: WebhookOptions): Promise<void> {
  const requests = counter(
    opts.metrics,
    'lake_notifier_webhook_requests_total',
    'Webhook requests by source (minio, sns) and outcome (accepted, unauthenticated = 401, forbidden = 403, invalid = 400, failed = 503, confirmed, unsubscribed, test-event)',
    ['source', 'outcome'],
  );
  const log = opts.logger.child({ component: 'webhook' });

  const answer = (reply: FastifyReply, source: string, outcome: Outcome, status: number, body: object) => {
    requests.inc({ source, outcome });
    return reply.code(status).send(body);
  };

  const publish = async (reply: FastifyReply, source: string, parsed: ParsedNotification) => {
    switch (parsed.type) {
      case 'invalid':
        return answer(reply, source, 'invalid', 400, {
          error: 'not an S3 notification',
          message: parsed.reason,
        });
      case 'test-event':
        return answer(reply, source, 'test-event', 200, { published: 0 });
      case 'objects':
        try {
          const summary = await opts.publisher.publish(parsed.objects);
          return answer(reply, source, 'accepted', 200, { ...summary, ignored: parsed.ignored.length });
        } catch (err) {
          log.error({ err, source }, 'webhook objects not published');
          return answer(reply, source, 'failed', 503, { error: 'not published; retry later' });
        }
    }
  };

  // SNS posts JSON with Content-Type text/plain (this encapsulated scope only).
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(null, body);
    }
  });

  if (opts.minioToken) {
    const token = opts.minioToken;
    app.post('/webhooks/minio', async (req, reply) => {
      const ok = bearerMatches(req.headers.authorization, token);
      if (ok === null) {
        return answer(reply, 'minio', 'unauthenticated', 401, {
          error: 'Authorization: Bearer token required',
        });
      }
      if (!ok) {
        return answer(reply, 'minio', 'forbidden', 403, { error: 'wrong token' });
      }
      return publish(reply, 'minio', parseS3NotificationValue(req.body, 'webhook'));
    });
  }

  const sns = opts.sns;
  if (sns) {
    app.post('/webhooks/sns', async (req, reply) => {
      const body = req.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return answer(reply, 'sns', 'invalid', 400, {
          error: 'the body is not an SNS message (JSON object)',
        });
      }
      let message;
      try {
        message = await verifySnsMessage(body as Record<string, unknown>, sns.certificates, {
          allowedTopicArns: sns.allowedTopicArns,
        });
      } catch (err) {
        if (err instanceof SnsSignatureError) {
          const unsigned = err.code === 'unsigned';
          log.warn({ code: err.code, detail: err.message }, 'SNS message refused');
          return answer(reply, 'sns', unsigned ? 'unauthenticated' : 'forbidden', unsigned ? 401 : 403, {
            error: unsigned ? 'unsigned SNS message' : 'SNS signature not accepted',
            message: err.message,
          });
        }
        log.error({ err }, 'SNS signature check failed');
        return answer(reply, 'sns', 'failed', 503, { error: 'signature not checked; retry later' });
      }
      switch (message.Type) {
        case 'SubscriptionConfirmation': {
          const url = message.SubscribeURL ?? '';
          if (!urlAllowed(url, sns.subscribeUrlPrefixes, sns.allowAwsUrls)) {
            return answer(reply, 'sns', 'forbidden', 403, {
              error: `SubscribeURL ${url} is not an allowed URL`,
            });
          }
          const res = await (sns.fetch ?? fetch)(url, { redirect: 'error' }).catch((err: unknown) => {
            log.error({ err }, 'subscription confirmation failed');
            return null;
          });
          if (!res?.ok) {
            return answer(reply, 'sns', 'failed', 503, { error: 'subscription not confirmed; retry later' });
          }
          log.info({ topic: message.TopicArn }, 'SNS subscription confirmed');
          return answer(reply, 'sns', 'confirmed', 200, { confirmed: true });
        }
        case 'UnsubscribeConfirmation':
          log.warn({ topic: message.TopicArn }, 'SNS subscription ended');
          return answer(reply, 'sns', 'unsubscribed', 200, {});
        case 'Notification': {
          let inner: unknown;
          try {
            inner = JSON.parse(message.Message);
          } catch {
            return answer(reply, 'sns', 'invalid', 400, { error: 'the SNS Message is not JSON' });
          }
          return publish(reply, 'sns', parseS3NotificationValue(inner, 'sns'));
        }
        default:
          return answer(reply, 'sns', 'invalid', 400, {
            error: `SNS message type ${message.Type} not handled`,
          });
      }
    });
  }
}
