import type pg from 'pg';
import { SourceError } from './pg.errors';
import { GRANULARITY_MS, type Granularity, type RollupDef } from './rollups';

/** Where an aggregate is answered from: a rollup granularity, or the raw partitions. */
export type SourceChoice = 'auto' | 'raw' | Granularity;

/**
 * How far back each rollup still reaches (`rollup_coverage`, written when retention drops its
 * partitions), epoch ms by rollup table; a rollup not listed has lost nothing.
 */
export async function readRollupCoverage(db: Pick<pg.ClientBase, 'query'>): Promise<Map<string, number>> {
  const { rows } = await db.query<{ rollup: string; retained_from: Date }>(
    'SELECT rollup, retained_from FROM rollup_coverage',
  );
  return new Map(rows.map((r) => [r.rollup, r.retained_from.getTime()]));
}

const aligned = (d: Date, g: Granularity) => d.getTime() % GRANULARITY_MS[g] === 0;
const COARSEST_FIRST: readonly Granularity[] = ['day', 'hour', 'minute'];

/**
 * Picks, among the rollups that hold what a question needs (`candidates`, narrowest first), the
 * coarsest that answers exactly: `from` and `to` on its bucket boundaries, a finest requested time
 * bucket no finer than its own, and the whole range still retained (see rollup_coverage).
 * Otherwise the raw partitions. `forced` (other than auto) is checked, not guessed.
 */
export class RollupSourcePicker {
  private coverage: { at: number; map: Map<string, number> } | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly cacheMs = 30_000,
  ) {}

  /** Where `table` still holds data from (epoch ms; rollup_coverage, read at most every `cacheMs`). */
  async retainedFrom(table: string): Promise<number> {
    const now = Date.now();
    if (!this.coverage || now - this.coverage.at > this.cacheMs) {
      this.coverage = { at: now, map: await readRollupCoverage(this.pool) };
    }
    return this.coverage.map.get(table) ?? Number.NEGATIVE_INFINITY;
  }

  /** Why `def` cannot answer, or null when it can. */
  private async unfit(
    def: RollupDef,
    from: Date,
    to: Date,
    finest: Granularity | null,
  ): Promise<string | null> {
    const g = def.granularity;
    if (finest && GRANULARITY_MS[finest] < GRANULARITY_MS[g]) {
      return `${finest} buckets need a finer rollup or raw rows`;
    }
    if (!aligned(from, g) || !aligned(to, g)) {
      return `from and to must be on ${g} boundaries to use ${def.table}`;
    }
    if (from.getTime() < (await this.retainedFrom(def.table))) {
      return `${def.table} no longer covers ${from.toISOString()}`;
    }
    return null;
  }

  async pick(
    candidates: readonly RollupDef[],
    from: Date,
    to: Date,
    finest: Granularity | null,
    forced: SourceChoice = 'auto',
  ): Promise<RollupDef | 'raw'> {
    if (forced === 'raw') {
      return 'raw';
    }
    const order = forced === 'auto' ? COARSEST_FIRST : [forced];
    let why = `no ${forced} rollup holds the dimensions this question needs`;
    for (const g of order) {
      for (const def of candidates.filter((c) => c.granularity === g)) {
        const unfit = await this.unfit(def, from, to, finest);
        if (unfit === null) {
          return def;
        }
        why = unfit;
      }
    }
    if (forced !== 'auto') {
      throw new SourceError(`source=${forced} cannot answer exactly: ${why}`);
    }
    return 'raw';
  }
}
