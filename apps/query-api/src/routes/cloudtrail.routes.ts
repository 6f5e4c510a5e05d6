import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CloudTrailEventsQueries, CloudTrailInsightsQueries, DigestChecksQueries, type Pool } from '@lake/pg';
import { ErrorReply, PageOf, Paging, TimeRange, timeRange } from './common';

const EventItem = Type.Object(
  {},
  { additionalProperties: true, description: 'a CloudTrail record (snake_case columns)' },
);

export const cloudTrailRoutes: FastifyPluginAsyncTypebox<{ pool: Pool }> = async (app, opts) => {
  const queries = new CloudTrailEventsQueries(opts.pool);
  app.get(
    '/v1/cloudtrail/events',
    {
      schema: {
        tags: ['cloudtrail'],
        summary: 'CloudTrail events in a time range, oldest first',
        querystring: Type.Object(
          {
            ...TimeRange,
            ...Paging,
            event_name: Type.Optional(Type.String({ maxLength: 128 })),
            event_source: Type.Optional(Type.String({ maxLength: 128 })),
            principal: Type.Optional(
              Type.String({ maxLength: 2048, description: 'principal ARN (or type/name)' }),
            ),
            source_ip: Type.Optional(Type.String({ maxLength: 128 })),
            region: Type.Optional(Type.String({ maxLength: 32 })),
            error_code: Type.Optional(Type.String({ maxLength: 128 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(EventItem), 400: ErrorReply },
      },
    },
    async (req) => {
      const q = req.query;
      return queries.list({
        ...timeRange(q),
        eventName: q.event_name,
        eventSource: q.event_source,
        principal: q.principal,
        sourceIp: q.source_ip,
        region: q.region,
        errorCode: q.error_code,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  const insights = new CloudTrailInsightsQueries(opts.pool);
  app.get(
    '/v1/cloudtrail/insights',
    {
      schema: {
        tags: ['cloudtrail'],
        summary: 'CloudTrail Insights events (Start and End, linked by shared_event_id), oldest first',
        querystring: Type.Object(
          {
            ...TimeRange,
            ...Paging,
            event_name: Type.Optional(Type.String({ maxLength: 128 })),
            insight_type: Type.Optional(
              Type.Union([Type.Literal('ApiCallRateInsight'), Type.Literal('ApiErrorRateInsight')]),
            ),
            state: Type.Optional(Type.Union([Type.Literal('Start'), Type.Literal('End')])),
            shared_event_id: Type.Optional(Type.String({ maxLength: 128 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(EventItem), 400: ErrorReply },
      },
    },
    async (req) => {
      const q = req.query;
      return insights.list({
        ...timeRange(q),
        eventName: q.event_name,
        insightType: q.insight_type,
        state: q.state,
        sharedEventId: q.shared_event_id,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  const digests = new DigestChecksQueries(opts.pool);
  app.get(
    '/v1/cloudtrail/digest-checks',
    {
      schema: {
        tags: ['cloudtrail'],
        summary:
          'Log file integrity: each verified digest (chain, signature) and each log file it lists (present, SHA-256)',
        querystring: Type.Object(
          {
            ...Paging,
            status: Type.Optional(
              Type.String({ maxLength: 64, description: 'e.g. ok, hash_mismatch, missing, chain_break' }),
            ),
            item: Type.Optional(Type.Union([Type.Literal('DIGEST'), Type.Literal('LOG_FILE')])),
            digest_key: Type.Optional(Type.String({ maxLength: 1024 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(EventItem), 400: ErrorReply },
      },
    },
    async (req) => {
      const q = req.query;
      return digests.list({
        status: q.status,
        item: q.item,
        digestKey: q.digest_key,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );
};
