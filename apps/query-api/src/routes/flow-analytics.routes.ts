import { isIP } from 'node:net';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  FlowAnalyticsQueries,
  SPLITS,
  type FlowScope,
  type LabelKind,
  type Pool,
  type RankBy,
} from '@lake/pg';
import { protocolName, serviceName } from '@lake/vpc-flow';
import { BadRequestError } from '../plugins/errors.plugin';
import { ErrorReply, addressOrCidr } from './common';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const L = <T extends string>(value: T) => Type.Literal(value);
const LabelKind = (description: string) =>
  Type.Union([L('eni'), L('instance'), L('security_group'), L('name_tag')], { description });

const Source = Type.Union([L('auto'), L('raw'), L('minute'), L('hour'), L('day')], {
  description:
    'auto (default): the coarsest rollup that answers exactly, else raw rows; or force a granularity (when no rollup of it can answer exactly: 400)',
});

/** Filters every flow aggregate takes. */
export const FlowScopeQuery = {
  from: Type.Optional(
    Type.String({ format: 'date-time', description: 'start, inclusive; default: 24 hours before `to`' }),
  ),
  to: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'end, exclusive; default: the end of the current hour (so the default range is hour-aligned)',
    }),
  ),
  account_id: Type.Optional(Type.String({ maxLength: 32 })),
  region: Type.Optional(Type.String({ maxLength: 32 })),
  interface_id: Type.Optional(Type.String({ maxLength: 64 })),
  vpc_id: Type.Optional(Type.String({ maxLength: 64 })),
  src_cidr: Type.Optional(Type.String({ maxLength: 64, description: 'source IP or CIDR' })),
  dst_cidr: Type.Optional(Type.String({ maxLength: 64, description: 'destination IP or CIDR' })),
  cidr: Type.Optional(Type.String({ maxLength: 64, description: 'IP or CIDR on either side' })),
  protocol: Type.Optional(Type.Integer({ minimum: 0, maximum: 255, description: 'IANA protocol number' })),
  action: Type.Optional(Type.Union([L('ACCEPT'), L('REJECT')])),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'items (timeseries: series)' }),
  source: Type.Optional(Source),
  group_by: Type.Optional(
    LabelKind('replace addresses by this label of the posted EC2 context, and aggregate'),
  ),
  label: Type.Optional(LabelKind('add src_label / dst_label (peer_label) from the posted EC2 context')),
};

type ScopeQuery = Static<ReturnType<typeof Type.Object<typeof FlowScopeQuery>>>;

/** The range asked for; by default the 24 hours up to the end of the current hour (hour-aligned). */
export function timeRangeOf(q: { from?: string; to?: string }, now = Date.now()): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : new Date(Math.ceil(now / HOUR_MS) * HOUR_MS);
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DAY_MS);
  if (from.getTime() >= to.getTime()) {
    throw new BadRequestError('`from` must be before `to`');
  }
  return { from, to };
}

export function flowScope(q: ScopeQuery): FlowScope {
  const { from, to } = timeRangeOf(q);
  return {
    from,
    to,
    accountId: q.account_id,
    region: q.region,
    interfaceId: q.interface_id,
    vpcId: q.vpc_id,
    srcCidr: addressOrCidr('src_cidr', q.src_cidr),
    dstCidr: addressOrCidr('dst_cidr', q.dst_cidr),
    cidr: addressOrCidr('cidr', q.cidr),
    protocol: q.protocol,
    action: q.action,
    limit: q.limit,
    source: q.source,
    groupBy: q.group_by,
  };
}

const Num = Type.Number();
const Measures = { flows: Num, bytes: Num, packets: Num };
const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
const Labels = {
  src_label: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  dst_label: Type.Optional(Type.Union([Type.String(), Type.Null()])),
};
const answer = <I extends TSchema>(item: I) =>
  Type.Object({
    items: Type.Array(item),
    source: Type.String({
      description:
        'the table the answer was computed from (flow_*_block: multi-day blocks of the day rollup, with its days where no block fits)',
    }),
  });

