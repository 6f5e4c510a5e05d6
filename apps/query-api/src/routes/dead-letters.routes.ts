import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DeadLettersQueries, type Pool } from '@lake/pg';
import { ErrorReply, PageOf, Paging, TimeRange, timeRange } from './common';
import { ExportParam } from '../plugins/export.plugin';

const LetterItem = Type.Object(
  {},
  { additionalProperties: true, description: 'a dead letter with its reason' },
);

export const deadLettersRoutes: FastifyPluginAsyncTypebox<{ pool: Pool }> = async (app, opts) => {
  const queries = new DeadLettersQueries(opts.pool);
  app.get(
    '/v1/dead-letters',
    {
      schema: {
        tags: ['operations'],
        summary: 'Input that could not be processed, with the reason (by time it occurred)',
        querystring: Type.Object(
          {
            ...TimeRange,
            ...Paging,
            ...ExportParam,
            service: Type.Optional(Type.String({ maxLength: 64 })),
            reason: Type.Optional(
              Type.String({ maxLength: 64, description: 'reason code, e.g. FIELD_COUNT' }),
            ),
            key: Type.Optional(Type.String({ maxLength: 1024, description: 'S3 object key' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(LetterItem), 400: ErrorReply },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const filter = { ...timeRange(q), service: q.service, reason: q.reason, key: q.key, cursor: q.cursor };
      const format = req.exportFormat(q.format);
      if (format) {
        return reply.sendExport(format, await queries.stream(filter), 'dead-letters');
      }
      return queries.list({ ...filter, limit: q.limit });
    },
  );

  app.get(
    '/v1/dead-letters/counts',
    {
      schema: {
        tags: ['operations'],
        summary: 'Dead letters per service and reason in a time range, most first',
        querystring: Type.Object({ ...TimeRange }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ service: Type.String(), reason: Type.String(), count: Type.Integer() }),
            ),
          }),
          400: ErrorReply,
        },
      },
    },
    async (req) => queries.counts(timeRange(req.query)),
  );
};
