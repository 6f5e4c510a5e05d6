import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { DASHBOARD_HTML } from '../dashboard/dashboard.page';

/** uPlot's browser files, read once from node_modules (present in the image's dependency layer). */
function uplotFile(name: string): string {
  return readFileSync(require.resolve(`uplot/dist/${name}`), 'utf8');
}

/**
 * GET /dashboard: the page and its two static files. They hold no data (served without an API key,
 * see isPublicRoute); the page asks for a key and sends it on every API call.
 */
export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const script = uplotFile('uPlot.esm.js');
  const css = uplotFile('uPlot.min.css');
  const hidden = { schema: { hide: true } };
  app.get('/dashboard', hidden, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(DASHBOARD_HTML),
  );
  app.get('/dashboard/uplot.js', hidden, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=86400').send(script),
  );
  app.get('/dashboard/uplot.css', hidden, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=86400').send(css),
  );
};
