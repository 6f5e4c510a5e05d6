-- Up Migration
-- CloudTrail Insights events: one row per Start or End, the two linked by shared_event_id.
CREATE TABLE cloudtrail_insights (
  event_time timestamptz NOT NULL,
  source_bucket text NOT NULL,
  source_key text NOT NULL,
  record_index integer NOT NULL,
  event_id text NOT NULL,
  event_version text,
  aws_region text,
  event_type text,
  recipient_account_id text,
  shared_event_id text,
  event_category text,
  state text,
  event_source text,
  event_name text,
  insight_type text,
  error_code text,
  baseline_average double precision,
  insight_average double precision,
  insight_duration double precision,
  baseline_duration double precision,
  attributions jsonb,
  insight_other_fields jsonb,
  other_fields jsonb,
  key_account_id text,
  key_region text,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_time, source_bucket, source_key, record_index)
) PARTITION BY RANGE (event_time);

CREATE INDEX cloudtrail_insights_shared_event ON cloudtrail_insights (shared_event_id);

-- Down Migration
DROP TABLE cloudtrail_insights;
