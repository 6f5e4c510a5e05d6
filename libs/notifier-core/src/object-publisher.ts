import type { KafkaProducer } from '@lake/kafka';
import { routeObject, type RoutingRules } from '@lake/object-keys';
import { counter, type Logger, type Registry } from '@lake/observability';
import { objectTag, type NotifierObjectsRepository, type ObjectRecord } from '@lake/pg';
import type { ObjectRef } from '@lake/s3-events';
import { codecs, type ObjectEvent } from '@lake/schemas';

export interface PublishSummary {
  published: number;
  duplicates: number;
  skipped: number;
}

export function toObjectEvent(
  ref: ObjectRef,
  kindInfo: Pick<ObjectEvent, 'kind' | 'accountId' | 'region'>,
  now = Date.now(),
): ObjectEvent {
  return {
    bucket: ref.bucket,
    key: ref.key,
    size: ref.size,
    etag: ref.etag,
    versionId: ref.versionId,
    sequencer: ref.sequencer,
    eventName: ref.eventName,
    eventTime: ref.eventTime,
    kind: kindInfo.kind,
    accountId: kindInfo.accountId,
    region: kindInfo.region,
    source: ref.via,
    discoveredAt: now,
  };
}

interface Candidate extends ObjectRecord {
  event: ObjectEvent;
}

/**
 * The one way objects reach the object-event topic, whatever announced them (SQS, SNS,
 * EventBridge, webhooks, listings): routed by key (kinds, include/exclude prefixes), published
 * once per object (bucket, key, ETag / versionId / sequencer) through the Postgres record, and
 * resolved only after Kafka acknowledged every event.
 */
export class ObjectPublisher {
  private readonly published;
  private readonly skipped;

  constructor(
    private readonly settings: { objectEventsTopic: string; routing: RoutingRules },
    private readonly deps: {
      producer: KafkaProducer;
      objects: NotifierObjectsRepository;
      metrics: Registry;
      logger: Logger;
    },
  ) {
    this.published = counter(
      deps.metrics,
      'lake_notifier_objects_total',
      'Object events published (acknowledged by Kafka), by kind and source',
      ['kind', 'source'],
    );
    this.skipped = counter(
      deps.metrics,
      'lake_notifier_objects_skipped_total',
      'Objects not published: kind (not a routed kind), excluded / not-included (prefix lists), duplicate (published before)',
      ['reason', 'source'],
    );
  }

  async publish(refs: readonly ObjectRef[], now = Date.now()): Promise<PublishSummary> {
    const candidates: Candidate[] = [];
    let skipped = 0;
    for (const ref of refs) {
      const route = routeObject(ref.bucket, ref.key, this.settings.routing);
      if (!route.publish) {
        skipped++;
        this.skipped.inc({ reason: route.reason, source: ref.via });
        continue;
      }
      const event = toObjectEvent(ref, route.info, now);
      candidates.push({
        bucket: ref.bucket,
        key: ref.key,
        objectTag: objectTag(ref),
        versionId: ref.versionId,
        sequencer: ref.sequencer,
        size: ref.size,
        kind: route.info.kind,
        source: ref.via,
        event,
      });
    }
    if (candidates.length === 0) {
      return { published: 0, duplicates: 0, skipped };
    }
    const result = await this.deps.objects.publishOnce(candidates, (fresh) =>
      this.deps.producer.send(
        this.settings.objectEventsTopic,
        fresh.map((c) => ({ key: `${c.bucket}/${c.key}`, value: codecs.objectEvent.encode(c.event) })),
      ),
    );
    for (const c of result.published) {
      this.published.inc({ kind: c.kind, source: c.source });
    }
    for (const c of result.duplicates) {
      this.skipped.inc({ reason: 'duplicate', source: c.source });
    }
    if (result.duplicates.length > 0) {
      this.deps.logger.debug(
        { duplicates: result.duplicates.slice(0, 10).map((c) => `${c.bucket}/${c.key}`) },
        'objects published before',
      );
    }
    return { published: result.published.length, duplicates: result.duplicates.length, skipped };
  }
}
