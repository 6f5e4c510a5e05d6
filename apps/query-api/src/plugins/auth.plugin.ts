import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiKeysRepository, type ApiKeyInfo, type Pool } from '@lake/pg';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's API key (null on public routes). */
    apiKey: ApiKeyInfo | null;
  }
}

export interface AuthOptions {
  pool: Pool;
  /** Routes served without a key (matched on the route's URL pattern; 404s need a key too). */
  isPublic: (routeUrl: string | undefined) => boolean;
}

/** An auth failure: 401 with the reason (sent with the `WWW-Authenticate` header RFC 6750 asks for). */
export class UnauthorizedError extends Error {
  readonly statusCode = 401;
}

const TOUCH_EVERY_MS = 60_000;

/** The caller's key, or why it is refused. */
async function authenticate(keys: ApiKeysRepository, req: FastifyRequest): Promise<ApiKeyInfo | string> {
  const auth = req.headers.authorization;
  const header = req.headers['x-api-key'];
  let presented: string | undefined;
  if (typeof header === 'string' && header !== '') {
    presented = header.trim();
  } else if (auth) {
    presented = /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
    if (presented === undefined) {
      return 'Authorization header must be "Bearer <API key>"';
    }
  } else {
    return 'API key required: send it as "x-api-key: <key>" or "Authorization: Bearer <key>" (create one with npm run api-key -- create --name NAME)';
  }
  const result = await keys.check(presented);
  if (result.ok) {
    return result.key;
  }
  switch (result.reason) {
    case 'malformed':
      return 'API key is malformed (expected lake_<id>_<secret>)';
    case 'unknown':
      return 'API key is not valid';
    case 'revoked':
      return 'API key has been revoked';
  }
}

/**
 * Every route but the public ones needs an API key (stored hashed in `api_keys`, managed with
 * `npm run api-key`). Runs first on each request (onRequest), so a refused request costs one
 * primary-key lookup and nothing else; `req.apiKey` is what the rate limiter keys on.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: AuthOptions) => {
    const keys = new ApiKeysRepository(opts.pool);
    const touched = new Map<string, number>();
    // last_used_at is best effort: a read-only role (deploy/compose) cannot write it, so stop trying.
    let touchEnabled = true;
    app.decorateRequest('apiKey', null);
    app.addHook('onRequest', async (req, reply) => {
      if (opts.isPublic(req.routeOptions.url)) {
        return;
      }
      const result = await authenticate(keys, req);
      if (typeof result === 'string') {
        reply.header('www-authenticate', 'Bearer realm="aws-log-lake"');
        throw new UnauthorizedError(result);
      }
      req.apiKey = result;
      const now = Date.now();
      if (touchEnabled && (touched.get(result.id) ?? 0) + TOUCH_EVERY_MS < now) {
        touched.set(result.id, now);
        keys.touch(result.id).catch((err: unknown) => {
          touchEnabled = false;
          req.log.warn({ err }, 'api key last use not recorded (read-only role?); not tried again');
        });
      }
    });
  },
  { name: 'lake-auth', fastify: '5.x', dependencies: ['lake-errors'] },
);
