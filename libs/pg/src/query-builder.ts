/** Collects WHERE conditions with numbered parameters; values never enter the SQL text. */
export class Where {
  private readonly conditions: string[] = [];
  readonly params: unknown[] = [];

  /** `sql` uses `?` for the one parameter, e.g. `srcaddr <<= ?::cidr`. */
  add(sql: string, value: unknown): this {
    if (value !== undefined && value !== null) {
      this.params.push(value);
      this.conditions.push(sql.replace('?', `$${this.params.length}`));
    }
    return this;
  }

  /** `sql` uses `?1 ?2 …` for several parameters. */
  addMany(sql: string, values: readonly unknown[]): this {
    const base = this.params.length;
    this.params.push(...values);
    this.conditions.push(sql.replace(/\?(\d+)/g, (_, n: string) => `$${base + Number(n)}`));
    return this;
  }

  /** A condition with no parameter (constant SQL only, never input). */
  always(sql: string): this {
    this.conditions.push(sql);
    return this;
  }

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** The WHERE clause (empty when there is no condition). */
  sql(): string {
    return this.conditions.length > 0 ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}
