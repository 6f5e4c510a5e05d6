import type pg from 'pg';
import { withTransaction } from './pool';
import type { AfterInsert, InsertedRecord } from './bulk-insert';
import { dayOf, type PartitionManager } from './partitions';
import {
  CLOUDTRAIL_ROLLUPS,
  CLOUDTRAIL_ROLLUP_INPUT,
  FLOW_ROLLUPS,
  FLOW_ROLLUP_INPUT,
  FLOW_ROLLUP_PENDING,
  rollupFoldSql,
  rollupUpsertSql,
  type RollupTable,
} from './rollups';

const DAY_MS = 86_400_000;

/**
 * Write side of the flow rollups: of each row a batch actually inserts into vpc_flow_records, the
 * columns the rollups read are recorded in flow_rollup_pending by the same transaction (by COPY on
 * the common path, from INSERT … RETURNING when rows were replayed; a table without indexes), so
 * raw rows and rollups commit together, exactly once. The sink's maintenance folds them into the
 * rollups (foldPendingRollups); readers read both meanwhile.
 */
export const FLOW_ROLLUP_RECORD: InsertedRecord = { table: FLOW_ROLLUP_PENDING, columns: FLOW_ROLLUP_INPUT };

/**
 * Likewise for cloudtrail_events, upserted straight into the rollups: CloudTrail's volume is a small
 * fraction of flow logs', and its rollups repeat keys far more (event names, principals).
 */
export function cloudTrailRollupsAfterInsert(): AfterInsert {
  return {
    returning: CLOUDTRAIL_ROLLUP_INPUT,
    statements: (from) => CLOUDTRAIL_ROLLUPS.map((def) => rollupUpsertSql(def, from)),
  };
}

/**
 * Records that `rollup` holds nothing before `retainedFrom` (after retention dropped its older
 * partitions), so that the API answers older ranges from the raw tables instead.
 */
export async function recordRollupCoverage(
  pool: pg.Pool,
  rollup: RollupTable,
  retainedFrom: Date,
): Promise<void> {
  await pool.query(
    `INSERT INTO rollup_coverage (rollup, retained_from) VALUES ($1, $2)
     ON CONFLICT (rollup) DO UPDATE SET retained_from = greatest(rollup_coverage.retained_from, excluded.retained_from)`,
    [rollup, retainedFrom],
  );
}

/**
 * Partitions of the CloudTrail rollups a batch of CloudTrail days writes to (the sink upserts them
 * in its transaction). The flow rollups' partitions are the fold's to ensure (foldPendingRollups):
 * the sink only appends pending rows.
 */
export async function ensureCloudTrailRollupPartitions(
  partitions: PartitionManager,
  eventDays: ReadonlySet<string>,
): Promise<void> {
  if (eventDays.size > 0) {
    await partitions.ensure('cloudtrail_rollup_minute', eventDays);
    await partitions.ensure('cloudtrail_rollup_hour', eventDays);
  }
}

/** The flow rollups fed by flow_rollup_pending. */
const FOLDED_ROLLUPS = FLOW_ROLLUPS.filter((def) => def.pending === FLOW_ROLLUP_PENDING);

/** What one fold did: pending rows folded, and the days whose fold failed (their rows stay pending). */
export interface FoldResult {
  folded: number;
  failed: { day: string; error: unknown }[];
}

/**
 * Folds the pending flow rows into every flow rollup (rollupFoldSql), one UTC day per transaction,
 * so that a day Postgres refuses (its error is returned, its rows stay pending and readers still
 * count them) does not hold the others back. The day partitions are ensured first, outside the
 * transaction (retention may have dropped one since the sink wrote the rows; it drops it again
 * next time). A transaction-level advisory lock per schema leaves a day to the sink replica
 * already folding it.
 */
export async function foldPendingRollups(pool: pg.Pool, partitions: PartitionManager): Promise<FoldResult> {
  const { rows } = await pool.query<{ day: number }>(
    `SELECT DISTINCT floor(extract(epoch FROM event_time) / 86400)::int AS day FROM ${FLOW_ROLLUP_PENDING}`,
  );
  const result: FoldResult = { folded: 0, failed: [] };
  for (const day of rows.map((r) => dayOf(r.day * DAY_MS)).sort()) {
    try {
      for (const def of FOLDED_ROLLUPS) {
        await partitions.ensure(def.table as RollupTable, [day]);
      }
      result.folded += await withTransaction(pool, async (client) => {
        const lock = await client.query<{ ok: boolean }>(
          "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.fold.' || $1)) AS ok",
          [day],
        );
        if (!lock.rows[0]?.ok) {
          return 0;
        }
        const res = await client.query<{ moved: string }>(
          rollupFoldSql(FOLDED_ROLLUPS, FLOW_ROLLUP_PENDING, 'event_time >= $1 AND event_time < $2'),
          [`${day}T00:00:00Z`, new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS)],
        );
        return Number(res.rows[0]?.moved ?? 0);
      });
    } catch (error) {
      // A partition another replica's retention dropped is still in this one's cache.
      partitions.forget(day);
      result.failed.push({ day, error });
    }
  }
  return result;
}

/** Flow rows waiting to be folded, counted up to `cap` (a backlog is a number to alert on, not to scan). */
export async function pendingFlowRows(pool: pg.Pool, cap = 1_000_000): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${FLOW_ROLLUP_PENDING} LIMIT $1) p`,
    [cap],
  );
  return rows[0]!.n;
}
