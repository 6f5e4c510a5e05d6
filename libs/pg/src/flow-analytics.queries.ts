import type pg from 'pg';
import { withTransaction } from './pool';
import { Where } from './query-builder';
import { DAY_COUNTS_TABLE, blockTableOf, planRankedLists, type RankedList } from './rollup-blocks';
import { RollupSourcePicker, type SourceChoice } from './rollup-source';
import {
  FLOW_DIM_EXPR,
  FLOW_ROLLUPS,
  FLOW_ROW_FILTER,
  bucketExpr,
  pendingRelation,
  rollupRelation,
  type FlowDim,
  type Granularity,
  type RollupDef,
} from './rollups';

/** What an address can be replaced by or labelled with (from the stored EC2 context). */
export const LABEL_KINDS = ['eni', 'instance', 'security_group', 'name_tag'] as const;
export type LabelKind = (typeof LABEL_KINDS)[number];

/** Filters every flow aggregate takes. */
export interface FlowScope {
  from: Date;
  to: Date;
  accountId?: string;
  region?: string;
  interfaceId?: string;
  vpcId?: string;
  /** IP or CIDR: source side / destination side / either side. */
  srcCidr?: string;
  dstCidr?: string;
  cidr?: string;
  protocol?: number;
  action?: string;
  limit: number;
  source?: SourceChoice;
  /** Replace addresses by this label (unlabelled addresses stay as they are) and aggregate. */
  groupBy?: LabelKind;
}

export type RankBy = 'flows' | 'bytes' | 'packets';

export const FLOW_VIEWS = ['rejected', 'rejected-tcp', 'ssh-rdp', 'admin-ports', 'accepted'] as const;
export type FlowView = (typeof FLOW_VIEWS)[number];

/**
 * Remote-administration ports: SSH 22, Telnet 23, FTP 21, MS RPC 135, NetBIOS 139, SMB 445,
 * MSSQL 1433, MySQL 3306, RDP 3389, Postgres 5432, VNC 5900, WinRM 5985/5986, Redis 6379,
 * Kubernetes API 6443, Elasticsearch 9200, kubelet 10250, MongoDB 27017, Docker 2375/2376.
 */
export const ADMIN_PORTS = [
  21, 22, 23, 135, 139, 445, 1433, 2375, 2376, 3306, 3389, 5432, 5900, 5985, 5986, 6379, 6443, 9200, 10250,
  27017,
] as const;

const VIEW_WHERE: Record<FlowView, string> = {
  rejected: `r_action = 'REJECT'`,
  'rejected-tcp': `r_action = 'REJECT' AND r_protocol = 6`,
  'ssh-rdp': `r_protocol = 6 AND r_dstport IN (22, 3389)`,
  'admin-ports': `r_protocol IN (6, 17) AND r_dstport IN (${ADMIN_PORTS.join(', ')})`,
  accepted: `r_action = 'ACCEPT'`,
};

export const SPLITS = [
  'none',
  'action',
  'protocol',
  'dstport',
  'srcaddr',
  'dstaddr',
  'interface_id',
  'account_id',
  'region',
  'vpc_id',
  'ip_version',
] as const;
export type Split = (typeof SPLITS)[number];

export interface Measures {
  flows: number;
  bytes: number;
  packets: number;
}
export interface Answer<T> {
  items: T[];
  /** The table the answer was computed from. */
  source: string;
}

type Src = RollupDef | 'raw';

/** A question ranked by one measure over these key dimensions (a top-K). */
interface Ranking {
  key: readonly FlowDim[];
  by: RankBy;
}

/** The SQL pieces of one aggregate over one source. */
class Query {
  readonly w = new Where();
  readonly joins = new Map<string, string>();

  constructor(
    readonly src: Src,
    private readonly groupBy: LabelKind | undefined,
  ) {}

  get table(): string {
    return this.src === 'raw' ? 'vpc_flow_records' : this.src.table;
  }

  /** A rollup whose buckets can be read in rank order (answered by a threshold top-K). */
  get ranked(): boolean {
    return this.src !== 'raw' && this.src.rankedBy !== undefined;
  }

  get time(): string {
    return this.src === 'raw' ? 'r.event_time' : 'r.bucket';
  }

