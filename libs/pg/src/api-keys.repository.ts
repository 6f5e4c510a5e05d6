import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { PgSetupError } from './pg.errors';

/**
 * API keys look like `lake_<id>_<secret>`: `id` is 12 hex characters shown in listings and used as
 * the rate-limit bucket; `secret` is 32 random bytes (base64url). Only SHA-256 of the whole key is
 * stored: with 256 random bits there is nothing to brute-force, so a slow hash would add latency
 * to every request and no safety.
 */
const KEY_PATTERN = /^lake_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyInfo {
  id: string;
  name: string;
  rate_limit: number | null;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface CreatedApiKey extends ApiKeyInfo {
  /** The key itself: shown once, never stored. */
  key: string;
}

/** Why a presented key was refused (stable codes, shown to the client). */
export type ApiKeyRefusal = 'malformed' | 'unknown' | 'revoked';

export type ApiKeyCheck = { ok: true; key: ApiKeyInfo } | { ok: false; reason: ApiKeyRefusal };

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** `api_keys`: create, list, revoke, and check a presented key. */
export class ApiKeysRepository {
  /** @param pool a pool, or one client (e.g. inside a transaction that set the search_path) */
  constructor(private readonly pool: pg.Pool | pg.PoolClient) {}

  async create(name: string, options: { rateLimit?: number } = {}): Promise<CreatedApiKey> {
    if (name.trim() === '') {
      throw new PgSetupError('API_KEY_INVALID', 'an API key needs a name');
    }
    const id = randomBytes(6).toString('hex');
    const key = `lake_${id}_${randomBytes(32).toString('base64url')}`;
    const { rows } = await this.pool.query<ApiKeyInfo>(
      `INSERT INTO api_keys (id, name, key_sha256, rate_limit) VALUES ($1, $2, $3, $4)
       RETURNING id, name, rate_limit, created_at, revoked_at, last_used_at`,
      [id, name, sha256(key), options.rateLimit ?? null],
    );
    return { ...rows[0]!, key };
  }

  async list(): Promise<ApiKeyInfo[]> {
    const { rows } = await this.pool.query<ApiKeyInfo>(
      'SELECT id, name, rate_limit, created_at, revoked_at, last_used_at FROM api_keys ORDER BY created_at, id',
    );
    return rows;
  }

  /** Revokes a key by id; false when there is no such key. Revoking twice keeps the first time. */
  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1',
      [id],
    );
    return rowCount === 1;
  }

  /** Checks a key presented by a client: one primary-key lookup and a constant-time compare. */
  async check(presented: string): Promise<ApiKeyCheck> {
    const m = KEY_PATTERN.exec(presented);
    if (!m) {
      return { ok: false, reason: 'malformed' };
    }
    const { rows } = await this.pool.query<ApiKeyInfo & { key_sha256: Buffer }>(
      'SELECT id, name, rate_limit, created_at, revoked_at, last_used_at, key_sha256 FROM api_keys WHERE id = $1',
      [m[1]],
    );
    const row = rows[0];
    if (!row || !timingSafeEqual(row.key_sha256, sha256(presented))) {
      return { ok: false, reason: 'unknown' };
    }
    const { key_sha256: _hash, ...key } = row;
    return key.revoked_at ? { ok: false, reason: 'revoked' } : { ok: true, key };
  }

  /** Records use; callers throttle it (one write per key per minute is plenty for `list`). */
  async touch(id: string): Promise<void> {
    await this.pool.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [id]);
  }
}
