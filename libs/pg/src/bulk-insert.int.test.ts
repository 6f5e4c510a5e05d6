// BulkInsert against the real Postgres of the local stack (tools/stack): both paths, replays, a
// failed transaction, and the staging table a later step of the same transaction can read.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { BulkInsert, type ColumnSpec } from './bulk-insert';
import { withTransaction } from './pool';

const url =
  process.env['DATABASE_URL'] ??
  `postgres://${process.env['LAKE_PG_USER'] ?? 'postgres'}@${process.env['LAKE_PG_HOST'] ?? '127.0.0.1'}:${process.env['LAKE_PG_PORT'] ?? '5432'}/${process.env['LAKE_PG_DB'] ?? 'test'}`;

interface Row {
  k: number;
  text: string | null;
}
const columns: ColumnSpec<Row>[] = [
  { name: 'k', pgType: 'bigint', get: (r) => r.k },
  { name: 'text', pgType: 'text', get: (r) => r.text },
];
/** The single `n` of a `SELECT count(*) AS n` query. */
async function countOf(db: Pick<pg.ClientBase, 'query'>, sql: string): Promise<number> {
  const res = await db.query<{ n: string }>(sql);
  return Number(res.rows[0]!.n);
}
const rows = (from: number, to: number): Row[] =>
  Array.from({ length: to - from }, (_, i) => ({
    k: from + i,
    text: i % 7 === 0 ? null : `v\t${from + i}\\`,
  }));

