import type pg from 'pg';
import type { AfterInsert } from './bulk-insert';
import type { PartitionManager } from './partitions';
import {
  CLOUDTRAIL_ROLLUPS,
  CLOUDTRAIL_ROLLUP_INPUT,
  FLOW_ROLLUPS,
  FLOW_ROLLUP_INPUT,
  rollupUpsertSql,
  type RollupTable,
} from './rollups';

/**
 * Write side of the rollups: the statements the raw INSERT of vpc_flow_records runs after it in
 * its transaction (one per rollup, aggregating the rows that INSERT actually inserted), so raw rows
 * and rollups commit together, exactly once. Each upsert takes its keys in sorted order (see
 * rollupUpsertSql); the rollups whose rows every batch shares (totals, and pairs, which repeat
 * most) come last, so that a concurrent batch waits for their row locks only as long as the commit.
 */
export function flowRollupsAfterInsert(): AfterInsert {
  return {
    returning: FLOW_ROLLUP_INPUT,
    statements: (from) => FLOW_ROLLUPS_WRITE_ORDER.map((def) => rollupUpsertSql(def, from)),
  };
}

/** Rollups with more rows per raw row first (fewer rows shared by concurrent batches). */
const WRITE_FIRST: readonly string[] = ['flow_rollup_hour', 'flow_talkers_day', 'flow_pairs_day'];
const FLOW_ROLLUPS_WRITE_ORDER = [
  ...WRITE_FIRST.map((t) => FLOW_ROLLUPS.find((def) => def.table === t)!),
  ...FLOW_ROLLUPS.filter((def) => !WRITE_FIRST.includes(def.table)),
];

/** Likewise for cloudtrail_events. */
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
