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
    const series = await api('/v1/flows/timeseries', { bucket: 'minute', split: 'action', limit: 1000 });
    const sum = (k: string) => series.reduce((s, i) => s + (i[k] as number), 0);
    assert.equal(Number(await page.getAttribute('#traffic-total', 'data-bytes')), sum('bytes'));
    assert.equal(Number(await page.getAttribute('#traffic-total', 'data-flows')), sum('flows'));
    assert.ok((await page.$$('#chart canvas')).length > 0, 'the chart is drawn');

    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results', 'dashboard.png'), fullPage: true });
  });
});
