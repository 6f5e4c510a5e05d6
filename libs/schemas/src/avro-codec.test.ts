import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { AvroCodec } from './avro-codec';
import { PUBLISHED_SCHEMAS, objectEventSchema, type ObjectEvent } from './avro-schemas';
import { cloudTrailEventSchemaHistory } from './cloudtrail-event.history';
import { userIdentityAsWritten } from './cloudtrail-identity.json';
import { codecs } from './codecs';
import { rabinFingerprint } from './rabin';
import { SchemaError } from './schema.errors';

const sample: ObjectEvent = {
  bucket: 'b',
  key: 'AWSLogs/1/vpcflowlogs/x.log.gz',
  size: 10,
  etag: null,
  versionId: null,
  sequencer: '0055AED6DCD90281E5',
  eventName: 'ObjectCreated:Put',
  eventTime: 1_700_000_000_000,
  kind: 'VPCFLOWLOGS',
  accountId: '1',
  region: null,
  source: 'sqs',
  discoveredAt: 1_700_000_000_001,
};

describe('rabinFingerprint', () => {
  it('matches the Avro specification test vectors', () => {
    // share/test/data/schema-tests.txt in apache/avro: "null" and "int" as signed 64-bit values.
    assert.equal(rabinFingerprint('"null"').readBigInt64LE(), 7195948357588979594n);
    assert.equal(rabinFingerprint('"int"').readBigInt64LE(), 8247732601305521295n);
  });
});

describe('AvroCodec', () => {
  const codec = new AvroCodec<ObjectEvent>(objectEventSchema);

  it('writes the single-object header and reads its own messages', () => {
    const buf = codec.encode(sample);
    assert.deepEqual([...buf.subarray(0, 2)], [0xc3, 0x01]);
    assert.deepEqual(buf.subarray(2, 10), codec.fingerprint);
    assert.deepEqual({ ...codec.decode(buf) }, sample);
  });

  it('is readable by a plain Avro reader with the published schema after the 10-byte header', () => {
    const published = JSON.parse(
      readFileSync(join(__dirname, '..', 'avro', 'object-event.avsc'), 'utf8'),
    ) as avro.Schema;
    const plain = avro.Type.forSchema(published);
    assert.deepEqual({ ...(plain.fromBuffer(codec.encode(sample).subarray(10)) as object) }, sample);
  });

  it('resolves messages written with an older version of the schema', () => {
    const fields = (objectEventSchema as { fields: { name: string }[] }).fields;
    const older = { ...objectEventSchema, fields: fields.filter((f) => f.name !== 'versionId') };
    const oldCodec = new AvroCodec<Omit<ObjectEvent, 'versionId'>>(older);
    const { versionId: _dropped, ...oldValue } = sample;
    const current = new AvroCodec<ObjectEvent>(objectEventSchema, [older]);
    assert.deepEqual({ ...current.decode(oldCodec.encode(oldValue)) }, { ...sample, versionId: null });
  });

  it('refuses bytes that are not single-object encoded or of an unknown schema', () => {
    assert.throws(
      () => codec.decode(Buffer.from('{"json":true}')),
      (e: unknown) => {
        return e instanceof SchemaError && e.code === 'NOT_SINGLE_OBJECT';
      },
    );
    const foreign = Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.alloc(8, 7), Buffer.alloc(4)]);
    assert.throws(
      () => codec.decode(foreign),
      (e: unknown) => e instanceof SchemaError && e.code === 'UNKNOWN_SCHEMA',
    );
  });
});

describe('published .avsc files', () => {
  for (const [name, schema] of Object.entries(PUBLISHED_SCHEMAS)) {
    it(`${name}.avsc is the schema in code (run npm run avsc after a change)`, () => {
      const file = JSON.parse(readFileSync(join(__dirname, '..', 'avro', `${name}.avsc`), 'utf8')) as unknown;
      assert.deepEqual(file, schema);
    });
  }
});

