import type pg from 'pg';
import { withTransaction } from './pool';
import { readRollupCoverage } from './rollup-source';
import { FLOW_ROLLUPS, rollupRelation, type RollupDef } from './rollups';

const DAY_MS = 86_400_000;

/**
 * Block sizes in days, largest first. A block of `n` days starts on a multiple of `n` days since the
 * epoch, so any range of whole days is covered by a few blocks plus single days at its ends (seven
 * days by at most 1 + 2 + 4 + 2 + 1 lists, usually three).
 */
export const BLOCK_DAYS = [8, 4, 2] as const;

/** The day rollups kept in rank order, which the top-K reads list by list (see migration 670). */
export const BLOCKED_ROLLUPS: readonly RollupDef[] = FLOW_ROLLUPS.filter(
  (def) => def.granularity === 'day' && def.rankedBy !== undefined,
);

/** The rollup whose flow count per day versions the day rollups (every flow counts in each). */
const DAY_COUNTS_FROM = FLOW_ROLLUPS.find((def) => def.table === 'flow_totals_hour')!;
/** The rollup whose day totals say which days have flows (and whether a block is fresh). */
export const DAY_COUNTS_TABLE = DAY_COUNTS_FROM.table;

export const blockTableOf = (def: RollupDef): string => def.table.replace(/_day$/, '_block');

/** One list of a ranked day rollup: one day of its day table, or one block of `days` days. */
export interface RankedList {
  table: string;
  bucket: Date;
  days: number;
}

type Db = pg.Pool | pg.ClientBase;

/**
 * Flow count of each day with flows in [from, to), by day start (ms), pending rows included. The
 * day rollups only ever grow (rows are added, counts summed; only retention removes whole days),
 * so a day whose count is unchanged has unchanged rollups: the counts are the version of a block's
 * days. Folding pending rows in changes no count, so it leaves blocks fresh.
 */
async function dayFlows(db: Db, from: number, to: number): Promise<Map<number, string>> {
  const { rows } = await db.query<{ day: Date; flows: string }>(
    `SELECT date_bin('1 day', bucket, TIMESTAMPTZ 'epoch') AS day, sum(flows)::text AS flows
       FROM ${rollupRelation(DAY_COUNTS_FROM)} r WHERE bucket >= $1 AND bucket < $2 GROUP BY 1`,
    [new Date(from), new Date(to)],
  );
  return new Map(rows.map((r) => [r.day.getTime(), r.flows]));
}

const countsOf = (counts: Map<number, string>, start: number, days: number): string[] =>
  Array.from({ length: days }, (_, i) => counts.get(start + i * DAY_MS) ?? '0');

const sameCounts = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((n, i) => n === b[i]);

/**
 * The lists a top-K over the whole days [from, to) of `def` reads: the largest fresh block that
 * starts at each point and fits, else that one day, leaving out days without a single flow (a
 * range of years over a few days of data reads those days). Run it in the snapshot the top-K then
 * reads (a REPEATABLE READ transaction), so a block judged fresh is fresh for the whole answer.
 * `countedFrom`: where DAY_COUNTS_TABLE's coverage starts (rollup_coverage; RollupSourcePicker
 * keeps it cached): days before it have no counts and are read anyway.
 */
export async function planRankedLists(
  db: Db,
  def: RollupDef,
  from: Date,
  to: Date,
  countedFrom: number,
): Promise<RankedList[]> {
  const [start, end] = [from.getTime(), to.getTime()];
  const { rows } = await db.query<{ days: number; bucket: Date; day_flows: string[] }>(
    `SELECT days, bucket, day_flows::text[] AS day_flows FROM rollup_blocks
      WHERE rollup = $1 AND bucket >= $2 AND bucket < $3`,
    [def.table, from, to],
  );
  const counts = await dayFlows(db, start, end);
  const fresh = new Set(
    rows
      .filter((b) => sameCounts(b.day_flows, countsOf(counts, b.bucket.getTime(), b.days)))
      .map((b) => `${b.days}:${b.bucket.getTime()}`),
  );
  const lists: RankedList[] = [];
  for (let t = start; t < end;) {
    const days =
      BLOCK_DAYS.find((n) => (t / DAY_MS) % n === 0 && t + n * DAY_MS <= end && fresh.has(`${n}:${t}`)) ?? 1;
    if (days > 1 || counts.has(t) || t < countedFrom) {
      lists.push({ table: days === 1 ? def.table : blockTableOf(def), bucket: new Date(t), days });
    }
    t += days * DAY_MS;
  }
  return lists;
}

