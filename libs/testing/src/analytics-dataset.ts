import { FLOW_FIELDS, type CloudTrailEvent, type FlowRecord } from '@lake/schemas';
import {
  CloudTrailEventsRepository,
  FlowRecordsRepository,
  PartitionManager,
  createPool,
  dayOf,
  ensureCloudTrailRollupPartitions,
  migrate,
  withTransaction,
  type Pool,
} from '@lake/pg';
import type { Logger } from 'pino';
import { uniqueNames } from './unique-names';
import { waitFor } from './wait-for';

/** mulberry32: a small seedable PRNG, so datasets are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A flow record with every AWS field null but those given. */
export function flowRecord(p: Partial<FlowRecord> & { event_time: number; source_line: number }): FlowRecord {
  const aws = Object.fromEntries(FLOW_FIELDS.map((f) => [f.name, null])) as unknown as FlowRecord;
  return {
    ...aws,
    source_bucket: 'test-bucket',
    source_key: 'AWSLogs/111122223333/vpcflowlogs/us-east-1/test.log.gz',
    flow_log_id: 'fl-test',
    key_account_id: '111122223333',
    key_region: 'us-east-1',
    delivered_at: null,
    extra: null,
    protocol_name: null,
    duration_seconds: null,
    dstport_service: null,
    srcaddr_class: null,
    dstaddr_class: null,
    direction_guess: null,
    event_date: Math.floor(p.event_time / 86_400_000),
    ...p,
  };
}

/** A CloudTrail event with the fields the analytics read. */
export function cloudTrailEvent(p: {
  time: number;
  index: number;
  eventSource: string;
  eventName: string;
  principal: string | null;
  sourceIp: string | null;
  region: string;
  errorCode: string | null;
  key?: string;
}): CloudTrailEvent {
  return {
    eventVersion: '1.09',
    userIdentity: null,
    eventTime: new Date(p.time).toISOString(),
    eventSource: p.eventSource,
    eventName: p.eventName,
    awsRegion: p.region,
    sourceIPAddress: p.sourceIp,
    userAgent: 'test',
    errorCode: p.errorCode,
    errorMessage: null,
    requestParameters: null,
    responseElements: null,
    additionalEventData: null,
    requestID: null,
    eventID: `ev-${p.index}`,
    readOnly: true,
    resources: null,
    eventType: 'AwsApiCall',
    apiVersion: null,
    managementEvent: true,
    recipientAccountId: '111122223333',
    sharedEventID: null,
    vpcEndpointId: null,
    vpcEndpointAccountId: null,
    eventCategory: 'Management',
    eventContext: null,
    serviceEventDetails: null,
    tlsDetails: null,
    sessionCredentialFromConsole: null,
    edgeDeviceDetails: null,
    addendum: null,
    otherFields: null,
    lake: {
      sourceBucket: 'test-bucket',
      sourceKey: p.key ?? 'AWSLogs/111122223333/CloudTrail/us-east-1/test.json.gz',
      recordIndex: p.index,
      eventTimeMillis: p.time,
      principal: p.principal,
      isError: p.errorCode !== null,
      keyAccountId: '111122223333',
      keyRegion: 'us-east-1',
      eventDate: Math.floor(p.time / 86_400_000),
    },
  };
}

export const DATASET_START = Date.parse('2024-05-01T10:00:00Z');

const HOSTS = ['10.0.1.10', '10.0.1.11', '10.0.2.20', '10.0.2.21', '2600:1f18:10::5'];
const PEERS = ['52.1.2.3', '54.9.8.7', '203.0.113.5', '198.51.100.7', '2600:1f18:99::1'];
const PORTS = [443, 443, 80, 22, 3389, 53, 5432, 8080, 49152, 61000];
const ENIS = [
  { id: 'eni-0aaa', vpc: 'vpc-01' },
  { id: 'eni-0bbb', vpc: 'vpc-01' },
  { id: 'eni-0ccc', vpc: 'vpc-02' },
];

/**
 * Flow records over three hours from DATASET_START (plus a few NODATA records), small address and
 * port sets so that groups repeat: the answers are known by recomputing them from these rows.
 */
