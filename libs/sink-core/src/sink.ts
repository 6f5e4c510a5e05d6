import type { EachBatchPayload, KafkaConsumer } from '@lake/kafka';
import { counter, histogram, type Logger, type Registry } from '@lake/observability';
import {
  CloudTrailEventsRepository,
  CloudTrailInsightsRepository,
  DeadLettersRepository,
  DigestChecksRepository,
  FlowRecordsRepository,
  TgwFlowRecordsRepository,
  PartitionManager,
  dayOf,
  ensureRollupPartitions,
  withTransaction,
  type Pool,
  type PoolClient,
  type StoredDeadLetter,
} from '@lake/pg';
import {
  codecs,
  type CloudTrailEvent,
  type CloudTrailInsight,
  type DigestCheck,
  type DeadLetter,
  type FlowRecord,
  type TgwFlowRecord,
} from '@lake/schemas';

export interface SinkTopics {
  flowRecords: string;
  tgwFlowRecords: string;
  cloudTrailEvents: string;
  cloudTrailInsights: string;
  digestChecks: string;
  deadLetters: string;
}

export interface SinkDeps {
  pool: Pool;
  consumer: KafkaConsumer;
  logger: Logger;
  metrics: Registry;
  topics: SinkTopics;
}

type Kind = 'flow' | 'tgw' | 'cloudtrail' | 'insight' | 'digest' | 'dead-letter';

/**
 * Writes the Avro topics to Postgres, exactly once:
 *   1. rows of a Kafka batch are inserted in one transaction, keyed by their natural key
 *      (source object + line / record index; Kafka coordinates for dead letters) with
 *      ON CONFLICT DO NOTHING;
 *   2. the Kafka offset is committed only after that transaction committed.
 * A crash between 1 and 2 replays the batch, and the replayed rows are ignored by the key.
 * A message that cannot be decoded is stored as a dead letter in the same transaction.
 */
export class Sink {
  private readonly flows = new FlowRecordsRepository();
  private readonly tgwFlows = new TgwFlowRecordsRepository();
  private readonly events = new CloudTrailEventsRepository();
  private readonly insights = new CloudTrailInsightsRepository();
  private readonly digests = new DigestChecksRepository();
  private readonly letters = new DeadLettersRepository();
  private readonly partitions: PartitionManager;
  private readonly rows;
  private readonly replayed;
  private readonly batchSeconds;

  constructor(private readonly deps: SinkDeps) {
    this.partitions = new PartitionManager(deps.pool);
    this.rows = counter(deps.metrics, 'lake_sink_rows_inserted_total', 'Rows inserted, by table', ['table']);
    this.replayed = counter(
      deps.metrics,
      'lake_sink_rows_replayed_total',
      'Rows already present (replays), by table',
      ['table'],
    );
    this.batchSeconds = histogram(deps.metrics, 'lake_sink_batch_seconds', 'Time to write one Kafka batch', [
      'table',
    ]);
  }

  get partitionManager(): PartitionManager {
    return this.partitions;
  }

  async start(): Promise<void> {
    await this.deps.consumer.start({ autoCommit: false, eachBatch: (payload) => this.handleBatch(payload) });
  }

  private kindOf(topic: string): Kind {
    const t = this.deps.topics;
    if (topic === t.flowRecords) {
      return 'flow';
    }
    if (topic === t.tgwFlowRecords) {
      return 'tgw';
    }
    if (topic === t.cloudTrailEvents) {
      return 'cloudtrail';
    }
    if (topic === t.cloudTrailInsights) {
      return 'insight';
    }
    if (topic === t.digestChecks) {
      return 'digest';
    }
    if (topic === t.deadLetters) {
      return 'dead-letter';
    }
    throw new Error(`sink is not configured for topic ${topic}`);
  }

  async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) {
      return;
    }
    const kind = this.kindOf(batch.topic);
    const stop = this.batchSeconds.startTimer({ table: kind });
    const flows: FlowRecord[] = [];
    const tgwFlows: TgwFlowRecord[] = [];
    const events: CloudTrailEvent[] = [];
    const insights: CloudTrailInsight[] = [];
    const digests: DigestCheck[] = [];
    const letters: StoredDeadLetter[] = [];
    for (const m of batch.messages) {
      const value = m.value ?? Buffer.alloc(0);
      const coords = { topic: batch.topic, partition: batch.partition, offset: m.offset };
      try {
        switch (kind) {
          case 'flow':
            flows.push(codecs.flowRecord.decode(value));
            break;
          case 'tgw':
            tgwFlows.push(codecs.tgwFlowRecord.decode(value));
            break;
          case 'cloudtrail':
            events.push(codecs.cloudTrailEvent.decode(value));
            break;
          case 'insight':
            insights.push(codecs.cloudTrailInsight.decode(value));
            break;
          case 'digest':
            digests.push(codecs.digestCheck.decode(value));
            break;
          case 'dead-letter':
            letters.push({ ...coords, letter: codecs.deadLetter.decode(value) });
            break;
        }
      } catch (err) {
        letters.push({ ...coords, letter: undecodable(value, err) });
      }
    }
    const flowDays = new Set(flows.map((r) => dayOf(r.event_time)));
    await this.partitions.ensure('vpc_flow_records', flowDays);
    await this.partitions.ensure('tgw_flow_records', new Set(tgwFlows.map((r) => dayOf(r.event_time))));
    await this.partitions.ensure(
      'cloudtrail_insights',
      new Set(insights.map((e) => dayOf(e.lake.eventTimeMillis))),
    );
    const eventDays = new Set(events.map((e) => dayOf(e.lake.eventTimeMillis)));
    await this.partitions.ensure('cloudtrail_events', eventDays);
    // Rollups are written by the same statements as the raw rows (libs/pg rollups.repository.ts).
    await ensureRollupPartitions(this.partitions, flowDays, eventDays);
    await withTransaction(this.deps.pool, async (client: PoolClient) => {
      await this.write('vpc_flow_records', flows.length, () => this.flows.insert(client, flows));
      await this.write('tgw_flow_records', tgwFlows.length, () => this.tgwFlows.insert(client, tgwFlows));
      await this.write('cloudtrail_events', events.length, () => this.events.insert(client, events));
      await this.write('cloudtrail_insights', insights.length, () => this.insights.insert(client, insights));
      await this.write('digest_checks', digests.length, () => this.digests.insert(client, digests));
      await this.write('dead_letters', letters.length, () => this.letters.insert(client, letters));
    });
    const last = batch.messages[batch.messages.length - 1]!.offset;
    payload.resolveOffset(last);
    await this.deps.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
    ]);
    await payload.heartbeat();
    stop();
  }

  private async write(table: string, count: number, insert: () => Promise<number>): Promise<void> {
    if (count === 0) {
      return;
    }
    const inserted = await insert();
    this.rows.inc({ table }, inserted);
    this.replayed.inc({ table }, count - inserted);
  }
}

function undecodable(value: Buffer, err: unknown): DeadLetter {
  const limit = 65_536;
  return {
    service: 'sink',
    bucket: null,
    key: null,
    position: null,
    reason: 'SCHEMA_UNKNOWN',
    message: err instanceof Error ? err.message : String(err),
    payload: value.subarray(0, limit),
    payloadTruncated: value.length > limit,
    occurredAt: Date.now(),
  };
}