  /** A dimension: the rollup's column, else its expression over the columns (ip_version of srcaddr). */
  dim(d: FlowDim): string {
    return this.src !== 'raw' && d in this.src.dims
      ? `r.${d}`
      : `(${FLOW_DIM_EXPR[d].replace(/\b([a-z_]+)\b(?!\()/g, 'r.$1')})`;
  }

  /** An address column, or its label when grouping by labels. */
  addr(side: 'srcaddr' | 'dstaddr'): string {
    if (!this.groupBy) {
      return `r.${side}`;
    }
    const alias = `l_${side}`;
    this.joins.set(alias, `LEFT JOIN context_address_labels ${alias} ON ${alias}.address = r.${side}`);
    return `coalesce(${alias}.${this.groupBy}, host(r.${side}))`;
  }

  measures(): string {
    return this.src === 'raw'
      ? `count(*)::int8 AS flows, coalesce(sum(r.bytes), 0)::int8 AS bytes, coalesce(sum(r.packets), 0)::int8 AS packets`
      : `coalesce(sum(r.flows), 0)::int8 AS flows, coalesce(sum(r.bytes), 0)::int8 AS bytes, coalesce(sum(r.packets), 0)::int8 AS packets`;
  }

  /** `r_action`-style placeholders of static conditions, resolved for this source. */
  resolve(sql: string): string {
    return sql.replace(/\br_([a-z_]+)\b/g, (_, d: string) => this.dim(d as FlowDim));
  }

  /** The rows read: the raw table, or the rollup with its pending rows. */
  get relation(): string {
    return this.src === 'raw' ? this.table : rollupRelation(this.src);
  }

  from(): string {
    return `${this.relation} r ${[...this.joins.values()].join(' ')} ${this.w.sql()}`;
  }
}

/** Aggregates over flows, answered from the coarsest rollup that is exact, else raw partitions. */
export class FlowAnalyticsQueries {
  /**
   * Lists a ranked top-K reads in one statement at most (one subquery each); more (years of days
   * without blocks) are summed from the day rollup instead. Tests lower it.
   */
  static maxRankedLists = 500;

  private readonly picker: RollupSourcePicker;

  constructor(private readonly pool: pg.Pool) {
    this.picker = new RollupSourcePicker(pool);
  }

  /**
   * The rollups that hold the dimensions a question reads (`dims`) and its filters need. Rollups
   * kept in rank order serve only the top-K they are ranked for (same key, same measure).
   */
  private candidates(s: FlowScope, dims: readonly FlowDim[], ranking?: Ranking): RollupDef[] {
    const needs = new Set<FlowDim>(dims);
    const filters: [unknown, FlowDim[]][] = [
      [s.accountId, ['account_id']],
      [s.region, ['region']],
      [s.interfaceId, ['interface_id']],
      [s.vpcId, ['vpc_id']],
      [s.protocol, ['protocol']],
      [s.action, ['action']],
      [s.srcCidr, ['srcaddr']],
      [s.dstCidr, ['dstaddr']],
      [s.cidr, ['srcaddr', 'dstaddr']],
    ];
    for (const [value, ds] of filters) {
      if (value !== undefined) {
        ds.forEach((d) => needs.add(d));
      }
    }
    return FLOW_ROLLUPS.filter((def) => {
      const has = Object.keys(def.dims);
      const derived = (d: FlowDim) => d === 'ip_version' && has.includes('srcaddr');
      if (![...needs].every((d) => has.includes(d) || derived(d))) {
        return false;
      }
      if (!def.rankedBy) {
        return true;
      }
      return (
        ranking !== undefined &&
        !s.groupBy &&
        has.length === ranking.key.length &&
        ranking.key.every((d) => has.includes(d)) &&
        def.rankedBy.includes(ranking.by)
      );
    });
  }

