/**
 * The dashboard in real Chromium (Debian's chromium, driven by playwright-core): sample data in
 * Postgres as the sink writes it, query-api listening, the page opened with a key; the numbers it
 * shows must equal the API's answers. Screenshot: test-results/dashboard.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { PartitionManager } from '@lake/pg';
import { DATASET_START, cloudTrailDataset, flowDataset, writeAsSink } from '@lake/testing';
import { startTestApp, type TestApp } from './app.test-support';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..', '..');
const FROM = new Date(DATASET_START).toISOString();
const TO = new Date(DATASET_START + 3 * 3_600_000).toISOString();
const skip = existsSync(CHROMIUM)
  ? false
  : `Debian's chromium is not installed at ${CHROMIUM} (tools/scripts/ensure-chromium.sh could not install it)`;

describe('dashboard in Chromium', { skip }, () => {
  let t: TestApp;
  let browser: BrowserContext;
  let profile: string;
  let base: string;

  before(async () => {
    t = await startTestApp('qapi_dash');
    await writeAsSink(t.db.pool, { flows: flowDataset(1500), events: cloudTrailDataset(600) });
    // An Insights pair and dead letters, for their panels.
    await new PartitionManager(t.db.pool).ensure('cloudtrail_insights', [FROM.slice(0, 10)]);
    await t.db.pool.query(
      `INSERT INTO cloudtrail_insights (event_time, source_bucket, source_key, record_index, event_id,
         shared_event_id, state, event_source, event_name, insight_type, insight_average)
       VALUES ($1, 'trail', 'insight.json.gz', 0, 'i-1', 's-1', 'Start', 'ec2.amazonaws.com', 'RunInstances',
                'ApiCallRateInsight', 4.2),
              ($1::timestamptz + interval '15 minutes', 'trail', 'insight.json.gz', 1, 'i-2', 's-1', 'End',
                'ec2.amazonaws.com', 'RunInstances', 'ApiCallRateInsight', 4.2)`,
      [FROM],
    );
    await t.db.pool.query(
      `INSERT INTO dead_letters (kafka_topic, kafka_partition, kafka_offset, service, reason, message, occurred_at)
       SELECT 't', 0, i, 'flow-parser', CASE WHEN i <= 3 THEN 'FIELD_COUNT' ELSE 'NOT_GZIP' END, 'm',
              $1::timestamptz + i * interval '1 minute'
         FROM generate_series(1, 5) AS i`,
      [FROM],
    );
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    assert.ok(address && typeof address === 'object');
    base = `http://127.0.0.1:${address.port}`;
    profile = await mkdtemp(join(tmpdir(), 'lake-chromium-'));
    // A fresh profile (--user-data-dir, which playwright passes for a persistent context).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1500 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    if (profile) {
      await rm(profile, { recursive: true, force: true });
    }
  });

  const api = async (path: string, query: Record<string, string | number>) => {
    const res = await t.get(path, { from: FROM, to: TO, ...query });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ items: Record<string, unknown>[] }>().items;
  };

  it('asks for a key, then shows the same numbers as the API', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/dashboard?from=${FROM}&to=${TO}`);
    await page.locator('#keyform').waitFor({ state: 'visible' });
    await page.fill('#keyinput', t.key);
    await page.click('#keyform button[type=submit]');
    await page.locator('body[data-loaded="true"]').waitFor();
    for (const id of [
      'p-traffic',
      'p-talkers',
      'p-pairs',
      'p-rejected',
      'p-principals',
      'p-events',
      'p-insights',
      'p-deadletters',
    ]) {
      assert.equal(await page.getAttribute(`#${id}`, 'data-state'), 'ok', id);
    }
    const cells = (panel: string, field: string) =>
      page.$$eval(`#${panel} td[data-field="${field}"]`, (tds: { textContent: string | null }[]) =>
        tds.map((td) => td.textContent ?? ''),
      );
    const nf = new Intl.NumberFormat('en-US');

    const talkers = await api('/v1/flows/top-talkers', { by: 'connections', limit: 10 });
    assert.ok(talkers.length > 0);
    assert.deepEqual(
      await cells('p-talkers', 'srcaddr'),
      talkers.map((i) => String(i['srcaddr'])),
    );
    assert.deepEqual(
      await cells('p-talkers', 'flows'),
      talkers.map((i) => nf.format(i['flows'] as number)),
    );
    const pairs = await api('/v1/flows/top-pairs', { limit: 10 });
    assert.deepEqual(
      await cells('p-pairs', 'dstaddr'),
      pairs.map((i) => String(i['dstaddr'])),
    );
    assert.deepEqual(
      await cells('p-pairs', 'packets'),
      pairs.map((i) => nf.format(i['packets'] as number)),
    );
    const rejected = await api('/v1/flows/views/rejected', { limit: 10 });
    assert.deepEqual(
      await cells('p-rejected', 'flows'),
      rejected.map((i) => nf.format(i['flows'] as number)),
    );
    const principals = await api('/v1/cloudtrail/aggregates', { by: 'principal', limit: 10 });
    assert.deepEqual(
      await cells('p-principals', 'events'),
      principals.map((i) => nf.format(i['events'] as number)),
    );
    const byEvent = await api('/v1/cloudtrail/aggregates', { by: 'event_name', limit: 10 });
    assert.deepEqual(
      await cells('p-events', 'key'),
      byEvent.map((i) => String(i['key'])),
    );
    const insights = await api('/v1/cloudtrail/insights', { limit: 20 });
    assert.equal(insights.length, 2);
    assert.deepEqual(await cells('p-insights', 'state'), ['Start', 'End']);
    assert.deepEqual(
      await cells('p-insights', 'eventName'),
      insights.map((i) => (i['insightDetails'] as { eventName: string }).eventName),
    );
    const letters = (await t.get('/v1/dead-letters/counts', { from: FROM, to: TO })).json<{
      items: { reason: string; count: number }[];
    }>().items;
    assert.deepEqual(await cells('p-deadletters', 'reason'), ['FIELD_COUNT', 'NOT_GZIP']);
    assert.deepEqual(
      await cells('p-deadletters', 'count'),
      letters.map((i) => nf.format(i.count)),
    );
    const series = await api('/v1/flows/timeseries', { bucket: 'minute', split: 'action', limit: 1000 });
    const sum = (k: string) => series.reduce((s, i) => s + (i[k] as number), 0);
    assert.equal(Number(await page.getAttribute('#traffic-total', 'data-bytes')), sum('bytes'));
    assert.equal(Number(await page.getAttribute('#traffic-total', 'data-flows')), sum('flows'));
    assert.ok((await page.$$('#chart canvas')).length > 0, 'the chart is drawn');

    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results', 'dashboard.png'), fullPage: true });

    // "last 7 days (UTC)": whole UTC days, answered from the day rollups (not the hour rollup).
    const pairsReply = page.waitForResponse((r) => r.url().includes('/v1/flows/top-pairs'));
    await page.selectOption('#preset', 'day:7');
    const reply = (await (await pairsReply).json()) as { source: string };
    assert.match(reply.source, /^flow_pairs_(day|block)$/);
    // datetime-local values are in the browser's time zone, which is this process's too.
    const range = {
      from: new Date(await page.inputValue('#from')).toISOString(),
      to: new Date(await page.inputValue('#to')).toISOString(),
    };
    assert.match(range.from, /T00:00:00\.000Z$/);
    assert.equal(Date.parse(range.to) - Date.parse(range.from), 7 * 86_400_000);
    await page.locator('body[data-loaded="true"]').waitFor();
  });
});
