import type { EachBatchPayload, KafkaConsumer } from '@lake/kafka';
import { counter, histogram, type Logger, type Registry } from '@lake/observability';
import {
  CloudTrailEventsRepository,
  CloudTrailInsightsRepository,
  DeadLettersRepository,
  DigestChecksRepository,
  FlowRecordsRepository,
  MAX_TIME_MS,
  TgwFlowRecordsRepository,
  PartitionManager,
  daysOf,
  ensureCloudTrailRollupPartitions,
  withTransaction,
  type Pool,
  type PoolClient,
  type StoredDeadLetter,
  type TranscodedRow,
} from '@lake/pg';
import {
  codecs,
  type CloudTrailEvent,
  type CloudTrailInsight,
  type DigestCheck,
  type DeadLetter,
  type DeadLetterReason,
  type TgwFlowRecord,
} from '@lake/schemas';
import { SinkError } from './sink.errors';

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
 * A message that cannot be decoded, and a row Postgres refuses (see `writeAll`), are stored as
 * dead letters instead, so that no message blocks its partition.
 */
export class Sink {
  /** Flow records go from their Avro message straight to COPY text (AvroCopyTranscoder). */
  private readonly flows = new FlowRecordsRepository();
  private readonly writers: {
    [T in Table]: (client: PoolClient, rows: RowTypes[T][]) => Promise<number>;
  } = (() => {
    const flows = this.flows;
    const tgwFlows = new TgwFlowRecordsRepository();
    const events = new CloudTrailEventsRepository();
    const insights = new CloudTrailInsightsRepository();
    const digests = new DigestChecksRepository();
    const letters = new DeadLettersRepository();
    return {
      vpc_flow_records: (c, rows) => flows.insertEncoded(c, rows),
      tgw_flow_records: (c, rows) => tgwFlows.insert(c, rows),
      cloudtrail_events: (c, rows) => events.insert(c, rows),
      cloudtrail_insights: (c, rows) => insights.insert(c, rows),
      digest_checks: (c, rows) => digests.insert(c, rows),
      dead_letters: (c, rows) => letters.insert(c, rows),
    };
  })();
  private readonly partitions: PartitionManager;
  private readonly rows;
  private readonly replayed;
  private readonly refused;
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
    this.refused = counter(
      deps.metrics,
      'lake_sink_rows_refused_total',
      'Rows Postgres refused (stored as SINK_REJECTED dead letters instead), by table',
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
    throw new SinkError('TOPIC_UNKNOWN', `sink is not configured for topic ${topic}`);
  }

  async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) {
      return;
    }
    const kind = this.kindOf(batch.topic);
    const stop = this.batchSeconds.startTimer({ table: kind });
    const pending: Pending[] = [];
    for (const m of batch.messages) {
      const value = m.value ?? Buffer.alloc(0);
      const coords = { topic: batch.topic, partition: batch.partition, offset: m.offset };
      try {
        const decoded = decode(kind, value, coords, this.flows);
        const unfit = unstorable(decoded);
        pending.push(unfit ? this.refuse(decoded, new Error(unfit)) : decoded);
      } catch (err) {
        pending.push({
          table: 'dead_letters',
          row: { ...coords, letter: undecodable(value, err) },
          coords,
          value,
        });
      }
    }
    const flowDays = daysOf(rowsOf(pending, 'vpc_flow_records').map((r) => r.time));
    await this.partitions.ensure('vpc_flow_records', flowDays);
    await this.partitions.ensure(
      'tgw_flow_records',
      daysOf(rowsOf(pending, 'tgw_flow_records').map((r) => r.event_time)),
    );
    await this.partitions.ensure(
      'cloudtrail_insights',
      daysOf(rowsOf(pending, 'cloudtrail_insights').map((e) => e.lake.eventTimeMillis)),
    );
    const eventDays = daysOf(rowsOf(pending, 'cloudtrail_events').map((e) => e.lake.eventTimeMillis));
    await this.partitions.ensure('cloudtrail_events', eventDays);
    // Flow rollups are recorded as pending rows by the same transaction as the raw rows (their fold
    // ensures their partitions), CloudTrail rollups upserted by it (libs/pg rollups.repository.ts).
    await ensureCloudTrailRollupPartitions(this.partitions, eventDays);
    await this.writeAll(pending);
    const last = batch.messages[batch.messages.length - 1]!.offset;
    payload.resolveOffset(last);
    await this.deps.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
    ]);
    await payload.heartbeat();
    stop();
  }

  /**
   * Writes the rows in one transaction. When Postgres refuses a value (a data or integrity error,
   * not a lost connection), the rows are split in halves, each written on its own, down to the
   * refused rows, which become dead letters (SINK_REJECTED) so that one bad row neither blocks the
   * partition nor takes the good rows of its batch with it. The halves commit separately, but the
   * Kafka offset is committed only after all of them, and a replay is absorbed by the natural keys.
   */
  private async writeAll(pending: readonly Pending[]): Promise<void> {
    try {
      await withTransaction(this.deps.pool, (client) => this.writeRows(client, pending));
    } catch (err) {
      if (!refusedByPostgres(err) || pending.length === 0) {
        throw err;
      }
      if (pending.length > 1) {
        const half = Math.ceil(pending.length / 2);
        await this.writeAll(pending.slice(0, half));
        await this.writeAll(pending.slice(half));
        return;
      }
      const refused = pending[0]!;
      if (refused.table === 'dead_letters') {
        throw err; // a dead letter is already the last resort: nowhere else to put it
      }
      await this.writeAll([this.refuse(refused, err)]);
    }
  }

  /** The dead letter (SINK_REJECTED) that stands in for a row Postgres cannot take, counted and logged. */
  private refuse(p: Pending, err: unknown): Pending {
    this.refused.inc({ table: p.table });
    this.deps.logger.warn({ err, table: p.table, ...p.coords }, 'row refused; stored as a dead letter');
    return {
      table: 'dead_letters',
      row: { ...p.coords, letter: rejected(p, err) },
      coords: p.coords,
      value: p.value,
    };
  }

  private async writeRows(client: PoolClient, pending: readonly Pending[]): Promise<void> {
    for (const table of WRITE_ORDER) {
      await this.writeTable(client, table, rowsOf(pending, table));
    }
  }

  private async writeTable<T extends Table>(
    client: PoolClient,
    table: T,
    rows: RowTypes[T][],
  ): Promise<void> {
    if (rows.length === 0) {
      return;
    }
    const inserted = await this.writers[table](client, rows);
    this.rows.inc({ table }, inserted);
    this.replayed.inc({ table }, rows.length - inserted);
  }
}