  private async query(
    s: FlowScope,
    dims: readonly FlowDim[],
    finest: Granularity | null = null,
    ranking?: Ranking,
  ): Promise<Query> {
    const candidates = this.candidates(s, dims, ranking);
    const q = new Query(await this.picker.pick(candidates, s.from, s.to, finest, s.source), s.groupBy);
    // A ranked rollup is read bucket by bucket, each with `bucket = ` (see topK).
    if (!q.ranked) {
      q.w.add(`${q.time} >= ?`, s.from).add(`${q.time} < ?`, s.to);
    }
    q.w
      .add(`${q.dim('account_id')} = ?`, s.accountId)
      .add(`${q.dim('region')} = ?`, s.region)
      .add(`${q.dim('interface_id')} = ?`, s.interfaceId)
      .add(`${q.dim('vpc_id')} = ?`, s.vpcId)
      .add(`${q.dim('protocol')} = ?`, s.protocol)
      .add(`${q.dim('action')} = ?`, s.action)
      .add('r.srcaddr <<= ?::inet', s.srcCidr)
      .add('r.dstaddr <<= ?::inet', s.dstCidr);
    if (s.cidr) {
      q.w.addMany('(r.srcaddr <<= ?1::inet OR r.dstaddr <<= ?1::inet)', [s.cidr]);
    }
    if (q.src === 'raw') {
      q.w.addMany(FLOW_ROW_FILTER.replace(/\b(srcaddr|dstaddr)\b/g, 'r.$1'), []);
    }
    return q;
  }

  private async run<T>(q: Query, sql: string): Promise<Answer<T>> {
    const { rows } = await this.pool.query<T & pg.QueryResultRow>(sql, q.w.params);
    return { items: rows, source: q.table };
  }

  /** Source, destination, destination port, ranked (the EMR job ranks by flow records). */
  async topTalkers(
    s: FlowScope,
    by: RankBy,
    wellKnownOnly: boolean,
  ): Promise<Answer<{ srcaddr: string; dstaddr: string; dstport: number | null } & Measures>> {
    const key = ['srcaddr', 'dstaddr', 'dstport'] as const;
    const q = await this.query(s, key, null, { key, by });
    if (wellKnownOnly) {
      q.w.addMany(`${q.dim('dstport')} <= 1024`, []);
    }
    if (q.ranked) {
      return this.topK(q, s, key, by);
    }
    const sql =
      `SELECT ${q.addr('srcaddr')} AS srcaddr, ${q.addr('dstaddr')} AS dstaddr, ${q.dim('dstport')} AS dstport, ` +
      `${q.measures()} FROM ${q.from()} GROUP BY 1, 2, 3 ` +
      `ORDER BY ${by} DESC, 1, 2, 3 NULLS LAST LIMIT ${q.w.param(s.limit)}`;
    return this.run(q, sql);
  }

  /** Source/destination pairs by bytes (the Athena query). */
  async topPairs(s: FlowScope): Promise<Answer<{ srcaddr: string; dstaddr: string } & Measures>> {
    const key = ['srcaddr', 'dstaddr'] as const;
    const q = await this.query(s, key, null, { key, by: 'bytes' });
    if (q.ranked) {
      return this.topK(q, s, key, 'bytes');
    }
    const sql =
      `SELECT ${q.addr('srcaddr')} AS srcaddr, ${q.addr('dstaddr')} AS dstaddr, ${q.measures()} ` +
      `FROM ${q.from()} GROUP BY 1, 2 ORDER BY bytes DESC, 1, 2 LIMIT ${q.w.param(s.limit)}`;
    return this.run(q, sql);
  }

  /** Canned views (rejected, rejected TCP, SSH/RDP, admin ports, accepted), by flows. */
  async view(
    s: FlowScope,
    view: FlowView,
    by: RankBy = 'flows',
  ): Promise<
    Answer<
      {
        srcaddr: string;
        dstaddr: string;
        dstport: number | null;
        protocol: number | null;
        action: string;
      } & Measures
    >
  > {
    const q = await this.query(s, ['srcaddr', 'dstaddr', 'dstport', 'protocol', 'action']);
    q.w.addMany(q.resolve(VIEW_WHERE[view]), []);
    const sql =
      `SELECT ${q.addr('srcaddr')} AS srcaddr, ${q.addr('dstaddr')} AS dstaddr, ${q.dim('dstport')} AS dstport, ` +
      `${q.dim('protocol')} AS protocol, ${q.dim('action')} AS action, ${q.measures()} FROM ${q.from()} ` +
      `GROUP BY 1, 2, 3, 4, 5 ORDER BY ${by} DESC, 1, 2, 3, 4, 5 LIMIT ${q.w.param(s.limit)}`;
    return this.run(q, sql);
  }

