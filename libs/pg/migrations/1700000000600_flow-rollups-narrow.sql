-- Up Migration
-- Narrow flow rollups, one per question, instead of the wide minute rollup (which had about one
-- row per raw row on real traffic: response records carry the client's ephemeral port as dstport).
-- All are written by the sink in the same statement as the raw rows, like flow_rollup_hour.
--
-- flow_totals_minute / flow_totals_hour: no addresses, for traffic over time and IP versions.
-- flow_talkers_day: (srcaddr, dstaddr, dstport) per UTC day, with per-day lists in rank order
--   (indexes on flows and bytes) for an exact top-K over several days (threshold algorithm).
-- flow_pairs_day: (srcaddr, dstaddr) per UTC day, in bytes order.
-- Questions these cannot answer (other filters or splits) use flow_rollup_hour, else raw rows.
CREATE TABLE flow_totals_minute (
  bucket timestamptz NOT NULL,
  action text COLLATE "C",
  protocol smallint,
  account_id text COLLATE "C",
  region text COLLATE "C",
  vpc_id text COLLATE "C",
  ip_version smallint NOT NULL,
  flows bigint NOT NULL,
  bytes bigint NOT NULL,
  packets bigint NOT NULL,
  CONSTRAINT flow_totals_minute_dims UNIQUE NULLS NOT DISTINCT
    (bucket, action, protocol, account_id, region, vpc_id, ip_version)
) PARTITION BY RANGE (bucket);

CREATE TABLE flow_totals_hour (LIKE flow_totals_minute INCLUDING DEFAULTS) PARTITION BY RANGE (bucket);
ALTER TABLE flow_totals_hour ADD CONSTRAINT flow_totals_hour_dims UNIQUE NULLS NOT DISTINCT
  (bucket, action, protocol, account_id, region, vpc_id, ip_version);

CREATE TABLE flow_talkers_day (
  bucket timestamptz NOT NULL,
  srcaddr inet NOT NULL,
  dstaddr inet NOT NULL,
  dstport integer,
  flows bigint NOT NULL,
  bytes bigint NOT NULL,
  packets bigint NOT NULL,
  CONSTRAINT flow_talkers_day_dims UNIQUE NULLS NOT DISTINCT (bucket, srcaddr, dstaddr, dstport)
) PARTITION BY RANGE (bucket);
CREATE INDEX flow_talkers_day_flows ON flow_talkers_day (bucket, flows DESC);
CREATE INDEX flow_talkers_day_bytes ON flow_talkers_day (bucket, bytes DESC);

CREATE TABLE flow_pairs_day (
  bucket timestamptz NOT NULL,
  srcaddr inet NOT NULL,
  dstaddr inet NOT NULL,
  flows bigint NOT NULL,
  bytes bigint NOT NULL,
  packets bigint NOT NULL,
  CONSTRAINT flow_pairs_day_dims UNIQUE (bucket, srcaddr, dstaddr)
) PARTITION BY RANGE (bucket);
CREATE INDEX flow_pairs_day_bytes ON flow_pairs_day (bucket, bytes DESC);

DROP TABLE flow_rollup_minute;
DELETE FROM rollup_coverage WHERE rollup = 'flow_rollup_minute';

-- Backfill from raw rows already stored.
DO $$
DECLARE
  d date;
  t text;
BEGIN
  FOR t, d IN
    SELECT r.t, x.day FROM
      (SELECT DISTINCT (event_time AT TIME ZONE 'UTC')::date AS day FROM vpc_flow_records) x,
      unnest(ARRAY['flow_totals_minute', 'flow_totals_hour', 'flow_talkers_day', 'flow_pairs_day']) AS r(t)
  LOOP
    EXECUTE format(
      'CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
      t || '_p' || to_char(d, 'YYYYMMDD'), t, d::text || ' 00:00:00+00', (d + 1)::text || ' 00:00:00+00');
  END LOOP;
END $$;

INSERT INTO flow_totals_minute
SELECT date_bin('1 minute', event_time, 'epoch'), action, protocol, account_id, coalesce(region, key_region), vpc_id,
       family(srcaddr), count(*), coalesce(sum(bytes), 0), coalesce(sum(packets), 0)
  FROM vpc_flow_records WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO flow_totals_hour
SELECT date_bin('1 hour', event_time, 'epoch'), action, protocol, account_id, coalesce(region, key_region), vpc_id,
       family(srcaddr), count(*), coalesce(sum(bytes), 0), coalesce(sum(packets), 0)
  FROM vpc_flow_records WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO flow_talkers_day
SELECT date_bin('1 day', event_time, 'epoch'), srcaddr, dstaddr, dstport,
       count(*), coalesce(sum(bytes), 0), coalesce(sum(packets), 0)
  FROM vpc_flow_records WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL
 GROUP BY 1, 2, 3, 4;
INSERT INTO flow_pairs_day
SELECT date_bin('1 day', event_time, 'epoch'), srcaddr, dstaddr,
       count(*), coalesce(sum(bytes), 0), coalesce(sum(packets), 0)
  FROM vpc_flow_records WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL
 GROUP BY 1, 2, 3;

-- Down Migration
DROP TABLE flow_pairs_day;
DROP TABLE flow_talkers_day;
DROP TABLE flow_totals_hour;
DROP TABLE flow_totals_minute;
CREATE TABLE flow_rollup_minute (LIKE flow_rollup_hour INCLUDING DEFAULTS) PARTITION BY RANGE (bucket);
ALTER TABLE flow_rollup_minute ADD CONSTRAINT flow_rollup_minute_dims UNIQUE NULLS NOT DISTINCT
  (bucket, srcaddr, dstaddr, dstport, protocol, action, interface_id, account_id, region, vpc_id);