/** The rows of `pending` bound for `table` (a loop: this runs for every table of every batch). */
function rowsOf<T extends Table>(pending: readonly Pending[], table: T): RowTypes[T][] {
  const rows: RowTypes[T][] = [];
  for (const p of pending) {
    if (p.table === table) {
      // The tag says the row's type: Pending pairs each table with its row type.
      rows.push(p.row as RowTypes[T]);
    }
  }
  return rows;
}

/** The tables the sink writes, in the order one transaction writes them. */
const WRITE_ORDER = [
  'vpc_flow_records',
  'tgw_flow_records',
  'cloudtrail_events',
  'cloudtrail_insights',
  'digest_checks',
  'dead_letters',
] as const;
type Table = (typeof WRITE_ORDER)[number];

interface RowTypes {
  vpc_flow_records: TranscodedRow;
  tgw_flow_records: TgwFlowRecord;
  cloudtrail_events: CloudTrailEvent;
  cloudtrail_insights: CloudTrailInsight;
  digest_checks: DigestCheck;
  dead_letters: StoredDeadLetter;
}

interface Coords {
  topic: string;
  partition: number;
  offset: string;
}

/** One decoded Kafka message on its way to a table, with where it came from. */
type Pending = {
  [T in Table]: { table: T; row: RowTypes[T]; coords: Coords; value: Buffer };
}[Table];

function decode(kind: Kind, value: Buffer, coords: Coords, flows: FlowRecordsRepository): Pending {
  const from = { coords, value };
  switch (kind) {
    case 'flow':
      return { table: 'vpc_flow_records', row: flows.encode(value), ...from };
    case 'tgw':
      return { table: 'tgw_flow_records', row: codecs.tgwFlowRecord.decode(value), ...from };
    case 'cloudtrail':
      return { table: 'cloudtrail_events', row: codecs.cloudTrailEvent.decode(value), ...from };
    case 'insight':
      return { table: 'cloudtrail_insights', row: codecs.cloudTrailInsight.decode(value), ...from };
    case 'digest':
      return { table: 'digest_checks', row: codecs.digestCheck.decode(value), ...from };
    case 'dead-letter':
      return { table: 'dead_letters', row: { ...coords, letter: codecs.deadLetter.decode(value) }, ...from };
  }
}

/** Why a decoded row cannot be stored (its day partition cannot even be named), or null. */
function unstorable(p: Pending): string | null {
  if (p.table === 'vpc_flow_records') {
    return p.row.unstorable;
  }
  const ms =
    p.table === 'tgw_flow_records'
      ? p.row.event_time
      : p.table === 'cloudtrail_events' || p.table === 'cloudtrail_insights'
        ? p.row.lake.eventTimeMillis
        : 0;
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_TIME_MS ? null : `event_time ${ms} ms is out of range`;
}

/** Postgres refused the data itself (SQLSTATE class 22 data exception, 23 integrity violation). */
function refusedByPostgres(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

const PAYLOAD_LIMIT = 65_536;

/** The dead letter of a row Postgres refused: its source object and position, the error, the Avro bytes. */
function rejected(p: Pending, err: unknown): DeadLetter {
  const origin = originOf(p);
  return {
    service: 'sink',
    bucket: origin.bucket,
    key: origin.key,
    position: origin.position,
    reason: 'SINK_REJECTED' satisfies DeadLetterReason,
    message: `${p.table}: ${err instanceof Error ? err.message : String(err)}`,
    payload: p.value.subarray(0, PAYLOAD_LIMIT),
    payloadTruncated: p.value.length > PAYLOAD_LIMIT,
    occurredAt: Date.now(),
  };
}

function originOf(p: Pending): { bucket: string | null; key: string | null; position: number | null } {
  switch (p.table) {
    case 'vpc_flow_records': {
      // Only a message the codec reads becomes a flow row (AvroCopyTranscoder).
      const row = codecs.flowRecord.decode(p.value);
      return { bucket: row.source_bucket, key: row.source_key, position: Number(row.source_line) };
    }
    case 'tgw_flow_records':
      return { bucket: p.row.source_bucket, key: p.row.source_key, position: Number(p.row.source_line) };
    case 'cloudtrail_events':
    case 'cloudtrail_insights':
      return { bucket: p.row.lake.sourceBucket, key: p.row.lake.sourceKey, position: p.row.lake.recordIndex };
    case 'digest_checks':
      return { bucket: p.row.digestBucket, key: p.row.digestKey, position: null };
    case 'dead_letters':
      return { bucket: p.row.letter.bucket, key: p.row.letter.key, position: p.row.letter.position };
  }
}

function undecodable(value: Buffer, err: unknown): DeadLetter {
  const limit = PAYLOAD_LIMIT;
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
