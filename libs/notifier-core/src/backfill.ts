import { createHash } from 'node:crypto';
import type { Logger } from '@lake/observability';
import type { BackfillProgress, BackfillRunsRepository } from '@lake/pg';
import type { S3Store } from '@lake/s3';
import { listScope, listedRef, RateLimiter, type ListingScope } from './listing';
import type { ObjectPublisher } from './object-publisher';

export interface BackfillOptions extends ListingScope {
  /** Names the checkpoint; the same command line gets the same id, so running it again resumes. */
  runId?: string;
  /** Objects published per second at most (0: no limit). */
  rate: number;
  /** Objects published (and checkpointed) together. */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: BackfillProgress & { resumed: boolean }) => void;
}

export interface BackfillResult extends BackfillProgress {
  runId: string;
  resumed: boolean;
  finished: boolean;
}

/** The run id of a backfill: bucket, prefix and date range. */
export function backfillRunId(scope: ListingScope): string {
  const text = [scope.bucket, scope.prefix, scope.from ?? '', scope.to ?? ''].join('\n');
  return `backfill-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

/**
 * Lists a bucket/prefix (optionally a date range) and publishes the objects not published yet,
 * through the same once-only record as notifications. After each batch the last key is
 * checkpointed in Postgres; a killed run started again resumes after it (a batch published but
 * not checkpointed is listed again and recognised as published).
 */
export async function runBackfill(
  options: BackfillOptions,
  deps: {
    s3: Pick<S3Store, 'listPages'>;
    publisher: ObjectPublisher;
    runs: BackfillRunsRepository;
    logger: Logger;
  },
): Promise<BackfillResult> {
  const runId = options.runId ?? backfillRunId(options);
  const run = await deps.runs.start({
    runId,
    bucket: options.bucket,
    prefix: options.prefix,
    fromDay: options.from ?? null,
    toDay: options.to ?? null,
  });
  const resumed = run.lastKey !== null;
  const progress: BackfillProgress = {
    lastKey: run.lastKey ?? '',
    listed: run.listed,
    published: run.published,
    alreadySeen: run.alreadySeen,
    skipped: run.skipped,
  };
  if (run.finishedAt) {
    deps.logger.info({ runId }, 'backfill run already finished');
    return { runId, resumed, finished: true, ...progress };
  }
  deps.logger.info({ runId, resumed, startAfter: run.lastKey }, 'backfill started');
  const limiter = new RateLimiter(options.rate);
  const batchSize = options.batchSize ?? 250;
  options.onProgress?.({ ...progress, resumed });
  for await (const page of listScope(deps.s3, options, run.lastKey ?? undefined)) {
    for (let i = 0; i < page.objects.length || i === 0; i += batchSize) {
      if (options.signal?.aborted) {
        return { runId, resumed, finished: false, ...progress };
      }
      const batch = page.objects.slice(i, i + batchSize);
      const lastOfPage = i + batchSize >= page.objects.length;
      await limiter.take(batch.length, options.signal);
      const summary = await deps.publisher.publish(batch.map((o) => listedRef(options.bucket, o)));
      progress.listed += batch.length;
      progress.published += summary.published;
      progress.alreadySeen += summary.duplicates;
      progress.skipped += summary.skipped;
      progress.lastKey = lastOfPage ? page.lastKey : batch[batch.length - 1]!.key;
      await deps.runs.checkpoint(runId, progress);
      options.onProgress?.({ ...progress, resumed });
    }
  }
  await deps.runs.finish(runId);
  deps.logger.info({ runId, ...progress }, 'backfill finished');
  return { runId, resumed, finished: true, ...progress };
}
