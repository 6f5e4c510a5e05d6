-- Up Migration
-- Rollups for dashboards, maintained by the sink in the same statement (and transaction) as the raw
-- rows, from the rows actually inserted (replays add nothing). Partitioned by UTC day of `bucket`
-- like the raw tables, so that retention drops whole partitions. NULLS NOT DISTINCT (Postgres 15)
-- lets ON CONFLICT merge groups whose dimensions are null (e.g. a flow without vpc_id).
-- Text dimensions use the "C" collation: byte comparison, faster in the wide unique indexes.

-- Flows (records with both addresses): per minute / hour bucket of event_time.
-- region is coalesce(region, key_region); account_id is the record's account-id.
CREATE TABLE flow_rollup_minute (
  bucket timestamptz NOT NULL,
  srcaddr inet NOT NULL,
  dstaddr inet NOT NULL,
  dstport integer,
  protocol smallint,
  action text COLLATE "C",
  interface_id text COLLATE "C",
  account_id text COLLATE "C",
  region text COLLATE "C",
  vpc_id text COLLATE "C",
  flows bigint NOT NULL,
  bytes bigint NOT NULL,
  packets bigint NOT NULL,
  CONSTRAINT flow_rollup_minute_dims UNIQUE NULLS NOT DISTINCT
    (bucket, srcaddr, dstaddr, dstport, protocol, action, interface_id, account_id, region, vpc_id)
) PARTITION BY RANGE (bucket);

CREATE TABLE flow_rollup_hour (LIKE flow_rollup_minute INCLUDING DEFAULTS) PARTITION BY RANGE (bucket);
ALTER TABLE flow_rollup_hour ADD CONSTRAINT flow_rollup_hour_dims UNIQUE NULLS NOT DISTINCT
  (bucket, srcaddr, dstaddr, dstport, protocol, action, interface_id, account_id, region, vpc_id);

-- CloudTrail events per minute / hour bucket of event_time; errors = events with is_error.
CREATE TABLE cloudtrail_rollup_minute (
  bucket timestamptz NOT NULL,
  event_source text COLLATE "C",
  event_name text COLLATE "C",
  principal text COLLATE "C",
  source_ip text COLLATE "C",
  error_code text COLLATE "C",
  region text COLLATE "C",
  events bigint NOT NULL,
  errors bigint NOT NULL,
  CONSTRAINT cloudtrail_rollup_minute_dims UNIQUE NULLS NOT DISTINCT
    (bucket, event_source, event_name, principal, source_ip, error_code, region)
) PARTITION BY RANGE (bucket);

CREATE TABLE cloudtrail_rollup_hour (LIKE cloudtrail_rollup_minute INCLUDING DEFAULTS)
  PARTITION BY RANGE (bucket);
ALTER TABLE cloudtrail_rollup_hour ADD CONSTRAINT cloudtrail_rollup_hour_dims UNIQUE NULLS NOT DISTINCT
  (bucket, event_source, event_name, principal, source_ip, error_code, region);

-- Oldest instant each rollup still covers after retention dropped partitions (absent: all of it).
-- The API answers from a rollup only when the rollup covers the whole requested range.
CREATE TABLE rollup_coverage (
  rollup text PRIMARY KEY,
  retained_from timestamptz NOT NULL
);

-- Backfill from raw rows already stored (a database upgraded to this version).
DO $$
DECLARE
  d date;
  t text;
BEGIN
  FOR t, d IN
    SELECT r.t, x.day FROM
      (SELECT DISTINCT (event_time AT TIME ZONE 'UTC')::date AS day FROM vpc_flow_records) x,
      unnest(ARRAY['flow_rollup_minute', 'flow_rollup_hour']) AS r(t)
    UNION ALL
    SELECT r.t, x.day FROM
      (SELECT DISTINCT (event_time AT TIME ZONE 'UTC')::date AS day FROM cloudtrail_events) x,
      unnest(ARRAY['cloudtrail_rollup_minute', 'cloudtrail_rollup_hour']) AS r(t)
  LOOP
    EXECUTE format(
      'CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
      t || '_p' || to_char(d, 'YYYYMMDD'), t, d::text || ' 00:00:00+00', (d + 1)::text || ' 00:00:00+00');
  END LOOP;
END $$;

INSERT INTO flow_rollup_minute
SELECT date_bin('1 minute', event_time, 'epoch'), srcaddr, dstaddr, dstport, protocol, action, interface_id,
       account_id, coalesce(region, key_region), vpc_id, count(*), coalesce(sum(bytes), 0), coalesce(sum(packets), 0)
  FROM vpc_flow_records WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
INSERT INTO flow_rollup_hour
SELECT date_bin('1 hour', event_time, 'epoch'), srcaddr, dstaddr, dstport, protocol, action, interface_id,
       account_id, coalesce(region, key_region), vpc_id, count(*), coalesce(sum(bytes), 0), coalesce(sum(packets), 0)
  FROM vpc_flow_records WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
INSERT INTO cloudtrail_rollup_minute
SELECT date_bin('1 minute', event_time, 'epoch'), event_source, event_name, principal, source_ip_address,
       error_code, aws_region, count(*), count(*) FILTER (WHERE is_error)
  FROM cloudtrail_events GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO cloudtrail_rollup_hour
SELECT date_bin('1 hour', event_time, 'epoch'), event_source, event_name, principal, source_ip_address,
       error_code, aws_region, count(*), count(*) FILTER (WHERE is_error)
  FROM cloudtrail_events GROUP BY 1, 2, 3, 4, 5, 6, 7;

-- Down Migration
DROP TABLE rollup_coverage;
DROP TABLE cloudtrail_rollup_hour;
DROP TABLE cloudtrail_rollup_minute;
DROP TABLE flow_rollup_hour;
DROP TABLE flow_rollup_minute;
