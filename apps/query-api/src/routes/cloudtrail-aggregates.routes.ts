import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CLOUDTRAIL_AGGREGATE_KEYS, CloudTrailAggregatesQueries, type Pool } from '@lake/pg';
import { ErrorReply } from './common';
import { timeRangeOf } from './flow-analytics.routes';

const AggregateItem = Type.Object({
  key: Type.Union([Type.String(), Type.Null()]),
  events: Type.Number(),
  errors: Type.Number(),
  error_rate: Type.Number({ description: 'errors / events, 0…1' }),
});

/** CloudTrail event and error counts by principal, source IP, event name/source, error code, region. */
export const cloudTrailAggregatesRoutes: FastifyPluginAsyncTypebox<{ pool: Pool }> = async (app, opts) => {
  const queries = new CloudTrailAggregatesQueries(opts.pool);
  app.get(
    '/v1/cloudtrail/aggregates',
    {
      schema: {
        tags: ['cloudtrail'],
        summary: 'CloudTrail events and error rates by one dimension',
        description:
          'Events, errors (events with an error code or message) and error rate by principal (ARN), source_ip, event_name, event_source, error_code or region, most events first; answered from the coarsest exact rollup (`source` names the table).',
        querystring: Type.Object(
          {
            from: Type.Optional(
              Type.String({ format: 'date-time', description: 'default: 24 hours before `to`' }),
            ),
            to: Type.Optional(
              Type.String({ format: 'date-time', description: 'default: the end of the current hour' }),
            ),
            by: Type.Union(
              CLOUDTRAIL_AGGREGATE_KEYS.map((k) => Type.Literal(k)),
              { description: 'the dimension' },
            ),
            event_name: Type.Optional(Type.String({ maxLength: 128 })),
            event_source: Type.Optional(Type.String({ maxLength: 128 })),
            principal: Type.Optional(Type.String({ maxLength: 2048, description: 'principal ARN' })),
            source_ip: Type.Optional(Type.String({ maxLength: 256 })),
            region: Type.Optional(Type.String({ maxLength: 32 })),
            error_code: Type.Optional(Type.String({ maxLength: 256 })),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
            source: Type.Optional(
              Type.Union([
                Type.Literal('auto'),
                Type.Literal('raw'),
                Type.Literal('minute'),
                Type.Literal('hour'),
              ]),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(AggregateItem), source: Type.String() }),
          400: ErrorReply,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const { from, to } = timeRangeOf(q);
      const r = await queries.aggregate(
        {
          from,
          to,
          eventName: q.event_name,
          eventSource: q.event_source,
          principal: q.principal,
          sourceIp: q.source_ip,
          region: q.region,
          errorCode: q.error_code,
          limit: q.limit,
          source: q.source,
        },
        q.by,
      );
      return {
        items: r.items.map((i) => ({
          ...i,
          error_rate: i.events === 0 ? 0 : Math.round((i.errors / i.events) * 10_000) / 10_000,
        })),
        source: r.source,
      };
    },
  );
};
