/**
 * Rollup tables: their dimensions and measures, each with the SQL expression that computes it
 * from a raw row. The same definitions write the rollups (sink) and read them (API), so the
 * rollup path and the raw path of a query use the very same expressions.
 */
export type Granularity = 'minute' | 'hour' | 'day';

export const GRANULARITY_MS: Record<Granularity, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

export interface RollupDef {
  table: string;
  granularity: Granularity;
  /** Rollup column → expression over a raw row. */
  dims: Readonly<Record<string, string>>;
  /** Rollup column → aggregate over raw rows (also how a raw query computes it). */
  measures: Readonly<Record<string, string>>;
  /** Raw rows that count (a condition over a raw row). */
  where?: string;
  /**
   * Measures each bucket can be read in descending order of (an index on (bucket, measure DESC)):
   * an exact top-K over several buckets then reads only the heads of those lists.
   */
  rankedBy?: readonly string[];
  /**
   * The table of raw rows not yet in this rollup (migration 671): the sink records each inserted
   * row's input columns there, its maintenance folds them in (`rollupFoldSql`), and readers read
   * both (`rollupRelation`). Without one, the sink upserts the rollup itself.
   */
  pending?: string;
}

/** Flow rows not yet folded into the flow rollups (their FLOW_ROLLUP_INPUT columns). */
export const FLOW_ROLLUP_PENDING = 'flow_rollup_pending';

const FLOW_DIMS = {
  srcaddr: 'srcaddr',
  dstaddr: 'dstaddr',
  dstport: 'dstport',
  protocol: 'protocol',
  action: 'action',
  interface_id: 'interface_id',
  account_id: 'account_id',
  region: 'coalesce(region, key_region)',
  vpc_id: 'vpc_id',
  ip_version: 'family(srcaddr)',
} as const;
export type FlowDim = keyof typeof FLOW_DIMS;

const FLOW_MEASURES = {
  flows: 'count(*)',
  bytes: 'coalesce(sum(bytes), 0)',
  packets: 'coalesce(sum(packets), 0)',
} as const;

/** NODATA / SKIPDATA records carry no addresses: they are not flows. */
export const FLOW_ROW_FILTER = 'srcaddr IS NOT NULL AND dstaddr IS NOT NULL';

export const FLOW_DIM_EXPR: Readonly<Record<FlowDim, string>> = FLOW_DIMS;

const CLOUDTRAIL_DIMS = {
  event_source: 'event_source',
  event_name: 'event_name',
  principal: 'principal',
  source_ip: 'source_ip_address',
  error_code: 'error_code',
  region: 'aws_region',
} as const;
export type CloudTrailDim = keyof typeof CLOUDTRAIL_DIMS;
export const CLOUDTRAIL_DIM_EXPR: Readonly<Record<CloudTrailDim, string>> = CLOUDTRAIL_DIMS;

const CLOUDTRAIL_MEASURES = {
  events: 'count(*)',
  errors: 'count(*) FILTER (WHERE is_error)',
} as const;

const flowRollup = (
  table: string,
  granularity: Granularity,
  dims: readonly FlowDim[],
  rankedBy?: readonly (keyof typeof FLOW_MEASURES)[],
): RollupDef => ({
  table,
  granularity,
  dims: Object.fromEntries(dims.map((d) => [d, FLOW_DIMS[d]])),
  measures: FLOW_MEASURES,
  where: FLOW_ROW_FILTER,
  pending: FLOW_ROLLUP_PENDING,
  ...(rankedBy ? { rankedBy } : {}),
});

const TOTALS_DIMS = ['action', 'protocol', 'account_id', 'region', 'vpc_id', 'ip_version'] as const;

/**
 * The flow rollups, narrowest first within a granularity: totals without addresses (time series),
 * the talkers and pairs of each day in rank order (top-K), and the wide hour rollup for every
 * other filter or grouping.
 */
export const FLOW_ROLLUPS: readonly RollupDef[] = [
  flowRollup('flow_totals_minute', 'minute', TOTALS_DIMS),
  flowRollup('flow_totals_hour', 'hour', TOTALS_DIMS),
  flowRollup('flow_rollup_hour', 'hour', [
    'srcaddr',
    'dstaddr',
    'dstport',
    'protocol',
    'action',
    'interface_id',
    'account_id',
    'region',
    'vpc_id',
  ]),
  flowRollup('flow_talkers_day', 'day', ['srcaddr', 'dstaddr', 'dstport'], ['flows', 'bytes']),
  flowRollup('flow_pairs_day', 'day', ['srcaddr', 'dstaddr'], ['bytes']),
];

export const CLOUDTRAIL_ROLLUPS: readonly RollupDef[] = (['minute', 'hour'] as const).map((g) => ({
  table: `cloudtrail_rollup_${g}`,
  granularity: g,
  dims: CLOUDTRAIL_DIMS,
  measures: CLOUDTRAIL_MEASURES,
}));

