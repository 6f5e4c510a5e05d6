-- Up Migration
-- NOTIFIER_RECORD_RETENTION_DAYS deletes the once-only records of objects published long ago.
CREATE INDEX notifier_objects_published_at ON notifier_objects (published_at);

-- Down Migration
DROP INDEX notifier_objects_published_at;
