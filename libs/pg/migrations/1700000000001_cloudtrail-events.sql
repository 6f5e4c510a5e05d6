-- Up Migration
-- CloudTrail records, one row per record, partitioned by day of event_time (UTC).
-- Columns are the snake_case forms of CloudTrail's names; free-form fields are JSONB, kept whole.
CREATE TABLE cloudtrail_events (
  event_time timestamptz NOT NULL,
  source_bucket text NOT NULL,
  source_key text NOT NULL,
  record_index integer NOT NULL,
  event_id text,
  event_version text,
  event_source text,
  event_name text,
  aws_region text,
  -- text, not inet: CloudTrail writes service names here too (e.g. "ec2.amazonaws.com").
  source_ip_address text,
  user_agent text,
  error_code text,
  error_message text,
  user_identity jsonb,
  user_identity_type text,
  user_identity_arn text,
  user_identity_account_id text,
  user_identity_access_key_id text,
  user_identity_user_name text,
  principal text,
  is_error boolean NOT NULL,
  request_parameters jsonb,
  response_elements jsonb,
  additional_event_data jsonb,
  request_id text,
  read_only boolean,
  resources jsonb,
  event_type text,
  api_version text,
  management_event boolean,
  recipient_account_id text,
  shared_event_id text,
  vpc_endpoint_id text,
  event_category text,
  service_event_details jsonb,
  tls_details jsonb,
  session_credential_from_console text,
  edge_device_details jsonb,
  addendum jsonb,
  other_fields jsonb,
  key_account_id text,
  key_region text,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_time, source_bucket, source_key, record_index)
) PARTITION BY RANGE (event_time);

CREATE INDEX cloudtrail_events_event_name ON cloudtrail_events (event_name, event_time);
CREATE INDEX cloudtrail_events_principal ON cloudtrail_events (principal, event_time);

-- Dead letters from every service, for the API and operators.
CREATE TABLE dead_letters (
  id bigserial PRIMARY KEY,
  kafka_topic text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset bigint NOT NULL,
  service text NOT NULL,
  bucket text,
  key text,
  position bigint,
  reason text NOT NULL,
  message text NOT NULL,
  payload bytea,
  payload_truncated boolean NOT NULL DEFAULT false,
  occurred_at timestamptz NOT NULL,
  UNIQUE (kafka_topic, kafka_partition, kafka_offset)
);

-- Down Migration
DROP TABLE dead_letters;
DROP TABLE cloudtrail_events;
