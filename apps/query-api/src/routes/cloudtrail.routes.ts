import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CloudTrailEventsQueries, CloudTrailInsightsQueries, DigestChecksQueries, type Pool } from '@lake/pg';
import { ErrorReply, PageOf, Paging, TimeRange, timeRange } from './common';
import { ExportParam } from '../plugins/export.plugin';

const EventItem = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      "a CloudTrail record with CloudTrail's field names (eventTime, eventName, userIdentity, …; absent fields left out), " +
      'plus `lake`: sourceBucket, sourceKey, recordIndex, principal, isError, keyAccountId, keyRegion, eventDate, ingestedAt',
  },
);
const InsightItem = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      "a CloudTrail Insights record with CloudTrail's field names (eventTime, sharedEventID, insightDetails.state, " +
      'insightDetails.insightContext.statistics, …), plus `lake` as for events',
  },
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
            access_key: Type.Optional(
              Type.String({ maxLength: 128, description: 'userIdentity.accessKeyId, e.g. AKIA… or ASIA…' }),
            ),
            principal_arn: Type.Optional(Type.String({ maxLength: 2048, description: 'userIdentity.arn' })),
            user_name: Type.Optional(Type.String({ maxLength: 256, description: 'userIdentity.userName' })),
            read_only: Type.Optional(
              Type.Boolean({ description: 'readOnly: true (reads) or false (writes)' }),
            ),
            error: Type.Optional(
              Type.Boolean({
                description: 'true: failed calls only (errorCode or errorMessage); false: successes',
              }),
            ),
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
        accessKey: q.access_key,
        principalArn: q.principal_arn,
        userName: q.user_name,
        readOnly: q.read_only,
        isError: q.error,
        cursor: q.cursor,
      };
      const format = req.exportFormat(q.format);
      if (format) {
        return reply.sendExport(format, await queries.stream(filter), 'cloudtrail-events');
      }
      return queries.list({ ...filter, limit: q.limit });
    },
  );

  app.get(
    '/v1/cloudtrail/events/:eventId',
    {
      schema: {
        tags: ['cloudtrail'],
        summary: 'One CloudTrail event in full, by its eventID, as CloudTrail wrote it (plus `lake`)',
        params: Type.Object({ eventId: Type.String({ minLength: 1, maxLength: 128 }) }),
        querystring: Type.Object(
          {
            from: Type.Optional(
              Type.String({ format: 'date-time', description: 'optional: narrows the search to days' }),
            ),
            to: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: EventItem, 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (req, reply) => {
      const { from, to } = req.query;
      const event = await queries.byEventId(req.params.eventId, {
        ...(from ? { from: new Date(from) } : {}),
        ...(to ? { to: new Date(to) } : {}),
      });
      if (!event) {
        return reply.code(404).send({
          statusCode: 404,
          error: 'Not Found',
          message: `no CloudTrail event with eventID ${JSON.stringify(req.params.eventId)}`,
        });
      }
      return event;
    },
  );

  app.get(
    '/v1/cloudtrail/s3-objects',
    {
      schema: {
        tags: ['cloudtrail'],
        summary:
          'S3 data events by object (bucket and key from requestParameters): reads, writes, deletes, errors, principals, first and last seen; busiest first',
        querystring: Type.Object(
          {
            ...TimeRange,
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
            bucket: Type.Optional(Type.String({ maxLength: 255 })),
            key_prefix: Type.Optional(
              Type.String({ maxLength: 1024, description: 'object keys starting so' }),
            ),
            event_name: Type.Optional(
              Type.String({ maxLength: 128, description: 'e.g. GetObject, PutObject, DeleteObject' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                bucket: Type.String(),
                key: Type.String(),
                events: Type.Integer(),
                gets: Type.Integer({
                  description: 'GetObject, HeadObject, GetObjectAttributes, SelectObjectContent',
                }),
                puts: Type.Integer({
                  description: 'PutObject, CopyObject, multipart uploads, RestoreObject',
                }),
                deletes: Type.Integer(),
                errors: Type.Integer(),
                principals: Type.Integer({ description: 'distinct principals' }),
                event_names: Type.Array(Type.String()),
                first_seen: Type.Unsafe<Date>(Type.String({ format: 'date-time' })),
                last_seen: Type.Unsafe<Date>(Type.String({ format: 'date-time' })),
              }),
            ),
          }),
          400: ErrorReply,
        },
      },
    },
    async (req) => {
      const q = req.query;
      return queries.s3Objects({
        ...timeRange(q),
        bucket: q.bucket,
        keyPrefix: q.key_prefix,
        eventName: q.event_name,
        limit: q.limit,
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
        response: { 200: PageOf(InsightItem), 400: ErrorReply },
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
