/**
 * CSV / NDJSON export against real Postgres, over a real socket: 200 000 flow rows stream out
 * whole (no page limit), parse back to the same rows and sums; a client that goes away frees the
 * connection; every list endpoint exports what its JSON pages hold.
 */
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import pino from 'pino';
import { Registry } from 'prom-client';
import { PartitionManager } from '@lake/pg';
import { waitFor } from '@lake/testing';
import { buildApp } from './app';
import { startTestApp, type TestApp } from './app.test-support';

const ROWS = 200_000;
const DAY = { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' };

describe('export (CSV, NDJSON)', () => {
  let t: TestApp;
  let base: string;
  let totalBytes: number;

  before(async () => {
    t = await startTestApp('qapi_export');
    await new PartitionManager(t.db.pool).ensure('vpc_flow_records', ['2024-05-01']);
    await new PartitionManager(t.db.pool).ensure('cloudtrail_events', ['2024-05-01']);
    // One row per 100 ms of the day; every 10th rejected; a JSONB value with a comma, quotes and a
    // newline on every 1000th row, to exercise CSV quoting.
    await t.db.pool.query(
      `INSERT INTO vpc_flow_records (event_time, source_bucket, source_key, source_line, version,
         account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes,
         action, log_status, extra)
       SELECT timestamptz '2024-05-01 00:00:00+00' + i * interval '100 milliseconds', 'bucket',
         'AWSLogs/111122223333/vpcflowlogs/x.log.gz', i, 2, '111122223333', 'eni-0a1b2c3d',
         ('10.0.' || (i / 256) % 256 || '.' || i % 256)::inet, '192.0.2.10'::inet, 40000 + i % 1000,
         CASE WHEN i % 2 = 0 THEN 443 ELSE 22 END, 6, i % 100, i,
         CASE WHEN i % 10 = 0 THEN 'REJECT' ELSE 'ACCEPT' END, 'OK',
         CASE WHEN i % 1000 = 0 THEN jsonb_build_object('note', 'a,"b"' || chr(10) || 'c') END
       FROM generate_series(1, $1) AS i`,
      [ROWS],
    );
    totalBytes = ((ROWS + 1) * ROWS) / 2;
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    assert.ok(address && typeof address === 'object');
    base = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    await t?.close();
  });

  const open = async (path: string, query: Record<string, string>, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}?${new URLSearchParams(query).toString()}`, {
      headers: { 'x-api-key': t.key, ...headers },
    });
    if (res.status !== 200 || !res.body) {
      throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    }
    return { res, body: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>) };
  };

  it(`streams all ${ROWS} rows as CSV (Accept: text/csv) that parses back, page limit lifted`, async () => {
    const { res, body } = await open('/v1/flows', DAY, { accept: 'text/csv' });
    assert.match(String(res.headers.get('content-type')), /^text\/csv/);
    assert.match(String(res.headers.get('content-disposition')), /attachment; filename="flows.csv"/);
    // Streamed: no content-length, sent in chunks as rows come out of the cursor.
    assert.equal(res.headers.get('content-length'), null);
    assert.equal(res.headers.get('transfer-encoding'), 'chunked');
    let count = 0;
    let bytes = 0;
    let lastLine = 0;
    let quoted: unknown;
    let header: string[] = [];
    const parser = body.pipe(
      parse({
        columns: (h: string[]) => {
          header = h;
          return h;
        },
      }),
    );
    for await (const row of parser as AsyncIterable<Record<string, string>>) {
      count++;
      bytes += Number(row['bytes']);
      const line = Number(row['source_line']);
      assert.ok(line > lastLine, 'in page order');
      lastLine = line;
      if (line === 5000) {
        quoted = JSON.parse(row['extra']!);
        assert.equal(row['event_time'], '2024-05-01T00:08:20.000Z');
        assert.equal(row['srcaddr'], '10.0.19.136');
        assert.equal(row['action'], 'REJECT');
      }
    }
    assert.equal(count, ROWS);
    assert.equal(bytes, totalBytes);
    assert.deepEqual(quoted, { note: 'a,"b"\nc' });
    assert.ok(header.includes('event_time') && header.includes('extra') && header.includes('srcaddr'));
  });

  it('streams NDJSON (format=ndjson) whose lines parse, with filters applied', async () => {
    const { res, body } = await open('/v1/flows', { ...DAY, action: 'REJECT', format: 'ndjson' });
    assert.match(String(res.headers.get('content-type')), /^application\/x-ndjson/);
    let count = 0;
    let bytes = 0;
    for await (const line of createInterface({ input: body, crlfDelay: Infinity })) {
      const row = JSON.parse(line) as { action: string; bytes: number; event_time: string };
      assert.equal(row.action, 'REJECT');
      count++;
      bytes += row.bytes;
    }
    assert.equal(count, ROWS / 10);
    // i = 10, 20, …, ROWS
    assert.equal(bytes, (10 * (ROWS / 10) * (ROWS / 10 + 1)) / 2);
  });

  it('starts an export at a cursor, and the format parameter beats the Accept header', async () => {
    const rejected = { ...DAY, action: 'REJECT' };
    const first = await t.get('/v1/flows', { ...rejected, limit: 5 });
    const { nextCursor } = first.json<{ nextCursor: string }>();
    const { body } = await open(
      '/v1/flows',
      { ...rejected, cursor: nextCursor, format: 'ndjson' },
      { accept: 'text/csv' },
    );
    let firstLine: number | undefined;
    let count = 0;
    for await (const line of createInterface({ input: body, crlfDelay: Infinity })) {
      firstLine ??= (JSON.parse(line) as { source_line: number }).source_line;
      count++;
    }
    // Rejected rows are lines 10, 20, …: the page held 10…50.
    assert.equal(firstLine, 60);
    assert.equal(count, ROWS / 10 - 5);
    // format=json: a page, whatever Accept says.
    const page = await t.inject({
      url: '/v1/flows',
      query: { ...DAY, format: 'json', limit: '3' },
      headers: { 'x-api-key': t.key, accept: 'text/csv' },
    });
    assert.equal(page.json<{ items: unknown[] }>().items.length, 3);
  });

  it('writes the CSV header even when no row matches', async () => {
    const res = await t.inject({
      url: '/v1/flows',
      query: { ...DAY, dstport: '9', format: 'csv' },
      headers: { 'x-api-key': t.key },
    });
    assert.equal(res.statusCode, 200);
    const lines = res.body.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^event_time,source_bucket,source_key,source_line,/);
  });

  it('answers bad input with 400 before streaming', async () => {
    const bad = await t.inject({
      url: '/v1/flows',
      query: { ...DAY, format: 'xml' },
      headers: { 'x-api-key': t.key },
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json<{ message: string }>().message, /format/);
    const cursor = await t.inject({
      url: '/v1/flows',
      query: { ...DAY, format: 'csv', cursor: 'garbage' },
      headers: { 'x-api-key': t.key },
    });
    assert.equal(cursor.statusCode, 400);
  });

  it('frees the database connection when the client goes away mid-export', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/flows?${new URLSearchParams({ ...DAY, format: 'csv' }).toString()}`, {
      headers: { 'x-api-key': t.key },
      signal: controller.signal,
    });
    const reader = (res.body as WebReadableStream<Uint8Array>).getReader();
    const { value } = await reader.read();
    assert.ok(value && value.length > 0);
    // Mid-export, the cursor holds one pooled connection.
    assert.ok(t.db.pool.totalCount - t.db.pool.idleCount >= 1);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await waitFor('the export connection to return to the pool', async () =>
      t.db.pool.totalCount === t.db.pool.idleCount ? true : undefined,
    );
    // …and the pool still serves queries.
    assert.equal((await t.get('/v1/flows', { ...DAY, limit: 1 })).statusCode, 200);
  });

  it('cuts off an export whose client stopped reading, freeing the cursor', async () => {
    const app = await buildApp({
      pool: t.db.pool,
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
      exportStallSeconds: 1,
    });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      assert.ok(address && typeof address === 'object');
      const res = await fetch(
        `http://127.0.0.1:${address.port}/v1/flows?${new URLSearchParams({ ...DAY, format: 'csv' }).toString()}`,
        { headers: { 'x-api-key': t.key } },
      );
      const reader = res.body!.getReader();
      assert.ok((await reader.read()).value);
      // Read no more: buffers fill, the server cannot write, and after 1 s of that it closes the socket.
      await waitFor('the stalled export to be cut off', async () =>
        t.db.pool.totalCount === t.db.pool.idleCount ? true : undefined,
      );
      await assert.rejects(async () => {
        for (;;) {
          const { done } = await reader.read();
          if (done) {
            throw new Error('ended without error');
          }
        }
      });
    } finally {
      await app.close();
    }
  });

  it('documents CSV and NDJSON next to the JSON page in the OpenAPI document of export routes only', async () => {
    const doc = (await t.get('/openapi.json', {})).json<{
      paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }>;
    }>();
    const types = (path: string) => Object.keys(doc.paths[path]?.get?.responses['200']?.content ?? {}).sort();
    for (const path of ['/v1/flows', '/v1/cloudtrail/events', '/v1/dead-letters', '/v1/tgw/flows']) {
      assert.deepEqual(types(path), ['application/json', 'application/x-ndjson', 'text/csv'], path);
    }
    assert.deepEqual(types('/v1/flows/top-talkers'), ['application/json']);
    // The JSON page is still serialized by its schema: no column outside it leaks out.
    const page = await t.get('/v1/flows', { ...DAY, limit: 1 });
    assert.match(String(page.headers['content-type']), /^application\/json/);
    assert.deepEqual(Object.keys(page.json<Record<string, unknown>>()).sort(), ['items', 'nextCursor']);
  });

  it('exports every list endpoint with the rows its JSON pages hold', async () => {
    await t.db.pool.query(
      `INSERT INTO cloudtrail_events (event_time, source_bucket, source_key, record_index, event_name,
         event_source, is_error, request_parameters, read_only)
       SELECT timestamptz '2024-05-01 10:00:00+00' + i * interval '1 second', 'b', 'k', i, 'GetObject',
         's3.amazonaws.com', false, jsonb_build_object('bucketName', 'bkt', 'key', 'k' || i), true
       FROM generate_series(1, 25) AS i`,
    );
    await t.db.pool.query(
      `INSERT INTO dead_letters (kafka_topic, kafka_partition, kafka_offset, service, bucket, key, position,
         reason, message, payload, occurred_at)
       VALUES ('t', 0, 1, 'flow-parser', 'b', 'k1', 3, 'FIELD_COUNT', 'expected 14 fields', 'bad line'::bytea, '2024-05-01T01:00:00Z'),
              ('t', 0, 2, 'flow-parser', 'b', 'k2', null, 'NOT_GZIP', 'not gzip', '\\x1f00ff'::bytea, '2024-05-01T02:00:00Z')`,
    );
    for (const [path, query] of [
      ['/v1/cloudtrail/events', DAY],
      ['/v1/dead-letters', DAY],
      ['/v1/cloudtrail/insights', DAY],
      ['/v1/cloudtrail/digest-checks', {}],
      ['/v1/tgw/flows', DAY],
    ] as const) {
      const page = await t.get(path, { ...query, limit: 1000 });
      assert.equal(page.statusCode, 200, page.body);
      const items = page.json<{ items: Record<string, unknown>[] }>().items;
      const nd = await t.get(path, { ...query, format: 'ndjson' });
      assert.equal(nd.statusCode, 200, nd.body);
      const lines = nd.body
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(lines, JSON.parse(JSON.stringify(items)), path);
      const csv = await t.get(path, { ...query, format: 'csv' });
      assert.equal(csv.statusCode, 200, csv.body);
      const records = parseSync<Record<string, string>>(csv.body, { columns: true });
      assert.equal(records.length, items.length, path);
    }
    const letters = (await t.get('/v1/dead-letters', { ...DAY, format: 'ndjson' })).body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(letters.length, 2);
    assert.equal(letters[0]!['payload'], 'bad line');
    assert.equal(letters[1]!['payload'], null);
    assert.equal(letters[1]!['payload_base64'], Buffer.from([0x1f, 0x00, 0xff]).toString('base64'));
  });
});