  async ipVersions(s: FlowScope): Promise<Answer<{ ip_version: number } & Measures>> {
    const q = await this.query(s, ['ip_version']);
    const sql = `SELECT ${q.dim('ip_version')} AS ip_version, ${q.measures()} FROM ${q.from()} GROUP BY 1 ORDER BY 1`;
    return this.run(q, sql);
  }

  /**
   * Bytes, packets and flows per time bucket, optionally split by one dimension; with a split,
   * only the `limit` keys with the most bytes over the whole range.
   */
  async timeseries(
    s: FlowScope,
    bucket: Granularity,
    split: Split,
  ): Promise<Answer<{ bucket: Date; key: string | null } & Measures>> {
    const q = await this.query(s, split === 'none' ? [] : [split], bucket);
    const key =
      split === 'none'
        ? 'NULL::text'
        : split === 'srcaddr' || split === 'dstaddr'
          ? s.groupBy
            ? q.addr(split)
            : `host(r.${split})`
          : `${q.dim(split)}::text`;
    const sql =
      `WITH agg AS (SELECT ${bucketExpr(bucket, q.time)} AS bucket, ${key} AS key, ${q.measures()} ` +
      `FROM ${q.from()} GROUP BY 1, 2), ` +
      `top AS (SELECT key FROM agg GROUP BY key ORDER BY sum(bytes) DESC, key LIMIT ${q.w.param(s.limit)}) ` +
      `SELECT agg.* FROM agg JOIN top ON agg.key IS NOT DISTINCT FROM top.key ORDER BY bucket, bytes DESC, key`;
    return this.run(q, sql);
  }

  /** Who talked with `addr` (IP or CIDR): peers, direction, port, protocol, by bytes. */
  async neighbours(
    s: FlowScope,
    addr: string,
  ): Promise<
    Answer<
      {
        peer: string;
        direction: 'inbound' | 'outbound';
        dstport: number | null;
        protocol: number | null;
      } & Measures
    >
  > {
    const q = await this.query(s, ['srcaddr', 'dstaddr', 'dstport', 'protocol']);
    const a = q.w.param(addr);
    q.w.addMany(`(r.srcaddr <<= ${a}::inet OR r.dstaddr <<= ${a}::inet)`, []);
    const outbound = `r.srcaddr <<= ${a}::inet`;
    const peer = s.groupBy
      ? `CASE WHEN ${outbound} THEN ${q.addr('dstaddr')} ELSE ${q.addr('srcaddr')} END`
      : `host(CASE WHEN ${outbound} THEN r.dstaddr ELSE r.srcaddr END)`;
    const sql =
      `SELECT ${peer} AS peer, CASE WHEN ${outbound} THEN 'outbound' ELSE 'inbound' END AS direction, ` +
      `${q.dim('dstport')} AS dstport, ${q.dim('protocol')} AS protocol, ${q.measures()} FROM ${q.from()} ` +
      `GROUP BY 1, 2, 3, 4 ORDER BY bytes DESC, 1, 2, 3, 4 LIMIT ${q.w.param(s.limit)}`;
    return this.run(q, sql);
  }

