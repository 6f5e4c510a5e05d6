import type pg from 'pg';
import { withTransaction } from './pool';
import type { AfterInsert, InsertedRecord } from './bulk-insert';
import type { PartitionManager } from './partitions';
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

/**
 * Write side of the flow rollups: of each row the raw INSERT of vpc_flow_records actually inserted,
 * the columns the rollups read are recorded in flow_rollup_pending by the same transaction (a COPY
 * into a table without indexes), so raw rows and rollups commit together, exactly once. The sink's
 * maintenance folds them into the rollups (foldPendingRollups); readers read both meanwhile.
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

/** Partitions of the rollups that a batch of flow / CloudTrail days writes to. */
export async function ensureRollupPartitions(
  partitions: PartitionManager,
  flowDays: ReadonlySet<string>,
  eventDays: ReadonlySet<string>,
): Promise<void> {
  if (flowDays.size > 0) {
    for (const def of FLOW_ROLLUPS) {
      await partitions.ensure(def.table as RollupTable, flowDays);
    }
  }
  if (eventDays.size > 0) {
    await partitions.ensure('cloudtrail_rollup_minute', eventDays);
    await partitions.ensure('cloudtrail_rollup_hour', eventDays);
  }
}

/**
 * Folds the pending flow rows into every flow rollup (rollupFoldSql), in one transaction. The day
 * partitions they go to are ensured first (retention may have dropped one since the sink wrote the
 * rows; it drops it again next time). A transaction-level advisory lock leaves the fold to another
 * sink replica already folding. Returns the pending rows folded.
 */
export async function foldPendingRollups(pool: pg.Pool, partitions: PartitionManager): Promise<number> {
  const defs = FLOW_ROLLUPS.filter((def) => def.pending === FLOW_ROLLUP_PENDING);
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok',
      [`fold:${FLOW_ROLLUP_PENDING}`],
    );
    if (!rows[0]?.ok) {
      return 0;
    }
    const days = await client.query<{ day: string }>(
      `SELECT DISTINCT to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM ${FLOW_ROLLUP_PENDING}`,
    );
    if (days.rows.length === 0) {
      return 0;
    }
    for (const def of defs) {
      await partitions.ensure(
        def.table as RollupTable,
        days.rows.map((r) => r.day),
      );
    }
    const res = await client.query<{ moved: string }>(rollupFoldSql(defs, FLOW_ROLLUP_PENDING));
    return Number(res.rows[0]?.moved ?? 0);
  });
}
