import type pg from 'pg';
import type { RollupTable } from './rollups';

/** Tables partitioned by day of `event_time` (UTC). */
export const PARTITIONED_TABLES = [
  'vpc_flow_records',
  'tgw_flow_records',
  'cloudtrail_events',
  'cloudtrail_insights',
] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];
/** Raw tables and rollups: all partitioned by UTC day. */
export type DailyTable = PartitionedTable | RollupTable;

const DAY_MS = 86_400_000;

/** `2024-01-31` for the UTC day containing `ms`. */
export function dayOf(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** The distinct UTC days (`dayOf`) of the instants `ms`, each formatted once. */
export function daysOf(ms: Iterable<number>): Set<string> {
  const days = new Set<number>();
  for (const t of ms) {
    days.add(Math.floor(t / DAY_MS));
  }
  return new Set([...days].map((d) => dayOf(d * DAY_MS)));
}

/**
 * Creates daily partitions on demand, as data needs them, and ahead of time.
 *
 * Why not pg_partman: it premakes partitions around *now*, but log files arrive for any past day
 * (backfills, late deliveries), so the sink must create the partition a batch needs anyway; that is
 * a dozen lines of SQL here, with no extension to install on managed Postgres.
 */
export class PartitionManager {
  private readonly known = new Set<string>();

  constructor(private readonly pool: pg.Pool) {}

  /** Makes sure a partition exists for every day in `days` (`YYYY-MM-DD`). */
  async ensure(table: DailyTable, days: Iterable<string>): Promise<void> {
    for (const day of days) {
      const name = `${table}_p${day.replace(/-/g, '')}`;
      if (this.known.has(name)) {
        continue;
      }
      const next = new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        // Serialises creators (several sinks, or a sink and the retention job) per table.
        await client.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.' || $1))", [table]);
        await client.query(
          `CREATE TABLE IF NOT EXISTS "${name}" PARTITION OF "${table}" FOR VALUES FROM ('${day} 00:00:00+00') TO ('${next} 00:00:00+00')`,
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
      this.known.add(name);
    }
  }

  /** Forgets that the partitions of `day` exist (another process may have dropped them). */
  forget(day: string): void {
    const suffix = `_p${day.replace(/-/g, '')}`;
    for (const name of [...this.known].filter((n) => n.endsWith(suffix))) {
      this.known.delete(name);
    }
  }

  /** Today and the next `days` days, so that live data never waits for DDL. */
  async premake(table: DailyTable, days: number, now = Date.now()): Promise<void> {
    const list: string[] = [];
    for (let i = 0; i <= days; i++) {
      list.push(dayOf(now + i * DAY_MS));
    }
    await this.ensure(table, list);
  }

  /** Drops partitions whose whole day is older than `retentionDays`; returns their names. */
  async dropOlderThan(table: DailyTable, retentionDays: number, now = Date.now()): Promise<string[]> {
    const cutoff = dayOf(now - retentionDays * DAY_MS).replace(/-/g, '');
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE p.relname = $1 AND n.nspname = current_schema()`,
      [table],
    );
    const dropped: string[] = [];
    for (const { name } of rows) {
      const m = /_p(\d{8})$/.exec(name);
      if (m && m[1]! < cutoff) {
        await this.pool.query(`DROP TABLE IF EXISTS "${name}"`);
        this.known.delete(name);
        dropped.push(name);
      }
    }
    return dropped;
  }
}