  /**
   * Exact top-K over the day buckets of a rollup kept in rank order (Fagin's threshold algorithm,
   * with the pruning of his NRA variant). The lists are the days of the range, or multi-day blocks
   * of them where fresh ones exist (rollup-blocks.ts): fewer, longer lists make the bound below
   * tighter, far sooner. It reads the first `depth` keys of each list in descending `by`; a key's
   * total is at least the sum of the values seen (lo) and at most lo plus the thresholds (the
   * depth-th values) of the lists where it was not seen (hi). Only keys whose hi reaches the K-th
   * largest lo can be in the top K: their exact totals are looked up. It stops once the K-th exact
   * total exceeds the sum of all thresholds (no key unseen so far can reach it) or every list is
   * exhausted; else it reads twice as deep. All in one snapshot, blocks judged fresh included.
   */
  private async topK<T extends Measures>(
    q: Query,
    s: FlowScope,
    key: readonly FlowDim[],
    by: RankBy,
  ): Promise<Answer<T>> {
    const def = q.src as RollupDef;
    const countedFrom = await this.picker.retainedFrom(DAY_COUNTS_TABLE);
    return withTransaction(
      this.pool,
      async (client) => {
        const lists = await planRankedLists(client, def, s.from, s.to, countedFrom);
        if (lists.length === 0) {
          return { items: [], source: def.table };
        }
        if (lists.length > FlowAnalyticsQueries.maxRankedLists) {
          // One subquery per list would make a statement too deep for Postgres' parser: sum the
          // day rollup over the range instead (exact too, and still far smaller than raw rows).
          const range = `r.bucket >= ${q.w.param(s.from)} AND r.bucket < ${q.w.param(s.to)}`;
          const filters = q.w.sql().replace(/^WHERE /, '');
          const keyColumns = key.map((_, i) => String(i + 1)).join(', ');
          const { rows } = await client.query<T & pg.QueryResultRow>(
            `SELECT ${key.map((k) => `r.${k}`).join(', ')}, ${q.measures()} FROM ${rollupRelation(def)} r ` +
              `WHERE ${range}${filters ? ` AND ${filters}` : ''} GROUP BY ${keyColumns} ` +
              `ORDER BY ${by} DESC, ${keyColumns} NULLS LAST LIMIT ${q.w.param(s.limit)}`,
            q.w.params,
          );
          return { items: rows, source: def.table };
        }
        const { sql, depthAt } = this.topKSql(q, s, key, by, lists);
        const params = [...q.w.params];
        for (let d = Math.max(4 * s.limit, 200) * lists.length; ; d *= 2) {
          params[depthAt] = d;
          const { rows } = await client.query<{ bound: string; exhausted: boolean; items: T[] }>(sql, params);
          const { bound, exhausted, items } = rows[0]!;
          const kth = items[s.limit - 1];
          if (exhausted || (kth !== undefined && Number(kth[by]) > Number(bound))) {
            const blocks = lists.some((l) => l.days > 1);
            return { items, source: blocks ? blockTableOf(def) : def.table };
          }
        }
      },
      { isolation: 'REPEATABLE READ', readOnly: true },
    );
  }

