-- Up Migration
-- VPC flow records, one row per record, partitioned by day of event_time (UTC).
-- Columns of AWS fields are the AWS names with '-' replaced by '_' (Athena's names).
-- The primary key is the natural key of a record (source object + line), led by event_time so
-- that it also serves time-range scans and keyset pagination; replays hit it and are ignored.
CREATE TABLE vpc_flow_records (
  event_time timestamptz NOT NULL,
  source_bucket text NOT NULL,
  source_key text NOT NULL,
  source_line bigint NOT NULL,
  version smallint,
  account_id text,
  interface_id text,
  srcaddr inet,
  dstaddr inet,
  srcport integer,
  dstport integer,
  protocol smallint,
  packets bigint,
  bytes bigint,
  start bigint,
  "end" bigint,
  action text,
  log_status text,
  vpc_id text,
  subnet_id text,
  instance_id text,
  tcp_flags smallint,
  type text,
  pkt_srcaddr inet,
  pkt_dstaddr inet,
  region text,
  az_id text,
  sublocation_type text,
  sublocation_id text,
  pkt_src_aws_service text,
  pkt_dst_aws_service text,
  flow_direction text,
  traffic_path smallint,
  ecs_cluster_arn text,
  ecs_cluster_name text,
  ecs_container_instance_arn text,
  ecs_container_instance_id text,
  ecs_container_id text,
  ecs_second_container_id text,
  ecs_service_name text,
  ecs_task_definition_arn text,
  ecs_task_arn text,
  ecs_task_id text,
  reject_reason text,
  resource_id text,
  encryption_status smallint,
  flow_log_id text,
  key_account_id text,
  key_region text,
  extra jsonb,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_time, source_bucket, source_key, source_line)
) PARTITION BY RANGE (event_time);

CREATE INDEX vpc_flow_records_srcaddr ON vpc_flow_records (srcaddr, event_time);
CREATE INDEX vpc_flow_records_dstaddr ON vpc_flow_records (dstaddr, event_time);

-- Down Migration
DROP TABLE vpc_flow_records;
