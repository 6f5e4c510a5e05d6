import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CloudTrailEventsQueries, CloudTrailInsightsQueries, DigestChecksQueries, type Pool } from '@lake/pg';
import { ErrorReply, PageOf, Paging, TimeRange, timeRange } from './common';
import { ExportParam } from '../plugins/export.plugin';

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
            ...ExportParam,
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
    async (req, reply) => {
      const q = req.query;
      const filter = {
        ...timeRange(q),
        eventName: q.event_name,
        eventSource: q.event_source,
        principal: q.principal,
        sourceIp: q.source_ip,
        region: q.region,
        errorCode: q.error_code,
        cursor: q.cursor,
      };
      const format = req.exportFormat(q.format);
      if (format) {
        return reply.sendExport(format, await queries.stream(filter), 'cloudtrail-events');
      }
      return queries.list({ ...filter, limit: q.limit });
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
            ...ExportParam,
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
    async (req, reply) => {
      const q = req.query;
      const filter = {
        ...timeRange(q),
        eventName: q.event_name,
        insightType: q.insight_type,
        state: q.state,
        sharedEventId: q.shared_event_id,
        cursor: q.cursor,
      };
      const format = req.exportFormat(q.format);
      if (format) {
        return reply.sendExport(format, await insights.stream(filter), 'cloudtrail-insights');
      }
      return insights.list({ ...filter, limit: q.limit });
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
            ...ExportParam,
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
    async (req, reply) => {
      const q = req.query;
      const filter = { status: q.status, item: q.item, digestKey: q.digest_key, cursor: q.cursor };
      const format = req.exportFormat(q.format);
      if (format) {
        return reply.sendExport(format, await digests.stream(filter), 'digest-checks');
      }
      return digests.list({ ...filter, limit: q.limit });
    },
  );
};
