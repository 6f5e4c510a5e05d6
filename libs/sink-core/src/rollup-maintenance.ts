import { counter, gauge, histogram, type Logger, type Registry } from '@lake/observability';
import {
  PARTITIONED_TABLES,
  compactRollupBlocks,
  foldPendingRollups,
  pendingFlowRows,
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
      const retainedFrom = new Date(`${dayOf(now - days * DAY_MS)}T00:00:00Z`);
      const dropped = await partitions.dropOlderThan(table, days, now);
      await recordRollupCoverage(pool, table, retainedFrom);
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

/**
 * Folds the pending flow rows into the flow rollups every `intervalMs` (libs/pg foldPendingRollups),
 * one fold at a time; the sink's batches only append pending rows, so they never wait for a
 * rollup's row locks. Readers read rollups and pending rows together: the interval bounds how many
 * pending rows they aggregate, not what they see. A day Postgres refuses to fold is logged and
 * counted, and its rows stay pending (still counted by readers) until a fold succeeds; the pending
 * gauge shows a backlog building up.
 */
export class RollupFolder {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly folded;
  private readonly failures;
  private readonly seconds;
  private readonly pendingRows;

  constructor(
    private readonly pool: Pool,
    private readonly partitions: PartitionManager,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    metrics: Registry,
  ) {
    this.folded = counter(
      metrics,
      'lake_sink_rollup_pending_folded_total',
      'Pending flow rows folded into the flow rollups',
    );
    this.failures = counter(
      metrics,
      'lake_sink_rollup_fold_failures_total',
      'Days whose pending flow rows Postgres refused to fold (they stay pending)',
    );
    this.seconds = histogram(
      metrics,
      'lake_sink_rollup_fold_seconds',
      'Time to fold the pending flow rows into the rollups',
    );
    this.pendingRows = gauge(
      metrics,
      'lake_sink_rollup_pending_rows',
      'Flow rows not yet folded into the flow rollups after the last fold (counted up to 1 000 000)',
    );
  }

  start(): void {
    this.schedule();
  }

  /** Folds now, or waits for the fold under way. */
  fold(): Promise<void> {
    this.running ??= this.foldOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async foldOnce(): Promise<void> {
    const stop = this.seconds.startTimer();
    const { folded, failed } = await foldPendingRollups(this.pool, this.partitions);
    stop();
    this.folded.inc(folded);
    for (const { day, error } of failed) {
      this.failures.inc();
      this.logger.error(
        { err: error, day },
        'folding the pending flow rows of a day failed; they stay pending',
      );
    }
    this.pendingRows.set(await pendingFlowRows(this.pool));
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.fold()
        .catch((err: unknown) => this.logger.error({ err }, 'folding pending flow rows failed'))
        .finally(() => {
          if (!this.stopped) {
            this.schedule();
          }
        });
    }, this.intervalMs);
  }

  /**
   * Stops folding, after a fold that starts once any fold under way is done (so it sees every batch
   * committed before the stop). Rows it cannot fold stay pending for the next sink.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this.running?.catch(() => undefined);
    await this.fold().catch((err: unknown) => this.logger.warn({ err }, 'last fold on stop failed'));
  }
}
