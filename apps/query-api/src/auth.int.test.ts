/**
 * API keys and rate limits against real Postgres: every route but /health, /ready (and the pages
 * that hold no data) needs a key; a revoked, unknown or malformed key gets 401 with the reason;
 * each key has its own rate-limit bucket and a 429 says why.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiKeysRepository } from '@lake/pg';
import { startTestApp, type TestApp } from './app.test-support';

const RANGE = { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' };

describe('query-api authentication', () => {
  let t: TestApp;
  let keys: ApiKeysRepository;
  before(async () => {
    t = await startTestApp('qapi_auth', { rateLimit: { max: 3, windowSeconds: 3600 } });
    keys = new ApiKeysRepository(t.db.pool);
  });
  after(async () => {
    await t?.close();
  });

  const message = (res: { json: () => unknown }) => (res.json() as { message: string }).message;

  it('serves /health and /ready without a key', async () => {
    assert.equal((await t.inject({ url: '/health' })).statusCode, 200);
    assert.equal((await t.inject({ url: '/ready' })).statusCode, 200);
  });

  it('serves the OpenAPI UI and document without a key, documenting the API-key scheme', async () => {
    const ui = await t.inject({ url: '/docs/' });
    assert.equal(ui.statusCode, 200);
    assert.match(String(ui.headers['content-type']), /^text\/html/);
    assert.match(ui.body, /swagger-ui/i);
    const doc = await t.inject({ url: '/openapi.json' });
    assert.equal(doc.statusCode, 200);
    const spec = doc.json<{
      openapi: string;
      paths: Record<string, unknown>;
      components?: { securitySchemes?: object };
    }>();
    assert.match(spec.openapi, /^3\./);
    assert.ok('/v1/flows/top-talkers' in spec.paths);
    assert.ok(spec.components?.securitySchemes, 'security schemes documented');
  });

  it('refuses data routes, /metrics and unknown routes without a key, with a reason', async () => {
    for (const url of ['/v1/flows', '/v1/cloudtrail/events', '/v1/dead-letters', '/metrics', '/nope']) {
      const res = await t.inject({ url });
      assert.equal(res.statusCode, 401, url);
      assert.match(message(res), /API key required/);
      assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    }
  });

  it('accepts the key as x-api-key and as a bearer token', async () => {
    const { key } = await keys.create('both-headers');
    const a = await t.inject({ url: '/v1/flows', query: RANGE, headers: { 'x-api-key': key } });
    assert.equal(a.statusCode, 200, a.body);
    const b = await t.inject({ url: '/v1/flows', query: RANGE, headers: { authorization: `Bearer ${key}` } });
    assert.equal(b.statusCode, 200, b.body);
  });

  it('says why a key is refused: malformed, unknown, revoked, wrong scheme', async () => {
    const { id, key } = await keys.create('to-revoke');
    const malformed = await t.inject({ url: '/v1/flows', headers: { 'x-api-key': 'hunter2' } });
    assert.equal(malformed.statusCode, 401);
    assert.match(message(malformed), /malformed/);
    // Right id, wrong secret: the hash does not match.
    const forged = `${key.slice(0, -4)}AAAA`;
    const unknown = await t.inject({ url: '/v1/flows', headers: { 'x-api-key': forged } });
    assert.equal(unknown.statusCode, 401);
    assert.match(message(unknown), /not valid/);
    const basic = await t.inject({ url: '/v1/flows', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(basic.statusCode, 401);
    assert.match(message(basic), /Bearer/);

    assert.equal((await t.inject({ url: '/v1/flows', headers: { 'x-api-key': key } })).statusCode, 200);
    assert.equal(await keys.revoke(id), true);
    const revoked = await t.inject({ url: '/v1/flows', headers: { 'x-api-key': key } });
    assert.equal(revoked.statusCode, 401);
    assert.match(message(revoked), /revoked/);
    assert.equal(await keys.revoke('000000000000'), false);
  });

  it('stores only a hash of the key, and lists keys without it', async () => {
    const { id, key } = await keys.create('listed');
    const { rows } = await t.db.pool.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [
      id,
    ]);
    const stored = JSON.stringify(rows[0], (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v));
    // The secret is everything after `lake_<id>_` (base64url, so it may itself hold `_`).
    const secret = key.slice('lake_'.length + id.length + 1);
    assert.equal(secret.length, 43);
    assert.ok(!stored.includes(secret), 'the secret is not stored');
    const listed = await keys.list();
    assert.ok(listed.some((k) => k.id === id && k.name === 'listed'));
    assert.ok(!JSON.stringify(listed).includes(key));
  });

  it('rate-limits per key: 429 with a reason after max requests, other keys unaffected', async () => {
    const a = (await keys.create('limited-a')).key;
    const b = (await keys.create('limited-b')).key;
    const call = (key: string) => t.inject({ url: '/v1/dead-letters', headers: { 'x-api-key': key } });
    for (let i = 0; i < 3; i++) {
      const res = await call(a);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-ratelimit-remaining'], String(2 - i));
    }
    const limited = await call(a);
    assert.equal(limited.statusCode, 429);
    assert.match(message(limited), /rate limit of 3 requests per 3600 s exceeded/);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal((await call(b)).statusCode, 200);
    // /health is never limited.
    for (let i = 0; i < 5; i++) {
      assert.equal((await t.inject({ url: '/health' })).statusCode, 200);
    }
  });

  it('gives a key created with its own rate limit that limit', async () => {
    const { key } = await keys.create('generous', { rateLimit: 5 });
    for (let i = 0; i < 5; i++) {
      const res = await t.inject({ url: '/v1/dead-letters', headers: { 'x-api-key': key } });
      assert.equal(res.statusCode, 200);
    }
    const res = await t.inject({ url: '/v1/dead-letters', headers: { 'x-api-key': key } });
    assert.equal(res.statusCode, 429);
  });
});
