import { counter, type Logger, type Registry } from '@lake/observability';
import type { NotifierObjectsRepository } from '@lake/pg';
import { PeriodicTask } from './periodic-task';

export interface RecordRetentionSettings {
  /** Records of objects published more than this many days ago are deleted. */
  days: number;
  intervalSeconds: number;
}

/**
 * Keeps the once-only record (`notifier_objects`) from growing without end: every interval it
 * deletes the records older than the retention. The retention must outlast SQS redeliveries and the
 * reconciliation lookback (checked at start), or an object seen again would be published again.
 */
export class RecordRetention extends PeriodicTask {
  private readonly pruned;

  constructor(
    private readonly settings: RecordRetentionSettings,
    private readonly deps: { records: NotifierObjectsRepository; logger: Logger; metrics: Registry },
  ) {
    super('record retention', settings.intervalSeconds * 1000, deps.logger);
    this.pruned = counter(
      deps.metrics,
      'lake_notifier_records_expired_total',
      'Once-only records deleted after NOTIFIER_RECORD_RETENTION_DAYS',
    );
  }

  protected async pass(): Promise<void> {
    await this.runOnce();
  }

  /** Deletes the expired records; resolves with how many. */
  async runOnce(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - this.settings.days * 86_400_000);
    const deleted = await this.deps.records.deleteOlderThan(cutoff);
    this.pruned.inc(deleted);
    if (deleted > 0) {
      this.deps.logger.info({ deleted, cutoff }, 'expired once-only records deleted');
    }
    return deleted;
  }
}
