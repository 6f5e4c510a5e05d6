import type pg from 'pg';
import { withTransaction } from './pool';
import { PgSetupError } from './pg.errors';

/** One object the notifier is about to publish. */
export interface ObjectRecord {
  bucket: string;
  key: string;
  /** ETag (quotes dropped), else `v:{versionId}`, else `s:{sequencer}`: see {@link objectTag}. */
  objectTag: string;
  versionId: string | null;
  sequencer: string | null;
  size: number | null;
  kind: string;
  source: string;
}

export interface PublishOnceResult<T extends ObjectRecord> {
  /** Recorded by this call: `publish` was called with them and Kafka acknowledged them. */
  published: T[];
  /** Already recorded (published before, by this or another replica, or by a listing). */
  duplicates: T[];
}

/**
 * What identifies an object's content for deduplication. S3 notifications write the ETag bare,
 * listings quoted; the versionId or sequencer stand in only when a notification has no ETag.
 */
export function objectTag(o: {
  etag: string | null;
  versionId: string | null;
  sequencer: string | null;
}): string {
  if (o.etag) {
    return o.etag.replace(/"/g, '').toLowerCase();
  }
  if (o.versionId) {
    return `v:${o.versionId}`;
  }
  return o.sequencer ? `s:${o.sequencer}` : '';
}

const identity = (o: ObjectRecord) => `${o.bucket}\u0000${o.key}\u0000${o.objectTag}`;

/** `notifier_objects`: the durable "published once" record (migration 1700000000300). */
export class NotifierObjectsRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Publishes each object not recorded yet, exactly once across replicas and replays:
   * in one transaction, insert the objects' rows (ON CONFLICT DO NOTHING), call `publish` with the
   * rows that were new, and commit only after it resolved (Kafka acknowledged). A concurrent
   * replica inserting the same object waits on the row lock and then sees it as a duplicate; a
   * crash before the commit leaves no row, so the replay publishes. Rows are locked in key
   * order, so two replicas with overlapping batches cannot deadlock.
   */
  async publishOnce<T extends ObjectRecord>(
    objects: readonly T[],
    publish: (fresh: T[]) => Promise<void>,
  ): Promise<PublishOnceResult<T>> {
    const unique = new Map<string, T>();
    const repeated: T[] = [];
    for (const o of objects) {
      if (unique.has(identity(o))) {
        repeated.push(o);
      } else {
        unique.set(identity(o), o);
      }
    }
    if (unique.size === 0) {
      return { published: [], duplicates: repeated };
    }
    const rows = [...unique.values()].sort((a, b) =>
      identity(a) < identity(b) ? -1 : identity(a) > identity(b) ? 1 : 0,
    );
    return withTransaction(this.pool, async (client) => {
      const res = await client.query<{ bucket: string; key: string; object_tag: string }>(
        `INSERT INTO notifier_objects (bucket, key, object_tag, version_id, sequencer, size, kind, source)
         SELECT bucket, key, object_tag, version_id, sequencer, size, kind, source FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[])
           WITH ORDINALITY AS t(bucket, key, object_tag, version_id, sequencer, size, kind, source, n)
         ORDER BY n
         ON CONFLICT (bucket, key, object_tag) DO NOTHING
         RETURNING bucket, key, object_tag`,
        [
          rows.map((r) => r.bucket),
          rows.map((r) => r.key),
          rows.map((r) => r.objectTag),
          rows.map((r) => r.versionId),
          rows.map((r) => r.sequencer),
          rows.map((r) => r.size),
          rows.map((r) => r.kind),
          rows.map((r) => r.source),
        ],
      );
      const fresh = new Set(res.rows.map((r) => `${r.bucket}\u0000${r.key}\u0000${r.object_tag}`));
      const published = rows.filter((r) => fresh.has(identity(r)));
      const duplicates = [...rows.filter((r) => !fresh.has(identity(r))), ...repeated];
      if (published.length > 0) {
        await publish(published);
      }
      return { published, duplicates };
    });
  }

  /**
   * Deletes the records of objects published before `cutoff`, `batch` rows per statement (short
   * locks, bounded WAL per statement); returns how many went. Such an object announced again (a
   * backfill over old days) is published again, and the sink's natural keys absorb its rows.
   */
  async deleteOlderThan(cutoff: Date, batch = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const res = await this.pool.query(
        `DELETE FROM notifier_objects WHERE ctid IN (
           SELECT ctid FROM notifier_objects WHERE published_at < $1 LIMIT $2)`,
        [cutoff, batch],
      );
      total += res.rowCount ?? 0;
      if ((res.rowCount ?? 0) < batch) {
        return total;
      }
    }
  }

  /** How many rows one bucket has (tests and the backfill summary). */
  async count(bucket: string): Promise<number> {
    const res = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM notifier_objects WHERE bucket = $1',
      [bucket],
    );
    return res.rows[0]?.n ?? 0;
  }
}

export interface BackfillRun {
  runId: string;
  bucket: string;
  prefix: string;
  fromDay: string | null;
  toDay: string | null;
  lastKey: string | null;
  listed: number;
  published: number;
  alreadySeen: number;
  skipped: number;
  finishedAt: Date | null;
}

export interface BackfillProgress {
  lastKey: string;
  listed: number;
  published: number;
  alreadySeen: number;
  skipped: number;
}

/** `notifier_backfill_runs`: one checkpoint per backfill run, so a killed run resumes. */
export class BackfillRunsRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** The run's checkpoint, created at zero when the run is new. */
  async start(run: {
    runId: string;
    bucket: string;
    prefix: string;
    fromDay: string | null;
    toDay: string | null;
  }): Promise<BackfillRun> {
    await this.pool.query(
      `INSERT INTO notifier_backfill_runs (run_id, bucket, prefix, from_day, to_day)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id) DO NOTHING`,
      [run.runId, run.bucket, run.prefix, run.fromDay, run.toDay],
    );
    const res = await this.pool.query<{
      run_id: string;
      bucket: string;
      prefix: string;
      from_day: string | null;
      to_day: string | null;
      last_key: string | null;
      listed: number;
      published: number;
      already_seen: number;
      skipped: number;
      finished_at: Date | null;
    }>('SELECT * FROM notifier_backfill_runs WHERE run_id = $1', [run.runId]);
    const r = res.rows[0];
    if (!r) {
      throw new PgSetupError('BACKFILL_RUN_MISSING', `backfill run ${run.runId} vanished`);
    }
    return {
      runId: r.run_id,
      bucket: r.bucket,
      prefix: r.prefix,
      fromDay: r.from_day,
      toDay: r.to_day,
      lastKey: r.last_key,
      listed: r.listed,
      published: r.published,
      alreadySeen: r.already_seen,
      skipped: r.skipped,
      finishedAt: r.finished_at,
    };
  }

  async checkpoint(runId: string, p: BackfillProgress): Promise<void> {
    await this.pool.query(
      `UPDATE notifier_backfill_runs
          SET last_key = $2, listed = $3, published = $4, already_seen = $5, skipped = $6, updated_at = now()
        WHERE run_id = $1`,
      [runId, p.lastKey, p.listed, p.published, p.alreadySeen, p.skipped],
    );
  }

  async finish(runId: string): Promise<void> {
    await this.pool.query(
      'UPDATE notifier_backfill_runs SET finished_at = now(), updated_at = now() WHERE run_id = $1',
      [runId],
    );
  }
}