export function flowDataset(count = 1500, seed = 7): FlowRecord[] {
  const r = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const out: FlowRecord[] = [];
  for (let i = 0; i < count; i++) {
    const time = DATASET_START + Math.floor((r() * 3 * 3_600_000) / 1000) * 1000;
    if (i % 100 === 99) {
      out.push(flowRecord({ event_time: time, source_line: i + 2, log_status: 'NODATA', version: 5 }));
      continue;
    }
    const v6 = r() < 0.15;
    const host = v6 ? HOSTS[4]! : pick(HOSTS.slice(0, 4));
    const peer = v6 ? PEERS[4]! : pick(PEERS.slice(0, 4));
    const outbound = r() < 0.5;
    const dstport = pick(PORTS);
    const protocol = dstport === 53 ? 17 : r() < 0.05 ? 1 : 6;
    const eni = pick(ENIS);
    const packets = 1 + Math.floor(r() * 50);
    out.push(
      flowRecord({
        event_time: time,
        source_line: i + 2,
        version: 5,
        account_id: r() < 0.8 ? '111122223333' : '444455556666',
        interface_id: eni.id,
        vpc_id: i % 17 === 0 ? null : eni.vpc,
        srcaddr: outbound ? host : peer,
        dstaddr: outbound ? peer : host,
        srcport: 40000 + Math.floor(r() * 1000),
        dstport: protocol === 1 ? 0 : dstport,
        protocol,
        packets,
        bytes: packets * (40 + Math.floor(r() * 1400)),
        start: Math.floor(time / 1000),
        end: Math.floor(time / 1000) + 60,
        action: r() < 0.2 ? 'REJECT' : 'ACCEPT',
        log_status: 'OK',
        region: i % 13 === 0 ? null : 'us-east-1',
      }),
    );
  }
  return out;
}

/** CloudTrail events over three hours from DATASET_START, ~15 % errors. */
export function cloudTrailDataset(count = 600, seed = 11): CloudTrailEvent[] {
  const r = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const apis = [
    ['s3.amazonaws.com', 'GetObject'],
    ['s3.amazonaws.com', 'PutObject'],
    ['ec2.amazonaws.com', 'DescribeInstances'],
    ['iam.amazonaws.com', 'CreateUser'],
    ['sts.amazonaws.com', 'AssumeRole'],
  ] as const;
  const principals = [
    'arn:aws:iam::111122223333:user/alice',
    'arn:aws:iam::111122223333:user/bob',
    'arn:aws:sts::111122223333:assumed-role/Admin/carol',
    null,
  ];
  const ips = ['198.51.100.1', '203.0.113.9', 'ec2.amazonaws.com'];
  const errors = ['AccessDenied', 'ThrottlingException'];
  const out: CloudTrailEvent[] = [];
  for (let i = 0; i < count; i++) {
    const [eventSource, eventName] = pick(apis);
    out.push(
      cloudTrailEvent({
        time: DATASET_START + Math.floor(r() * 3 * 3_600_000),
        index: i,
        eventSource,
        eventName,
        principal: pick(principals),
        sourceIp: pick(ips),
        region: r() < 0.7 ? 'us-east-1' : 'eu-west-1',
        errorCode: r() < 0.15 ? pick(errors) : null,
      }),
    );
  }
  return out;
}

/** A fresh, migrated schema of its own, and a pool whose search_path is that schema. */
export async function migratedSchema(
  prefix: string,
  databaseUrl: string,
  logger: Logger,
): Promise<{ pool: Pool; schema: string; drop: () => Promise<void> }> {
  const { schema } = uniqueNames(prefix);
  // node-pg-migrate's lock is one per database: another run migrating its own schema holds it briefly.
  await waitFor(
    'the migration lock',
    async () => {
      try {
        await migrate({ connectionString: databaseUrl, schema, logger });
        return true;
      } catch (err) {
        if (err instanceof Error && err.message.includes('Another migration is already running')) {
          return undefined;
        }
        throw err;
      }
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
  const pool = createPool({ connectionString: databaseUrl, schema, max: 4, logger, applicationName: prefix });
  return {
    pool,
    schema,
    drop: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

/** Writes flows and events as the sink does: partitions first, then one transaction per batch. */
export async function writeAsSink(
  pool: Pool,
  batch: { flows?: readonly FlowRecord[]; events?: readonly CloudTrailEvent[] },
): Promise<{ flows: number; events: number }> {
  const partitions = new PartitionManager(pool);
  const flows = batch.flows ?? [];
  const events = batch.events ?? [];
  const flowDays = new Set(flows.map((f) => dayOf(f.event_time)));
  const eventDays = new Set(events.map((e) => dayOf(e.lake.eventTimeMillis)));
  await partitions.ensure('vpc_flow_records', flowDays);
  await partitions.ensure('cloudtrail_events', eventDays);
  await ensureCloudTrailRollupPartitions(partitions, eventDays);
  return withTransaction(pool, async (client) => ({
    flows: await new FlowRecordsRepository().insert(client, flows),
    events: await new CloudTrailEventsRepository().insert(client, events),
  }));
}
