-- Up Migration
-- CloudTrail log file integrity: one row per verified digest (item DIGEST, log_file_key '') and
-- one per log file it lists (item LOG_FILE). The first verification of an item is kept; replays
-- of the same Kafka records change nothing.
CREATE TABLE digest_checks (
  digest_bucket text NOT NULL,
  digest_key text NOT NULL,
  log_file_bucket text NOT NULL DEFAULT '',
  log_file_key text NOT NULL DEFAULT '',
  item text NOT NULL,
  digest_start_time timestamptz,
  digest_end_time timestamptz,
  status text NOT NULL,
  chain_status text,
  signature_status text,
  detail text,
  checked_at timestamptz NOT NULL,
  PRIMARY KEY (digest_bucket, digest_key, log_file_bucket, log_file_key)
);

CREATE INDEX digest_checks_status ON digest_checks (status, checked_at);

-- Down Migration
DROP TABLE digest_checks;
