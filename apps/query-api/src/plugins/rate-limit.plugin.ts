import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface RateLimitSettings {
  /** Requests per window per API key, unless the key has its own `rate_limit`. */
  max: number;
  windowSeconds: number;
}

/** A 429 with the reason, through the one error handler. */
export class TooManyRequestsError extends Error {
  readonly statusCode = 429;
}

/**
 * Rate limits per API key (@fastify/rate-limit, in-process store: each replica counts its own
 * requests). Runs after the auth hook, so the bucket is the key's id; public routes (no key) are
 * not limited. Answers carry x-ratelimit-limit/remaining/reset, a 429 also retry-after.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, opts: RateLimitSettings) => {
    await app.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      timeWindow: opts.windowSeconds * 1000,
      max: (req) => req.apiKey?.rate_limit ?? opts.max,
      keyGenerator: (req) => req.apiKey?.id ?? 'public',
      allowList: (req) => req.apiKey === null,
      errorResponseBuilder: (req, ctx) =>
        new TooManyRequestsError(
          `rate limit of ${ctx.max} requests per ${opts.windowSeconds} s exceeded for API key ${req.apiKey?.id ?? '?'}; retry in ${ctx.after}`,
        ),
    });
  },
  { name: 'lake-rate-limit', fastify: '5.x', dependencies: ['lake-auth', 'lake-errors'] },
);
