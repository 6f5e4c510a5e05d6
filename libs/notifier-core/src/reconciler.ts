import { counter, type Logger, type Registry } from '@lake/observability';
import type { S3Store } from '@lake/s3';
import { listScope, listedRef } from './listing';
import type { ObjectPublisher } from './object-publisher';
import { PeriodicTask } from './periodic-task';

export interface ReconcileTarget {
  bucket: string;
  prefix: string;
}

export interface ReconcilerSettings {
  targets: readonly ReconcileTarget[];
  intervalSeconds: number;
  /** Days listed before today (UTC), today included: 1 lists yesterday and today. */
  lookbackDays: number;
}

/**
 * Periodically lists recent day folders of the configured buckets/prefixes and publishes objects
 * that no notification announced (a lost notification, a misconfigured event filter). Objects
 * already published are recognised by the once-only record and left alone.
 */
export class Reconciler extends PeriodicTask {
  private readonly found;
  private readonly runs;

  constructor(
    private readonly settings: ReconcilerSettings,
    private readonly deps: {
      s3: Pick<S3Store, 'listPages'>;
      publisher: ObjectPublisher;
      logger: Logger;
      metrics: Registry;
    },
  ) {
    super('reconciliation', settings.intervalSeconds * 1000, deps.logger);
    this.found = counter(
      deps.metrics,
      'lake_notifier_reconcile_found_total',
      'Objects found by reconciliation listings that no notification had announced (published by the reconciliation)',
      ['bucket'],
    );
    this.runs = counter(
      deps.metrics,
      'lake_notifier_reconcile_runs_total',
      'Reconciliation passes by outcome',
      ['outcome'],
    );
  }

  protected async pass(): Promise<void> {
    try {
      await this.runOnce();
      this.runs.inc({ outcome: 'ok' });
    } catch (err) {
      this.runs.inc({ outcome: 'error' });
      throw err;
    }
  }

  /** One pass over every target; resolves with the number of objects it published. */
  async runOnce(now = Date.now()): Promise<number> {
    const to = new Date(now).toISOString().slice(0, 10);
    const from = new Date(now - this.settings.lookbackDays * 86_400_000).toISOString().slice(0, 10);
    let total = 0;
    for (const target of this.settings.targets) {
      let found = 0;
      for await (const page of listScope(this.deps.s3, { ...target, from, to })) {
        if (this.signal.aborted) {
          return total + found;
        }
        if (page.objects.length === 0) {
          continue;
        }
        const summary = await this.deps.publisher.publish(
          page.objects.map((o) => listedRef(target.bucket, o)),
        );
        found += summary.published;
      }
      this.found.inc({ bucket: target.bucket }, found);
      if (found > 0) {
        this.deps.logger.warn(
          { ...target, from, to, found },
          'reconciliation published objects no notification announced',
        );
      }
      total += found;
    }
    return total;
  }
}
