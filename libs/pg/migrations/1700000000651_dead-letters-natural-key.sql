-- Up Migration
-- A parser that reads an object again (a retried or redelivered object event) publishes the same
-- dead letters again, at new Kafka offsets: keyed by Kafka coordinates alone they were stored
-- twice. Letters about a place in an object (bucket and key known) are now also unique by service,
-- object, position and reason, as flow and CloudTrail rows are unique by object and position; the
-- sink inserts with ON CONFLICT DO NOTHING on either key. Letters without an object (a message that
-- was not an S3 notification, an undecodable Avro message) stay keyed by their Kafka coordinates.
DELETE FROM dead_letters d
 USING dead_letters e
 WHERE d.bucket IS NOT NULL AND d.key IS NOT NULL
   AND e.service = d.service AND e.bucket = d.bucket AND e.key = d.key
   AND e.position IS NOT DISTINCT FROM d.position AND e.reason = d.reason
   AND e.id < d.id;
CREATE UNIQUE INDEX dead_letters_natural_key ON dead_letters (service, bucket, key, position, reason)
  NULLS NOT DISTINCT WHERE bucket IS NOT NULL AND key IS NOT NULL;

-- Down Migration
DROP INDEX dead_letters_natural_key;