export const ROLLUP_TABLES = [
  'flow_totals_minute',
  'flow_totals_hour',
  'flow_rollup_hour',
  'flow_talkers_day',
  'flow_pairs_day',
  'cloudtrail_rollup_minute',
  'cloudtrail_rollup_hour',
] as const;
export type RollupTable = (typeof ROLLUP_TABLES)[number];

/** The bucket size of each rollup table (retention is configured per granularity). */
export const ROLLUP_GRANULARITY = Object.fromEntries(
  [...FLOW_ROLLUPS, ...CLOUDTRAIL_ROLLUPS].map((def) => [def.table, def.granularity]),
) as Readonly<Record<RollupTable, Granularity>>;

/** `date_bin` is time-zone independent, unlike date_trunc on timestamptz. */
export const bucketExpr = (g: Granularity, column = 'event_time'): string =>
  `date_bin('1 ${g}', ${column}, TIMESTAMPTZ 'epoch')`;

/**
 * The pending rows of rollup `def` (see `pending`) aggregated into rows of the rollup's shape, or
 * null for a rollup without pending rows.
 */
export function pendingRelation(def: RollupDef): string | null {
  if (!def.pending) {
    return null;
  }
  const q = rollupSql(def);
  return `(SELECT ${q.select} FROM ${def.pending}${q.where} GROUP BY ${q.groupBy})`;
}

/**
 * What a reader reads as rollup `def`: the rollup and its pending rows aggregated the same way (a
 * key may then have two rows: readers sum the measures anyway).
 */
export function rollupRelation(def: RollupDef): string {
  const pending = pendingRelation(def);
  return pending
    ? `(SELECT ${rollupSql(def).cols} FROM ${def.table} UNION ALL SELECT * FROM ${pending} p)`
    : def.table;
}

/** The parts of statements writing or reading rows of rollup `def` aggregated from raw rows. */
function rollupSql(def: RollupDef) {
  const dims = Object.keys(def.dims);
  const measures = Object.keys(def.measures);
  const names = ['bucket', ...dims, ...measures];
  const exprs = [
    bucketExpr(def.granularity),
    ...dims.map((d) => def.dims[d]!),
    ...measures.map((m) => def.measures[m]!),
  ];
  return {
    cols: names.map((c) => `"${c}"`).join(', '),
    /** The rollup's columns computed from raw rows, named as the rollup names them. */
    select: exprs.map((e, i) => `${e} AS "${names[i]}"`).join(', '),
    groupBy: ['bucket', ...dims].map((_, i) => String(i + 1)).join(', '),
    target: ['bucket', ...dims].map((c) => `"${c}"`).join(', '),
    set: measures.map((m) => `"${m}" = r."${m}" + excluded."${m}"`).join(', '),
    where: def.where ? ` WHERE ${def.where}` : '',
  };
}

/**
 * One data-modifying statement adding the raw rows of relation `from` to a rollup: aggregated
 * once, then merged into existing buckets by ON CONFLICT … DO UPDATE (so each group is one index
 * probe), in key order: writers that share buckets (CloudTrail batches in concurrent transactions)
 * lock them in the same order, so they wait for each other instead of deadlocking, and the index
 * is walked in order.
 */
export function rollupUpsertSql(def: RollupDef, from: string): string {
  const q = rollupSql(def);
  return (
    `INSERT INTO ${def.table} AS r (${q.cols}) SELECT ${q.select} FROM ${from}${q.where}` +
    ` GROUP BY ${q.groupBy} ORDER BY ${q.groupBy} ON CONFLICT (${q.target}) DO UPDATE SET ${q.set}`
  );
}

/**
 * Folds the rows of table `pending` this statement sees (those of `where`, a condition over them)
 * into the rollups `defs`, in one statement: the rows deleted are exactly the rows added
 * (aggregated and upserted in key order by one data-modifying CTE per rollup, each run to
 * completion), so a reader of `rollupRelation` sees each row either pending or in the rollups,
 * never both. Rows the sink adds meanwhile wait for the next fold. Returns `moved`, the rows folded.
 */
export function rollupFoldSql(defs: readonly RollupDef[], pending: string, where: string): string {
  const upserts = defs.map((def, i) => `u${i} AS (${rollupUpsertSql(def, 'moved')})`);
  return (
    `WITH moved AS (DELETE FROM ${pending} WHERE ${where} RETURNING *), ${upserts.join(', ')} ` +
    `SELECT count(*) AS moved FROM moved`
  );
}

/** Raw columns the flow rollups read (what the sink records of each row in their pending table). */
export const FLOW_ROLLUP_INPUT = [
  'event_time',
  ...Object.keys(FLOW_DIMS).filter((d) => d !== 'region' && d !== 'ip_version'),
  'region',
  'key_region',
  'bytes',
  'packets',
] as const;

/** Raw columns the CloudTrail rollups read. */
export const CLOUDTRAIL_ROLLUP_INPUT = [
  'event_time',
  'event_source',
  'event_name',
  'principal',
  'source_ip_address',
  'error_code',
  'aws_region',
  'is_error',
] as const;
