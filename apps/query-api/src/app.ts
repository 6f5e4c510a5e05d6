import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { HealthRegistry, histogram, ops, type Logger, type Registry } from '@lake/observability';
import { ping, type Pool } from '@lake/pg';
import { authPlugin } from './plugins/auth.plugin';
import { errorsPlugin } from './plugins/errors.plugin';
import { exportPlugin } from './plugins/export.plugin';
import { rateLimitPlugin, type RateLimitSettings } from './plugins/rate-limit.plugin';
import { cloudTrailAggregatesRoutes } from './routes/cloudtrail-aggregates.routes';
import { cloudTrailRoutes } from './routes/cloudtrail.routes';
import { dashboardRoutes } from './routes/dashboard.routes';
import { contextRoutes } from './routes/context.routes';
import { deadLettersRoutes } from './routes/dead-letters.routes';
import { flowAnalyticsRoutes } from './routes/flow-analytics.routes';
import { flowsRoutes } from './routes/flows.routes';

export interface AppDeps {
  pool: Pool;
  logger: Logger;
  metrics: Registry;
  /** Default: 1000 requests per 60 s per key. */
  rateLimit?: RateLimitSettings;
  /** Serve /metrics without an API key (default: a key is needed, as on every route but /health, /ready). */
  metricsPublic?: boolean;
  /** An export whose client reads nothing for this long is cut off; default 60. */
  exportStallSeconds?: number;
}

/**
 * Routes served without an API key: liveness/readiness probes, and pages that hold no data (the
 * OpenAPI document and its UI, the dashboard's static files: a browser cannot send a header when
 * it opens a page; the dashboard asks for the key and sends it on every API call).
 */
const PUBLIC_ROUTES = new Set(['/health', '/ready', '/openapi.json']);
const PUBLIC_PREFIXES = ['/docs', '/dashboard'];

export function isPublicRoute(url: string | undefined, metricsPublic = false): boolean {
  if (url === undefined) {
    return false;
  }
  return (
    PUBLIC_ROUTES.has(url) ||
    (metricsPublic && url === '/metrics') ||
    PUBLIC_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`))
  );
}

/** Builds the API (no listening: main.ts listens, tests inject or use supertest). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const health = new HealthRegistry();
  health.addLiveness('process', () => ({ ok: true }));
  health.addReadiness('postgres', async () => {
    await ping(deps.pool);
    return { ok: true };
  });
  const latency = histogram(deps.metrics, 'lake_http_request_seconds', 'HTTP request latency', [
    'route',
    'status',
  ]);
  app.addHook('onResponse', async (req, reply) => {
    latency.observe(
      { route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(errorsPlugin);
  await app.register(authPlugin, {
    pool: deps.pool,
    isPublic: (url) => isPublicRoute(url, deps.metricsPublic),
  });
  await app.register(exportPlugin, { stallSeconds: deps.exportStallSeconds ?? 60 });
  await app.register(rateLimitPlugin, deps.rateLimit ?? { max: 1000, windowSeconds: 60 });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'AWS log lake query API',
        version: '0.1.0',
        description: 'VPC flow records and CloudTrail events from Postgres. Times are ISO 8601, UTC.',
      },
      tags: [
        { name: 'flows', description: 'VPC flow logs' },
        { name: 'cloudtrail', description: 'CloudTrail events' },
        { name: 'operations', description: 'health, metrics, dead letters' },
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer', description: 'the same API key as a bearer token' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(ops, { health, metrics: deps.metrics });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  await app.register(flowsRoutes, { pool: deps.pool });
  await app.register(cloudTrailRoutes, { pool: deps.pool });
  await app.register(dashboardRoutes);
  await app.register(deadLettersRoutes, { pool: deps.pool });
  await app.register(flowAnalyticsRoutes, { pool: deps.pool });
  await app.register(cloudTrailAggregatesRoutes, { pool: deps.pool });
  await app.register(contextRoutes, { pool: deps.pool });
  return app;
}
