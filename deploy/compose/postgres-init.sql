-- Runs once, when the postgres container initialises an empty data volume
-- (/docker-entrypoint-initdb.d), as the POSTGRES_USER `lake`, in the database `lake`.
--
-- The sink connects as `lake`, owns the schema and creates its tables and daily partitions itself
-- (migrations at start). query-api connects as `lake_reader`, which may only read: it needs no more.

CREATE SCHEMA IF NOT EXISTS lake AUTHORIZATION lake;

CREATE ROLE lake_reader LOGIN PASSWORD 'lake_reader';
ALTER ROLE lake_reader SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE lake TO lake_reader;
GRANT USAGE ON SCHEMA lake TO lake_reader;
-- Tables, and the partitions the sink adds every day, are created later by `lake`: default
-- privileges give the reader SELECT on each of them as it appears.
ALTER DEFAULT PRIVILEGES FOR ROLE lake IN SCHEMA lake GRANT SELECT ON TABLES TO lake_reader;