const TalkerItem = Type.Object({
  srcaddr: Type.String(),
  dstaddr: Type.String(),
  dstport: NullableInt,
  dstport_service: Type.Union([Type.String(), Type.Null()]),
  ...Measures,
  ...Labels,
});
const PairItem = Type.Object({ srcaddr: Type.String(), dstaddr: Type.String(), ...Measures, ...Labels });
const ViewItem = Type.Object({
  srcaddr: Type.String(),
  dstaddr: Type.String(),
  dstport: NullableInt,
  protocol: NullableInt,
  protocol_name: Type.Union([Type.String(), Type.Null()]),
  action: Type.Union([Type.String(), Type.Null()]),
  ...Measures,
  ...Labels,
});
const IpVersionItem = Type.Object({ ip_version: Type.Integer(), ...Measures });
const SeriesItem = Type.Object({
  bucket: Type.String({ format: 'date-time' }),
  key: Type.Union([Type.String(), Type.Null()]),
  ...Measures,
});
const NeighbourItem = Type.Object({
  peer: Type.String(),
  direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')], {
    description: 'outbound: addr was the source',
  }),
  dstport: NullableInt,
  protocol: NullableInt,
  ...Measures,
  peer_label: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

const RANK: Record<'connections' | 'bytes' | 'packets', RankBy> = {
  connections: 'flows',
  bytes: 'bytes',
  packets: 'packets',
};
const RankParam = Type.Union([L('connections'), L('bytes'), L('packets')], {
  description: 'ranking: flow records (connections), bytes or packets',
});

const schema = <Q extends TSchema, I extends TSchema>(
  summary: string,
  description: string,
  querystring: Q,
  item: I,
) => ({
  tags: ['flows'],
  summary,
  description,
  querystring,
  response: { 200: answer(item), 400: ErrorReply },
});

/**
 * Aggregates over VPC flows (top talkers, pairs, canned views, IP versions, time series,
 * neighbours), answered from rollups when they are exact; `source` in every answer names the table.
 */
