import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { HealthRegistry, histogram, ops, type Logger, type Registry } from '@lake/observability';
import { ping, type Pool } from '@lake/pg';
import { errorsPlugin } from './plugins/errors.plugin';
import { cloudTrailAggregatesRoutes } from './routes/cloudtrail-aggregates.routes';
import { cloudTrailRoutes } from './routes/cloudtrail.routes';
import { contextRoutes } from './routes/context.routes';
import { deadLettersRoutes } from './routes/dead-letters.routes';
import { flowAnalyticsRoutes } from './routes/flow-analytics.routes';
import { flowsRoutes } from './routes/flows.routes';

export interface AppDeps {
  pool: Pool;
  logger: Logger;
  metrics: Registry;
}

/** Builds the API (no listening: main.ts listens, tests inject or use supertest). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    disableRequestLogging: false,
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
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(ops, { health, metrics: deps.metrics });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  await app.register(flowsRoutes, { pool: deps.pool });
  await app.register(cloudTrailRoutes, { pool: deps.pool });
  await app.register(deadLettersRoutes, { pool: deps.pool });
  await app.register(flowAnalyticsRoutes, { pool: deps.pool });
  await app.register(cloudTrailAggregatesRoutes, { pool: deps.pool });
  await app.register(contextRoutes, { pool: deps.pool });
  return app;
}
