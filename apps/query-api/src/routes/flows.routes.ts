import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { FlowRecordsQueries, type Pool } from '@lake/pg';
import { ErrorReply, PageOf, Paging, TimeRange, addressOrCidr, timeRange } from './common';
import { ExportParam } from '../plugins/export.plugin';

const FlowItem = Type.Object(
  {},
  { additionalProperties: true, description: 'a flow record (AWS field names with _)' },
);

const ROUTES = [
  {
    path: '/v1/flows',
    table: 'vpc_flow_records',
    name: 'flows',
    summary: 'VPC flow records in a time range, oldest first',
    only: {
      interface_id: Type.Optional(Type.String({ maxLength: 64 })),
      vpc_id: Type.Optional(Type.String({ maxLength: 64 })),
    },
  },
  {
    path: '/v1/tgw/flows',
    table: 'tgw_flow_records',
    name: 'tgw-flows',
    summary: 'Transit Gateway flow records in a time range, oldest first',
    only: {
      tgw_attachment_id: Type.Optional(Type.String({ maxLength: 64 })),
    },
  },
] as const;

/** A filter of one route's `only` set (validated as a string by that route's schema), if given. */
function only(q: object, name: string): string | undefined {
  const value = (q as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

export const flowsRoutes: FastifyPluginAsyncTypebox<{ pool: Pool }> = async (app, opts) => {
  for (const route of ROUTES) {
    const queries = new FlowRecordsQueries(opts.pool, route.table);
    app.get(
      route.path,
      {
        schema: {
          tags: ['flows'],
          summary: route.summary,
          querystring: Type.Object(
            {
              ...TimeRange,
              ...Paging,
              ...ExportParam,
              addr: Type.Optional(Type.String({ description: 'IP or CIDR on either side' })),
              srcaddr: Type.Optional(Type.String({ description: 'IP or CIDR' })),
              dstaddr: Type.Optional(Type.String({ description: 'IP or CIDR' })),
              srcport: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
              dstport: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
              protocol: Type.Optional(
                Type.Integer({ minimum: 0, maximum: 255, description: 'IANA protocol number' }),
              ),
              action: Type.Optional(Type.Union([Type.Literal('ACCEPT'), Type.Literal('REJECT')])),
              // Filters of one table only (e.g. interface_id is no TGW field): the other route refuses them.
              ...route.only,
              account_id: Type.Optional(Type.String({ maxLength: 32 })),
              region: Type.Optional(Type.String({ maxLength: 32 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: PageOf(FlowItem), 400: ErrorReply },
        },
      },
      async (req, reply) => {
        const q = req.query;
        const filter = {
          ...timeRange(q),
          addr: addressOrCidr('addr', q.addr),
          srcaddr: addressOrCidr('srcaddr', q.srcaddr),
          dstaddr: addressOrCidr('dstaddr', q.dstaddr),
          srcport: q.srcport,
          dstport: q.dstport,
          protocol: q.protocol,
          action: q.action,
          interfaceId: only(q, 'interface_id'),
          vpcId: only(q, 'vpc_id'),
          tgwAttachmentId: only(q, 'tgw_attachment_id'),
          accountId: q.account_id,
          region: q.region,
          cursor: q.cursor,
        };
        const format = req.exportFormat(q.format);
        if (format) {
          return reply.sendExport(format, await queries.stream(filter), route.name);
        }
        return queries.list({ ...filter, limit: q.limit });
      },
    );
  }
};
