-- Up Migration
-- API keys of query-api. Only a SHA-256 of each key is stored: a key is 256 random bits, so a
-- fast hash is as safe as a slow one (nothing to brute-force); `id` is the public part of the key
-- (`lake_<id>_<secret>`), shown by `npm run api-key -- list` and used as the rate-limit bucket.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  key_sha256 bytea NOT NULL,
  -- requests per rate-limit window for this key; null = the service's RATE_LIMIT_MAX
  rate_limit integer CHECK (rate_limit > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  last_used_at timestamptz
);

-- Down Migration
DROP TABLE api_keys;
