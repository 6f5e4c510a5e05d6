import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { HealthRegistry } from './health';
import { ops } from './ops.plugin';

/**
 * A minimal HTTP server with only the ops endpoints, for the services that have no API of their own.
 * Built here, listened on by the app.
 */
export async function buildOpsServer(deps: {
  logger: Logger;
  health: HealthRegistry;
  metrics: Registry;
}): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: 'ops' });
  const app: FastifyInstance = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(ops, { health: deps.health, metrics: deps.metrics });
  return app;
}