describe('the CloudTrailEvent codec', () => {
  const userIdentity = {
    type: 'AssumedRole',
    principalId: null,
    arn: 'arn:aws:sts::1:assumed-role/r/s',
    accountId: '1',
    accessKeyId: null,
    userName: null,
    invokedBy: null,
    identityProvider: null,
    credentialId: null,
    sessionContext: '{"sourceIdentity":"alice","ec2RoleDelivery":"2.0"}',
    onBehalfOf: '{"userId":"u-1"}',
    otherFields: null,
  };
  const older = {
    eventVersion: '1.08',
    userIdentity,
    eventTime: '2024-05-01T12:00:00Z',
    ...Object.fromEntries(
      [
        'eventSource',
        'eventName',
        'awsRegion',
        'sourceIPAddress',
        'userAgent',
        'errorCode',
        'errorMessage',
        'requestParameters',
        'responseElements',
        'additionalEventData',
        'requestID',
        'readOnly',
        'resources',
        'eventType',
        'apiVersion',
        'managementEvent',
        'recipientAccountId',
        'sharedEventID',
        'vpcEndpointId',
        'eventCategory',
        'serviceEventDetails',
        'tlsDetails',
        'sessionCredentialFromConsole',
        'edgeDeviceDetails',
        'addendum',
        'otherFields',
      ].map((k) => [k, null]),
    ),
    eventID: 'e',
    lake: {
      sourceBucket: 'b',
      sourceKey: 'k',
      recordIndex: 0,
      eventTimeMillis: Date.parse('2024-05-01T12:00:00Z'),
      principal: 'arn:aws:sts::1:assumed-role/r/s',
      isError: false,
      keyAccountId: '1',
      keyRegion: 'us-east-1',
      eventDate: 19844,
    },
  };

  it('reads messages of every earlier published version, JSON text of sessionContext included', () => {
    const [v1, v2] = cloudTrailEventSchemaHistory;
    const { eventDate: _noDate, ...lakeV1 } = older.lake;
    for (const [schema, value] of [
      [v2!, older],
      [v1!, { ...older, lake: lakeV1 }],
    ] as const) {
      const message = new AvroCodec<unknown>(schema).encode(value);
      const read = codecs.cloudTrailEvent.decode(message);
      assert.equal(read.userIdentity!.sessionContext, userIdentity.sessionContext);
      assert.equal(read.userIdentity!.onBehalfOf, userIdentity.onBehalfOf);
      assert.equal(read.userIdentity!.inScopeOf, null);
      assert.equal(read.vpcEndpointAccountId, null);
      assert.equal(read.lake.eventDate, 'eventDate' in value.lake ? 19844 : null);
      assert.deepEqual(userIdentityAsWritten(read.userIdentity!), {
        type: 'AssumedRole',
        arn: userIdentity.arn,
        accountId: '1',
        sessionContext: { sourceIdentity: 'alice', ec2RoleDelivery: '2.0' },
        onBehalfOf: { userId: 'u-1' },
      });
    }
  });

  it('writes sessionContext as a record that a plain reader of the published schema reads', () => {
    const published = JSON.parse(
      readFileSync(join(__dirname, '..', 'avro', 'cloudtrail-event.avsc'), 'utf8'),
    ) as avro.Schema;
    const current = {
      ...codecs.cloudTrailEvent.decode(
        new AvroCodec<unknown>(cloudTrailEventSchemaHistory[1]!).encode(older),
      ),
    };
    const sessionContext = {
      sessionIssuer: null,
      webIdFederationData: null,
      attributes: { creationDate: '20240501T110000Z', mfaAuthenticated: 'false' },
      sourceIdentity: 'alice',
      ec2RoleDelivery: '2.0',
      ec2IssuedInVPC: null,
      assumedRoot: 'true',
      signInSessionArn: null,
    };
    const value = {
      ...current,
      userIdentity: {
        ...current.userIdentity!,
        sessionContext,
        onBehalfOf: { userId: 'u', identityStoreArn: null },
      },
    };
    const plain = avro.Type.forSchema(published);
    const read = plain.fromBuffer(codecs.cloudTrailEvent.encode(value).subarray(10)) as typeof value;
    assert.deepEqual(JSON.parse(JSON.stringify(read.userIdentity.sessionContext)), sessionContext);
  });
});
