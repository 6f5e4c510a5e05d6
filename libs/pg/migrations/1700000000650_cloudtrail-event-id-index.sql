-- Up Migration
-- GET /v1/cloudtrail/events/{eventId} looks an event up by its eventID, usually without a time
-- range: one index probe per day partition instead of a scan of every partition.
CREATE INDEX cloudtrail_events_event_id ON cloudtrail_events (event_id);

-- Down Migration
DROP INDEX cloudtrail_events_event_id;
