-- Up Migration
-- Multi-day blocks of the ranked day rollups (flow_talkers_day, flow_pairs_day): the same rows
-- summed over 2, 4 or 8 days, each block starting on a multiple of its size (days since the epoch).
-- A top-K over many days then reads a few long lists instead of one list per day: the threshold
-- algorithm stops far sooner (its bound is a sum over lists), and the answer is still exact.
-- Blocks are built from the day rollups by the sink's maintenance, never by the raw INSERT; a block
-- records the flow count of each of its days when it was built (`day_flows`), and is used only
-- while those counts are unchanged (rollups only grow, so an unchanged count is unchanged content).
CREATE TABLE rollup_blocks (
  rollup text NOT NULL,
  days smallint NOT NULL,
  bucket timestamptz NOT NULL,
  day_flows bigint[] NOT NULL,
  built_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rollup, days, bucket)
);

CREATE TABLE flow_talkers_block (
  days smallint NOT NULL,
  bucket timestamptz NOT NULL,
  srcaddr inet NOT NULL,
  dstaddr inet NOT NULL,
  dstport integer,
  flows bigint NOT NULL,
  bytes bigint NOT NULL,
  packets bigint NOT NULL,
  CONSTRAINT flow_talkers_block_dims UNIQUE NULLS NOT DISTINCT (days, bucket, srcaddr, dstaddr, dstport)
);
CREATE INDEX flow_talkers_block_flows ON flow_talkers_block (days, bucket, flows DESC);
CREATE INDEX flow_talkers_block_bytes ON flow_talkers_block (days, bucket, bytes DESC);

CREATE TABLE flow_pairs_block (
  days smallint NOT NULL,
  bucket timestamptz NOT NULL,
  srcaddr inet NOT NULL,
  dstaddr inet NOT NULL,
  flows bigint NOT NULL,
  bytes bigint NOT NULL,
  packets bigint NOT NULL,
  CONSTRAINT flow_pairs_block_dims PRIMARY KEY (days, bucket, srcaddr, dstaddr)
);
CREATE INDEX flow_pairs_block_bytes ON flow_pairs_block (days, bucket, bytes DESC);

-- Down Migration
DROP TABLE flow_pairs_block;
DROP TABLE flow_talkers_block;
DROP TABLE rollup_blocks;
