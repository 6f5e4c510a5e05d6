-- Up Migration
-- Flow rows not yet in the flow rollups. The sink COPYs, in the same transaction as the raw rows,
-- the columns the rollups read of each row it inserted (no index, no conflict, no lock another
-- batch waits for); its maintenance folds them into every flow rollup every few seconds, in one
-- statement that deletes the rows it adds. A flow rollup's content is its table plus the pending
-- rows aggregated the same way (rollupRelation): readers sum both, so answers are exact at every
-- moment. Not partitioned: rows live seconds.
CREATE TABLE flow_rollup_pending AS
  SELECT event_time, srcaddr, dstaddr, dstport, protocol, action, interface_id, account_id, vpc_id,
         region, key_region, bytes, packets
    FROM vpc_flow_records WITH NO DATA;

-- Down Migration
-- Stop the sinks first: a stopping sink folds what is pending, which this would otherwise lose.
DROP TABLE flow_rollup_pending;