export const flowAnalyticsRoutes: FastifyPluginAsyncTypebox<{ pool: Pool }> = async (app, opts) => {
  const queries = new FlowAnalyticsQueries(opts.pool);

  /** Adds `*_label` fields for addresses the EC2 context knows. */
  async function withLabels<T extends object>(
    kind: LabelKind | undefined,
    items: T[],
    fields: readonly (keyof T & string)[],
  ): Promise<T[]> {
    const at = (i: T, f: keyof T & string) => String((i as Record<string, unknown>)[f]);
    if (!kind) {
      return items;
    }
    // With group_by, some "addresses" are labels already.
    const addrs = items.flatMap((i) => fields.map((f) => at(i, f))).filter((a) => isIP(a) !== 0);
    const labels = await queries.labels(kind, addrs);
    return items.map((i) => ({
      ...i,
      ...Object.fromEntries(
        fields.map((f) => [
          `${f === 'srcaddr' ? 'src' : f === 'dstaddr' ? 'dst' : f}_label`,
          labels.get(at(i, f)) ?? null,
        ]),
      ),
    }));
  }

  app.get(
    '/v1/flows/top-talkers',
    {
      schema: schema(
        'Top talkers: source, destination, destination port',
        'As the EMR top-talkers job: grouped by srcaddr, dstaddr, dstport and ranked by the number of flow records (by=connections), or by bytes or packets; well_known_only keeps dstport ≤ 1024.',
        Type.Object(
          {
            ...FlowScopeQuery,
            by: Type.Optional(RankParam),
            well_known_only: Type.Boolean({ default: false }),
          },
          { additionalProperties: false },
        ),
        TalkerItem,
      ),
    },
    async (req) => {
      const q = req.query;
      const r = await queries.topTalkers(flowScope(q), RANK[q.by ?? 'connections'], q.well_known_only);
      const items = r.items.map((i) => ({ ...i, dstport_service: serviceName(i.dstport) }));
      return { items: await withLabels(q.label, items, ['srcaddr', 'dstaddr']), source: r.source };
    },
  );

  app.get(
    '/v1/flows/top-pairs',
    {
      schema: schema(
        'Top source/destination pairs by bytes',
        'The Athena query: sum of bytes by srcaddr and dstaddr, largest first.',
        Type.Object(FlowScopeQuery, { additionalProperties: false }),
        PairItem,
      ),
    },
    async (req) => {
      const r = await queries.topPairs(flowScope(req.query));
      return { items: await withLabels(req.query.label, r.items, ['srcaddr', 'dstaddr']), source: r.source };
    },
  );

  app.get(
    '/v1/flows/views/:view',
    {
      schema: {
        ...schema(
          'Canned traffic views',
          'rejected (action REJECT), rejected-tcp (REJECT, protocol 6), ssh-rdp (TCP 22/3389), admin-ports (TCP/UDP to remote-administration and database ports: 21 22 23 135 139 445 1433 2375 2376 3306 3389 5432 5900 5985 5986 6379 6443 9200 10250 27017), accepted (ACCEPT); by srcaddr, dstaddr, dstport, protocol, action.',
          Type.Object({ ...FlowScopeQuery, by: Type.Optional(RankParam) }, { additionalProperties: false }),
          ViewItem,
        ),
        params: Type.Object({
          view: Type.Union([L('rejected'), L('rejected-tcp'), L('ssh-rdp'), L('admin-ports'), L('accepted')]),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const r = await queries.view(flowScope(q), req.params.view, RANK[q.by ?? 'connections']);
      const items = r.items.map((i) => ({ ...i, protocol_name: protocolName(i.protocol) }));
      return { items: await withLabels(q.label, items, ['srcaddr', 'dstaddr']), source: r.source };
    },
  );

  app.get(
    '/v1/flows/ip-versions',
    {
      schema: schema(
        'IPv4 versus IPv6 traffic',
        'Flows, bytes and packets by IP version of the addresses.',
        Type.Object(FlowScopeQuery, { additionalProperties: false }),
        IpVersionItem,
      ),
    },
    async (req) => queries.ipVersions(flowScope(req.query)),
  );

  app.get(
    '/v1/flows/timeseries',
    {
      schema: schema(
        'Traffic over time',
        'Bytes, packets and flows per minute or hour bucket, optionally split by one dimension (then only the `limit` keys with the most bytes). Buckets without traffic are absent.',
        Type.Object(
          {
            ...FlowScopeQuery,
            bucket: Type.Union([L('minute'), L('hour')], { description: 'bucket size' }),
            split: Type.Optional(
              Type.Union(
                SPLITS.map((split) => L(split)),
                { description: 'split the series by this dimension' },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        SeriesItem,
      ),
    },
    async (req) => {
      const q = req.query;
      const scope = flowScope(q);
      const points = (scope.to.getTime() - scope.from.getTime()) / (q.bucket === 'minute' ? 60_000 : HOUR_MS);
      if (points > 50_000) {
        throw new BadRequestError(`${Math.ceil(points)} ${q.bucket} buckets is too many (at most 50000)`);
      }
      const r = await queries.timeseries(scope, q.bucket, q.split ?? 'none');
      return { items: r.items.map((i) => ({ ...i, bucket: i.bucket.toISOString() })), source: r.source };
    },
  );

  app.get(
    '/v1/flows/neighbours',
    {
      schema: schema(
        "An address's neighbours",
        'Who talked with `addr` (IP or CIDR): peers, direction (outbound: addr was the source), destination port and protocol, by bytes.',
        Type.Object(
          { ...FlowScopeQuery, addr: Type.String({ maxLength: 64, description: 'IP or CIDR' }) },
          { additionalProperties: false },
        ),
        NeighbourItem,
      ),
    },
    async (req) => {
      const q = req.query;
      const r = await queries.neighbours(flowScope(q), addressOrCidr('addr', q.addr)!);
      return { items: await withLabels(q.label, r.items, ['peer']), source: r.source };
    },
  );
};
