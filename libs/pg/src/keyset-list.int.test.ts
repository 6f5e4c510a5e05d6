// KeysetList against the real Postgres of the local stack (tools/stack): pages that tie on time,
// a filter, a stream from a cursor, a reshaped row, and cursors that do not fit.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { CursorError } from './pg.errors';
import { KeysetList, type KeyColumn } from './keyset-list';
import { Where } from './query-builder';

const url =
  process.env['DATABASE_URL'] ??
  `postgres://${process.env['LAKE_PG_USER'] ?? 'postgres'}@${process.env['LAKE_PG_HOST'] ?? '127.0.0.1'}:${process.env['LAKE_PG_PORT'] ?? '5432'}/${process.env['LAKE_PG_DB'] ?? 'test'}`;

const KEY: KeyColumn[] = [
  { name: 't', kind: 'time' },
  { name: 'file', kind: 'text' },
  { name: 'n', kind: 'int' },
];

describe('KeysetList', () => {
  const schema = `keyset_${randomBytes(4).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
  const list = new KeysetList<Record<string, unknown>>(pool, 'r', KEY);
  /** Every row in key order, as the database sorts it. */
  let all: { file: string; n: number }[] = [];

  before(async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
    await pool.query(
      'CREATE TABLE r (t timestamptz, file text, n bigint, even boolean, PRIMARY KEY (t, file, n))',
    );
    // 3 instants × 3 files × 5 lines, inserted out of order: most rows tie on time, many on file.
    await pool.query(`INSERT INTO r SELECT timestamptz '2024-05-01 00:00:00+00' + (i % 3) * interval '1 second',
        'f' || (i % 9) / 3, i, i % 2 = 0 FROM generate_series(44, 0, -1) AS i`);
    all = (
      await pool.query<{ file: string; n: string }>('SELECT file, n FROM r ORDER BY t, file, n')
    ).rows.map((r) => ({ file: r.file, n: Number(r.n) }));
  });
  after(async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });

  const short = (rows: Record<string, unknown>[]) =>
    rows.map((r) => ({ file: r['file'], n: Number(r['n']) }));

  it('walks every row once, in key order, a page at a time, and ends with no cursor', async () => {
    const seen: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await list.page(new Where(), cursor, 4);
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    assert.deepEqual(short(seen), all);
    assert.equal(pages, Math.ceil(all.length / 4));
  });

  it('applies the filter on every page, and streams the rest of a list from a cursor', async () => {
    const first = await list.page(new Where().add('even = ?', true), undefined, 5);
    assert.equal(first.items.length, 5);
    assert.ok(first.items.every((r) => r['even'] === true));
    const stream = await list.stream(new Where().add('even = ?', true), first.nextCursor ?? undefined);
    const rest: Record<string, unknown>[] = [];
    for await (const row of stream.rows) {
      rest.push(row as Record<string, unknown>);
    }
    const evens = all.filter((r) => r.n % 2 === 0);
    assert.deepEqual(short([...first.items, ...rest]), evens);
    assert.deepEqual(stream.columns, ['t', 'file', 'n', 'even']);
  });

  it('selects and reshapes rows, keeping the key of the stored row in the cursor', async () => {
    const shaped = new KeysetList(pool, 'r', KEY, {
      select: ['t', 'file', 'n'],
      map: (row) => ({ label: `${String(row['file'])}:${String(row['n'])}` }),
      columns: ['label'],
    });
    const one = await shaped.page(new Where(), undefined, 2);
    const two = await shaped.page(new Where(), one.nextCursor ?? undefined, 2);
    assert.deepEqual(
      [...one.items, ...two.items].map((r) => r.label),
      all.slice(0, 4).map((r) => `${r.file}:${r.n}`),
    );
  });

  it('refuses a cursor that is not one, or is of another list', async () => {
    await assert.rejects(list.page(new Where(), 'not a cursor', 2), CursorError);
    const other = Buffer.from(JSON.stringify([1, 2])).toString('base64url');
    await assert.rejects(list.page(new Where(), other, 2), CursorError);
  });
});