  /** The statement of one round of `topK`, and where its depth parameter is. */
  private topKSql(
    q: Query,
    s: FlowScope,
    key: readonly FlowDim[],
    by: RankBy,
    lists: readonly RankedList[],
  ): { sql: string; depthAt: number } {
    const depth = q.w.param(0);
    const depthAt = q.w.params.length - 1;
    const limit = q.w.param(s.limit);
    // Equality on the list's bucket (and block size): an ordered scan of one rank-order index.
    const filters = q.w.sql().replace(/^WHERE /, '');
    const listOf = (l: RankedList) =>
      `${l.table} r WHERE ${l.days > 1 ? `r.days = ${q.w.param(l.days)} AND ` : ''}r.bucket = ${q.w.param(l.bucket)}`;
    // Rows not folded into the day rollup yet: aggregated per key over the range's single days
    // (a fresh block already holds its days' pending rows), read as one more list, and added to
    // each key's exact total by a hash join.
    const days = lists.filter((l) => l.days === 1).map((l) => l.bucket);
    const daysParam = days.length > 0 ? q.w.param(days) : null;
    const pending = pendingRelation(q.src as RollupDef);
    const cols = key.join(', ');
    const pend =
      pending && daysParam
        ? `pend AS MATERIALIZED (SELECT ${key.map((k) => `r.${k}`).join(', ')}, sum(r.flows) AS flows, ` +
          `sum(r.bytes) AS bytes, sum(r.packets) AS packets FROM ${pending} r ` +
          `WHERE r.bucket = ANY(${daysParam}::timestamptz[])${filters ? ` AND ${filters}` : ''} GROUP BY ${cols}), `
        : '';
    const heads = [
      ...lists.map(
        (l, i) =>
          `(SELECT ${key.map((k) => `r.${k}`).join(', ')}, r.${by} AS v, ${i} AS b FROM ${listOf(l)}` +
          `${filters ? ` AND ${filters}` : ''} ORDER BY r.${by} DESC LIMIT ${depth})`,
      ),
      ...(pend
        ? [`(SELECT ${cols}, ${by} AS v, ${lists.length} AS b FROM pend ORDER BY ${by} DESC LIMIT ${depth})`]
        : []),
    ];
    const match = key
      .map((k) => (k === 'dstport' ? `r.${k} IS NOT DISTINCT FROM c.${k}` : `r.${k} = c.${k}`))
      .join(' AND ');
    // A key's exact total: one index probe per list.
    const parts = [
      ...(daysParam ? [`${q.table} r WHERE r.bucket = ANY(${daysParam}::timestamptz[])`] : []),
      ...lists.filter((l) => l.days > 1).map(listOf),
    ].map((from) => `SELECT r.flows, r.bytes, r.packets FROM ${from} AND ${match}`);
    const order = `${by} DESC, ${key.join(', ')} NULLS LAST`;
    // Look-ups cost a descent per list: only once few keys are still promising (or all is read).
    const cap = Math.max(8 * s.limit, 400);
    const sums = (m: string) => `(coalesce(t.${m}, 0)${pend ? ` + coalesce(p.${m}, 0)` : ''})::int8 AS ${m}`;
    // A hash join needs equality: a missing dstport as -1, which no port is (decoders keep 0–65535).
    const pendJoin = pend
      ? ` LEFT JOIN pend p ON ${key.map((k) => (k === 'dstport' ? `coalesce(p.${k}, -1) = coalesce(c.${k}, -1)` : `p.${k} = c.${k}`)).join(' AND ')}`
      : '';
    const sql =
      `WITH ${pend}lists AS (${heads.join(' UNION ALL ')}), ` +
      `th AS (SELECT b, count(*) < ${depth} AS done, CASE WHEN count(*) < ${depth} THEN 0 ELSE min(v) END AS t ` +
      `FROM lists GROUP BY b), ` +
      `bound AS (SELECT coalesce(sum(t), 0) AS bound, coalesce(bool_and(done), true) AS exhausted FROM th), ` +
      `cand AS (SELECT ${cols}, sum(l.v) AS lo, sum(th.t) AS tseen FROM lists l JOIN th USING (b) GROUP BY ${cols}), ` +
      `kth AS (SELECT lo FROM cand ORDER BY lo DESC OFFSET ${limit} - 1 LIMIT 1), ` +
      `prom AS (SELECT ${cols} FROM cand, bound WHERE lo + bound.bound - tseen >= coalesce((SELECT lo FROM kth), 0)), ` +
      `np AS (SELECT count(*) AS n FROM prom), ` +
      `top AS (SELECT ${key.map((k) => `c.${k}`).join(', ')}, ${sums('flows')}, ${sums('bytes')}, ${sums('packets')} ` +
      `FROM prom c CROSS JOIN LATERAL (SELECT ` +
      `sum(x.flows)::int8 AS flows, sum(x.bytes)::int8 AS bytes, sum(x.packets)::int8 AS packets ` +
      `FROM (${parts.length > 0 ? parts.join(' UNION ALL ') : 'SELECT 0::int8 AS flows, 0::int8 AS bytes, 0::int8 AS packets WHERE false'}) x) t${pendJoin} ` +
      `WHERE (SELECT n FROM np) <= ${cap} OR (SELECT exhausted FROM bound) ORDER BY ${order} LIMIT ${limit}) ` +
      `SELECT bound.bound::text AS bound, bound.exhausted, ` +
      `(SELECT coalesce(json_agg(top ORDER BY ${order.replace(/\b(flows|bytes|packets|srcaddr|dstaddr|dstport)\b/g, 'top.$1')}), '[]') FROM top) AS items ` +
      `FROM bound`;
    return { sql, depthAt };
  }

  /** Labels of `addresses` (those the context knows), for adding `*_label` fields to items. */
  async labels(kind: LabelKind, addresses: readonly string[]): Promise<Map<string, string>> {
    if (addresses.length === 0) {
      return new Map();
    }
    const { rows } = await this.pool.query<{ address: string; label: string }>(
      `SELECT host(address) AS address, ${kind} AS label FROM context_address_labels
        WHERE address = ANY($1::inet[]) AND ${kind} IS NOT NULL`,
      [[...new Set(addresses)]],
    );
    return new Map(rows.map((r) => [r.address, r.label]));
  }
}
