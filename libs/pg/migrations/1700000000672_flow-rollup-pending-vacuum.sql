-- Up Migration
-- flow_rollup_pending only ever receives rows and has them all deleted seconds later: vacuum it
-- by an absolute number of dead rows rather than a fraction of a table that is nearly always
-- empty, so readers, who scan it whole, do not scan dead rows.
ALTER TABLE flow_rollup_pending SET (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 50000,
  autovacuum_vacuum_insert_scale_factor = 0,
  autovacuum_vacuum_insert_threshold = 50000,
  autovacuum_analyze_scale_factor = 0,
  autovacuum_analyze_threshold = 50000
);

-- Down Migration
ALTER TABLE flow_rollup_pending RESET (
  autovacuum_vacuum_scale_factor,
  autovacuum_vacuum_threshold,
  autovacuum_vacuum_insert_scale_factor,
  autovacuum_vacuum_insert_threshold,
  autovacuum_analyze_scale_factor,
  autovacuum_analyze_threshold
);