describe('BulkInsert', () => {
  const schema = `bulk_${randomBytes(4).toString('hex')}`;
  // One connection, so every batch runs in the same session (the staging table is per session).
  const pool = new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` });
  const bulk = new BulkInsert<Row>('t', columns, ['k'], { copyThreshold: 100 });
  const count = () => countOf(pool, 'SELECT count(*) AS n FROM t');

  before(async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
    await pool.query('CREATE TABLE t (k bigint PRIMARY KEY, text text)');
    await pool.query('CREATE TABLE t2 (LIKE t INCLUDING ALL)');
  });
  after(async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });

  it('COPYs a large batch and counts only new rows when a batch is replayed', async () => {
    assert.equal(await withTransaction(pool, (c) => bulk.insert(c, rows(0, 500))), 500);
    // A replay overlapping the rows already there: the plain INSERT fails on the key, the
    // conflict-skipping one inserts the 200 new rows.
    assert.equal(await withTransaction(pool, (c) => bulk.insert(c, rows(300, 700))), 200);
    assert.equal(await withTransaction(pool, (c) => bulk.insert(c, rows(0, 700))), 0);
    assert.equal(await count(), 700);
    const r = await pool.query('SELECT text FROM t WHERE k IN (302, 303) ORDER BY k');
    assert.deepEqual(
      r.rows.map((x: { text: string | null }) => x.text),
      ['v\t302\\', 'v\t303\\'],
    );
  });

  it('inserts a small batch with array parameters, also skipping replayed rows', async () => {
    assert.equal(await withTransaction(pool, (c) => bulk.insert(c, rows(690, 720))), 20);
    assert.equal(await count(), 720);
  });

  it('recovers after a failed transaction that created the staging table', async () => {
    const fresh = new BulkInsert<Row>('t2', columns, ['k'], { copyThreshold: 100 });
    await assert.rejects(
      withTransaction(pool, async (c) => {
        await fresh.insert(c, rows(1000, 1200));
        throw new Error('the batch fails after the insert');
      }),
      /the batch fails/,
    );
    const count2 = () => countOf(pool, 'SELECT count(*) AS n FROM t2');
    assert.equal(await count2(), 0);
    assert.equal(await withTransaction(pool, (c) => fresh.insert(c, rows(1000, 1200))), 200);
    assert.equal(await count2(), 200);
  });

  it('COPYs a new batch straight in, and one with replays through the staging table, emptied at commit', async () => {
    // The staging table is created by the first batch that needs it, in that session.
    const staged = async (db: Pick<pg.ClientBase, 'query'>) => {
      const { rows: found } = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
        bulk.stagingTable,
      ]);
      return found[0]!.t === null ? 0 : countOf(db, `SELECT count(*) AS n FROM ${bulk.stagingTable}`);
    };
    const client = await pool.connect();
    const inTransaction = async (batch: Row[]) => {
      await client.query('BEGIN');
      const result = [await bulk.insert(client, batch), await staged(client)];
      await client.query('COMMIT');
      return result;
    };
    try {
      assert.deepEqual(await inTransaction(rows(2000, 2150)), [150, 0]);
      assert.deepEqual(await inTransaction(rows(2100, 2250)), [100, 150]);
      assert.equal(await staged(client), 0);
    } finally {
      client.release();
    }
  });

  it('writes rows already in COPY text, keeping the inserted ones, a replayed batch through the staging table', async () => {
    await pool.query('CREATE TABLE enc (LIKE t INCLUDING ALL)');
    await pool.query('CREATE TABLE enc_kept (k bigint, text text)');
    const encoded = new BulkInsert<Row>('enc', columns, ['k'], {
      record: { table: 'enc_kept', columns: ['text', 'k'] },
    });
    // Each row's line for the table, then its line for the kept rows' table (in the kept columns' order).
    const lines = (from: number, to: number) =>
      rows(from, to).map((r) => {
        const line = `${r.k}\t${r.text === null ? '\\N' : r.text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t')}\n`;
        const kept = `${line.slice(line.indexOf('\t') + 1, -1)}\t${r.k}\n`;
        return { bytes: Buffer.from(line + kept), split: Buffer.byteLength(line) };
      });
    assert.deepEqual(
      encoded.keptColumns.map((c) => c.name),
      ['text', 'k'],
    );
    assert.equal(await withTransaction(pool, (c) => encoded.insertEncoded(c, lines(0, 3))), 3);
    assert.equal(await withTransaction(pool, (c) => encoded.insertEncoded(c, lines(0, 150))), 147);
    assert.equal(await withTransaction(pool, (c) => encoded.insertEncoded(c, lines(100, 250))), 100);
    assert.equal(await countOf(pool, 'SELECT count(*) AS n FROM enc'), 250);
    // Every inserted row kept once, replays not at all, and the text as COPY wrote it.
    assert.equal(await countOf(pool, 'SELECT count(DISTINCT k) AS n FROM enc_kept'), 250);
    assert.equal(await countOf(pool, 'SELECT count(*) AS n FROM enc_kept'), 250);
    const { rows: both } = await pool.query<{ a: string | null; b: string | null }>(
      'SELECT e.text AS a, k.text AS b FROM enc e JOIN enc_kept k USING (k) WHERE k IN (7, 201) ORDER BY k',
    );
    assert.deepEqual(both, [
      { a: null, b: null },
      { a: 'v\t201\\', b: 'v\t201\\' },
    ]);
  });

  it('stores NUL in text and the escapes jsonb refuses as U+FFFD, by COPY and by array parameters', async () => {
    await pool.query('CREATE TABLE docs (k bigint PRIMARY KEY, text text, doc jsonb)');
    interface Doc {
      k: number;
      text: string;
      doc: unknown;
    }
    const docs = new BulkInsert<Doc>(
      'docs',
      [
        { name: 'k', pgType: 'bigint', get: (d) => d.k },
        { name: 'text', pgType: 'text', get: (d) => d.text },
        { name: 'doc', pgType: 'jsonb', get: (d) => d.doc },
      ],
      ['k'],
      { copyThreshold: 10 },
    );
    const make = (from: number, n: number): Doc[] =>
      Array.from({ length: n }, (_, i) => ({
        k: from + i,
        text: `a\u0000b\t${i}`,
        // An object with NUL and a lone surrogate, and JSON text with the escape.
        doc: i % 2 === 0 ? { agent: 'x\u0000y', s: '\ud800' } : '{"agent":"x\\u0000y"}',
      }));
    assert.equal(await withTransaction(pool, (c) => docs.insert(c, make(0, 4))), 4); // array parameters
    assert.equal(await withTransaction(pool, (c) => docs.insert(c, make(100, 20))), 20); // COPY
    const { rows: stored } = await pool.query<{ k: string; text: string; doc: unknown }>(
      'SELECT k, text, doc FROM docs WHERE k IN (0, 1, 100, 101) ORDER BY k',
    );
    for (const row of stored) {
      const i = Number(row.k) % 100;
      assert.equal(row.text, `a\ufffdb\t${i}`);
      assert.deepEqual(row.doc, i % 2 === 0 ? { agent: 'x\ufffdy', s: '\ufffd' } : { agent: 'x\ufffdy' });
    }
  });
});
