-- Up Migration
-- The notifier's durable record of every object it published (one row per object, whatever
-- announced it: SQS, SNS, EventBridge, a webhook, a backfill or a reconciliation listing). The row is
-- inserted in the same transaction that waits for Kafka's acknowledgement, so a row exists only
-- for an object Kafka holds, and a replica or replay that finds it does not publish again.
-- object_tag identifies the object's content: the ETag without quotes, or 'v:'||versionId or
-- 's:'||sequencer when a notification carries no ETag (listings carry ETags but no sequencers).
CREATE TABLE notifier_objects (
  bucket text NOT NULL,
  key text NOT NULL,
  object_tag text NOT NULL,
  version_id text,
  sequencer text,
  size bigint,
  kind text NOT NULL,
  source text NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bucket, key, object_tag)
);

-- Backfill runs: the checkpoint (last key listed and published) that lets a killed run resume.
CREATE TABLE notifier_backfill_runs (
  run_id text PRIMARY KEY,
  bucket text NOT NULL,
  prefix text NOT NULL,
  from_day date,
  to_day date,
  last_key text,
  listed bigint NOT NULL DEFAULT 0,
  published bigint NOT NULL DEFAULT 0,
  already_seen bigint NOT NULL DEFAULT 0,
  skipped bigint NOT NULL DEFAULT 0,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

-- Down Migration
DROP TABLE notifier_backfill_runs;
DROP TABLE notifier_objects;
