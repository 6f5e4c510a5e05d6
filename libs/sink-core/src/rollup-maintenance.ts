import type { Logger } from '@lake/observability';
import {
  PARTITIONED_TABLES,
  compactRollupBlocks,
  ROLLUP_GRANULARITY,
  ROLLUP_TABLES,
  dayOf,
  recordRollupCoverage,
  type PartitionManager,
  type Granularity,
  type Pool,
} from '@lake/pg';

const DAY_MS = 86_400_000;

/** Days of raw partitions and of the rollups of each granularity kept; 0 keeps everything. */
export interface RetentionSettings {
  premakeDays: number;
  rawDays: number;
  rollupDays: Readonly<Record<Granularity, number>>;
}

/**
 * One maintenance pass: premakes raw and rollup partitions, drops raw partitions older than
 * `rawDays` and rollup partitions older than their own retention (rollups usually outlive the raw
 * rows), and records how far back each rollup still reaches so that the API does not answer an
 * older range from a rollup that no longer holds it.
 */
export async function maintainPartitions(
  pool: Pool,
  partitions: PartitionManager,
  settings: RetentionSettings,
  logger: Logger,
  now = Date.now(),
): Promise<void> {
  for (const table of PARTITIONED_TABLES) {
    await partitions.premake(table, settings.premakeDays, now);
    if (settings.rawDays > 0) {
      const dropped = await partitions.dropOlderThan(table, settings.rawDays, now);
      if (dropped.length > 0) {
        logger.info({ table, dropped }, 'expired partitions dropped');
      }
    }
  }
  for (const table of ROLLUP_TABLES) {
    await partitions.premake(table, settings.premakeDays, now);
    const days = settings.rollupDays[ROLLUP_GRANULARITY[table]];
    if (days > 0) {
      const dropped = await partitions.dropOlderThan(table, days, now);
      await recordRollupCoverage(pool, table, new Date(`${dayOf(now - days * DAY_MS)}T00:00:00Z`));
      if (dropped.length > 0) {
        logger.info({ table, dropped }, 'expired rollup partitions dropped');
      }
    }
  }
}

/**
 * Builds the multi-day blocks of the ranked day rollups that are missing or stale, for days that
 * ended `settleMs` ago (libs/pg rollup-blocks.ts): top-Ks over many days then read a few lists.
 */
export async function maintainRollupBlocks(pool: Pool, settleMs: number, logger: Logger): Promise<void> {
  const t0 = performance.now();
  const built = await compactRollupBlocks(pool, { settleMs });
  if (built > 0) {
    logger.info({ built, ms: Math.round(performance.now() - t0) }, 'multi-day rollup blocks built');
  }
}
