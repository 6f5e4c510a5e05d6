import type pg from 'pg';
import { GRANULARITY_MS, type Granularity } from './rollups';

/** Where an aggregate is answered from: a rollup granularity, or the raw partitions. */
export type SourceChoice = 'auto' | 'raw' | Granularity;

/** A requested source that cannot answer the question exactly (e.g. `hour` for 10:30–11:00). */
export class SourceError extends Error {
  readonly statusCode = 400;
}

const aligned = (d: Date, g: Granularity) => d.getTime() % GRANULARITY_MS[g] === 0;

/**
 * Picks the coarsest rollup that answers exactly: `from` and `to` on its bucket boundaries, a
 * finest requested time bucket no finer than its own, and the whole range still retained (see
 * rollup_coverage). Otherwise the raw partitions. `forced` (other than auto) is checked, not guessed.
 */
export class RollupSourcePicker {
  private coverage: { at: number; map: Map<string, number> } | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly family: 'flow' | 'cloudtrail',
    private readonly cacheMs = 30_000,
  ) {}

  private async retainedFrom(table: string): Promise<number> {
    const now = Date.now();
    if (!this.coverage || now - this.coverage.at > this.cacheMs) {
      const { rows } = await this.pool.query<{ rollup: string; retained_from: Date }>(
        'SELECT rollup, retained_from FROM rollup_coverage',
      );
      this.coverage = { at: now, map: new Map(rows.map((r) => [r.rollup, r.retained_from.getTime()])) };
    }
    return this.coverage.map.get(table) ?? Number.NEGATIVE_INFINITY;
  }

  /** Why `g` cannot answer, or null when it can. */
  private async unfit(
    g: Granularity,
    from: Date,
    to: Date,
    finest: Granularity | null,
  ): Promise<string | null> {
    if (finest === 'minute' && g === 'hour') {
      return 'minute buckets need the minute rollup or raw rows';
    }
    if (!aligned(from, g) || !aligned(to, g)) {
      return `from and to must be on ${g} boundaries to use the ${g} rollup`;
    }
    if (from.getTime() < (await this.retainedFrom(`${this.family}_rollup_${g}`))) {
      return `the ${g} rollup no longer covers ${from.toISOString()}`;
    }
    return null;
  }

  async pick(
    from: Date,
    to: Date,
    finest: Granularity | null,
    forced: SourceChoice = 'auto',
  ): Promise<Granularity | 'raw'> {
    if (forced === 'raw') {
      return 'raw';
    }
    if (forced !== 'auto') {
      const why = await this.unfit(forced, from, to, finest);
      if (why) {
        throw new SourceError(`source=${forced} cannot answer exactly: ${why}`);
      }
      return forced;
    }
    for (const g of ['hour', 'minute'] as const) {
      if ((await this.unfit(g, from, to, finest)) === null) {
        return g;
      }
    }
    return 'raw';
  }
}
