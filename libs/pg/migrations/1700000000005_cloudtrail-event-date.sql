-- Up Migration
ALTER TABLE cloudtrail_events ADD COLUMN event_date date;

-- Down Migration
ALTER TABLE cloudtrail_events DROP COLUMN event_date;
