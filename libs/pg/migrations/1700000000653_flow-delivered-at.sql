-- Up Migration
-- The delivery time AWS writes in a flow-log file's name (…_20240501T1205Z_…), kept per record
-- like the account, region and flow-log id taken from the key. Null for older rows and for keys
-- without it. ADD COLUMN with no default is a catalog change only (no table rewrite).
ALTER TABLE vpc_flow_records ADD COLUMN delivered_at timestamptz;
ALTER TABLE tgw_flow_records ADD COLUMN delivered_at timestamptz;

-- Down Migration
ALTER TABLE tgw_flow_records DROP COLUMN delivered_at;
ALTER TABLE vpc_flow_records DROP COLUMN delivered_at;
