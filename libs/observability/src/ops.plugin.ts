import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import type { HealthRegistry } from './health';

export interface OpsPluginOptions {
  health: HealthRegistry;
  metrics: Registry;
}

/**
 * `/health` (liveness), `/ready` (readiness) and `/metrics` (Prometheus text format).
 * Registered by every service: on the API's own server, or on a small ops server.
 */
const opsPlugin: FastifyPluginAsync<OpsPluginOptions> = async (app: FastifyInstance, opts) => {
  const reply503 = { description: 'a check is failing', type: 'object', additionalProperties: true };
  const healthSchema = {
    response: { 200: { type: 'object', additionalProperties: true }, 503: reply503 },
  };
  app.get('/health', { schema: healthSchema }, async (_req, reply) => {
    const report = await opts.health.health();
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
  app.get('/ready', { schema: healthSchema }, async (_req, reply) => {
    const report = await opts.health.ready();
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await opts.metrics.metrics();
    return reply.type(opts.metrics.contentType).send(body);
  });
};

export const ops = fp(opsPlugin, { name: 'lake-ops', fastify: '5.x' });