export interface CompactOptions {
  now?: number;
  /** Only blocks whose last day ended this long ago are built (late records arrive for a while). */
  settleMs: number;
}

/**
 * Builds the blocks of every ranked day rollup that are missing or stale (a day's flow count
 * changed since), among those whose days have all ended `settleMs` ago and are still retained, and
 * deletes blocks older than the retention. Returns how many blocks were built.
 */
export async function compactRollupBlocks(pool: pg.Pool, options: CompactOptions): Promise<number> {
  const cutoff = Math.floor(((options.now ?? Date.now()) - options.settleMs) / DAY_MS) * DAY_MS;
  let built = 0;
  for (const def of BLOCKED_ROLLUPS) {
    const retained = await retainedFrom(pool, [def.table, DAY_COUNTS_FROM.table]);
    const block = blockTableOf(def);
    await pool.query(`DELETE FROM ${block} WHERE bucket < $1`, [new Date(retained)]);
    await pool.query('DELETE FROM rollup_blocks WHERE rollup = $1 AND bucket < $2', [
      def.table,
      new Date(retained),
    ]);
    const counts = await dayFlows(pool, retained, cutoff);
    const { rows } = await pool.query<{ days: number; bucket: Date; day_flows: string[] }>(
      'SELECT days, bucket, day_flows::text[] AS day_flows FROM rollup_blocks WHERE rollup = $1',
      [def.table],
    );
    const stored = new Map(rows.map((b) => [`${b.days}:${b.bucket.getTime()}`, b.day_flows]));
    for (const days of BLOCK_DAYS) {
      const starts = new Set(
        [...counts.keys()]
          .map((day) => Math.floor(day / (days * DAY_MS)) * days * DAY_MS)
          .filter((start) => start >= retained && start + days * DAY_MS <= cutoff),
      );
      for (const start of [...starts].sort((a, b) => a - b)) {
        const now = countsOf(counts, start, days);
        const was = stored.get(`${days}:${start}`);
        if (!was || !sameCounts(was, now)) {
          built += (await buildBlock(pool, def, days, start)) ? 1 : 0;
        }
      }
    }
  }
  return built;
}

/** The latest retention start of `tables` (rollup_coverage), or 0 when none has expired yet. */
async function retainedFrom(pool: pg.Pool, tables: readonly string[]): Promise<number> {
  const coverage = await readRollupCoverage(pool);
  return Math.max(0, ...tables.map((t) => coverage.get(t) ?? 0));
}

/**
 * Rebuilds one block from the day rollup, in one snapshot with the day counts it records. An
 * advisory lock leaves a block another sink replica is building to that replica (false).
 */
async function buildBlock(pool: pg.Pool, def: RollupDef, days: number, start: number): Promise<boolean> {
  const block = blockTableOf(def);
  const dims = Object.keys(def.dims).map((d) => `"${d}"`);
  const measures = Object.keys(def.measures).map((m) => `"${m}"`);
  return withTransaction(
    pool,
    async (client) => {
      const { rows } = await client.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.' || $1)) AS ok",
        [`${block}:${days}:${start}`],
      );
      if (!rows[0]?.ok) {
        return false;
      }
      const [from, to] = [new Date(start), new Date(start + days * DAY_MS)];
      const counts = countsOf(await dayFlows(client, start, to.getTime()), start, days);
      await client.query(`DELETE FROM ${block} WHERE days = $1 AND bucket = $2`, [days, from]);
      await client.query(
        `INSERT INTO ${block} (days, bucket, ${[...dims, ...measures].join(', ')})
         SELECT $1, $2, ${dims.join(', ')}, ${measures.map((m) => `sum(${m})`).join(', ')}
           FROM ${rollupRelation(def)} r WHERE bucket >= $2 AND bucket < $3 GROUP BY ${dims.join(', ')}`,
        [days, from, to],
      );
      await client.query(
        `INSERT INTO rollup_blocks (rollup, days, bucket, day_flows) VALUES ($1, $2, $3, $4::bigint[])
         ON CONFLICT (rollup, days, bucket) DO UPDATE SET day_flows = excluded.day_flows, built_at = now()`,
        [def.table, days, from, counts],
      );
      return true;
    },
    { isolation: 'REPEATABLE READ' },
  );
}
