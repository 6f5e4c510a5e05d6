import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro from 'avsc';
import {
  cloudTrailEventSchema,
  userIdentityAsWritten,
  type CloudTrailEvent,
  type CloudTrailSessionContext,
  type CloudTrailUserIdentity,
  type DecodeOutput,
  type ObjectContext,
} from '@lake/schemas';
import { mapCloudTrailRecord } from './cloudtrail-record.mapper';

const context: ObjectContext = {
  bucket: 'trail-bucket',
  key: 'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/111122223333_CloudTrail_eu-west-1_20240501T1205Z_x.json.gz',
  keyInfo: {
    kind: 'CLOUDTRAIL',
    accountId: '111122223333',
    region: 'eu-west-1',
    organizationId: null,
    flowLogId: null,
    deliveredAt: null,
    prefix: null,
    compressed: true,
  },
};
const eventType = avro.Type.forSchema(cloudTrailEventSchema as avro.Schema);

const base = { eventVersion: '1.09', eventTime: '2024-05-01T12:00:05Z', eventID: 'e-1' };

/** Maps `raw` (given as JSON text or a value), expecting a record that fits the Avro schema. */
function map(raw: Record<string, unknown> | string, index = 0): CloudTrailEvent {
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
  const out = mapCloudTrailRecord(parsed, context, index);
  if (!out.ok) {
    return assert.fail(`unexpected ${out.issue.reason}: ${out.issue.message}`);
  }
  const errors: string[] = [];
  const valid = eventType.isValid(out.value, { errorHook: (path) => errors.push(path.join('.')) });
  assert.ok(valid, `fits the Avro schema; wrong: ${errors.join(', ')}`);
  // avsc hands back class instances; compare their plain form.
  assert.deepEqual(
    JSON.parse(JSON.stringify(eventType.fromBuffer(eventType.toBuffer(out.value)))),
    out.value,
  );
  return out.value;
}

function issueOf(
  raw: Record<string, unknown>,
  index = 3,
): Extract<DecodeOutput<CloudTrailEvent>, { ok: false }> {
  const out = mapCloudTrailRecord(raw, context, index);
  return out.ok ? assert.fail('expected an issue') : out;
}

const others = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

describe('mapCloudTrailRecord', () => {
  it('maps a minimal record: every optional field null, provenance filled in', () => {
    const e = map(base, 7);
    assert.deepEqual(e, {
      eventVersion: '1.09',
      userIdentity: null,
      eventTime: '2024-05-01T12:00:05Z',
      eventSource: null,
      eventName: null,
      awsRegion: null,
      sourceIPAddress: null,
      userAgent: null,
      errorCode: null,
      errorMessage: null,
      requestParameters: null,
      responseElements: null,
      additionalEventData: null,
      requestID: null,
      eventID: 'e-1',
      readOnly: null,
      resources: null,
      eventType: null,
      apiVersion: null,
      managementEvent: null,
      recipientAccountId: null,
      sharedEventID: null,
      vpcEndpointId: null,
      eventCategory: null,
      serviceEventDetails: null,
      tlsDetails: null,
      sessionCredentialFromConsole: null,
      edgeDeviceDetails: null,
      addendum: null,
      otherFields: null,
      lake: {
        sourceBucket: 'trail-bucket',
        sourceKey: context.key,
        recordIndex: 7,
        eventTimeMillis: Date.UTC(2024, 4, 1, 12, 0, 5),
        principal: null,
        isError: false,
        keyAccountId: '111122223333',
        keyRegion: 'eu-west-1',
        eventDate: Math.floor(Date.UTC(2024, 4, 1) / 86_400_000),
      },
      vpcEndpointAccountId: null,
      eventContext: null,
    });
  });

  it('maps every field CloudTrail documents, free-form ones kept whole as JSON text', () => {
    const raw = {
      ...base,
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:s',
        arn: 'arn:aws:sts::111122223333:assumed-role/r/s',
        accountId: '111122223333',
        accessKeyId: 'ASIAEXAMPLE',
        userName: 'r',
        invokedBy: 'cloudformation.amazonaws.com',
        identityProvider: 'idp',
        credentialId: 'cred',
        sessionContext: {
          sessionIssuer: { type: 'Role', userName: 'r' },
          webIdFederationData: {},
          attributes: { creationDate: '2024-05-01T11:00:00Z', mfaAuthenticated: 'false' },
          sourceIdentity: 'JohnDoe',
          ec2RoleDelivery: '2.0',
          ec2IssuedInVPC: 'vpc-1',
          assumedRoot: 'true',
          signInSessionArn: 'arn:aws:signin:us-east-1:111122223333:session/a1b2c3d4',
        },
        onBehalfOf: { userId: 'u-1', identityStoreArn: 'arn:aws:identitystore::1:identitystore/d-1' },
        inScopeOf: {
          sourceArn: 'arn:aws:lambda:eu-west-1:111122223333:function:f',
          sourceAccount: '111122223333',
          issuerType: 'AWS::Lambda::Function',
          credentialsIssuedTo: 'arn:aws:lambda:eu-west-1:111122223333:function:f',
        },
        invokedByDelegate: { accountId: '999999999999' },
      },
      eventSource: 'ec2.amazonaws.com',
      eventName: 'RunInstances',
      awsRegion: 'eu-west-1',
      sourceIPAddress: '203.0.113.5',
      userAgent: 'aws-cli/2',
      errorCode: 'Client.UnauthorizedOperation',
      errorMessage: 'You are not authorized',
      requestParameters: {
        instancesSet: { items: [{ imageId: 'ami-1', minCount: 1 }] },
        deep: [[[{ a: null }]]],
      },
      responseElements: { ok: true },
      additionalEventData: { bytesTransferredIn: 0.5 },
      requestID: 'req-1',
      readOnly: false,
      resources: [
        { ARN: 'arn:aws:ec2:eu-west-1:1:instance/i-1', accountId: '1', type: 'AWS::EC2::Instance' },
      ],
      eventType: 'AwsApiCall',
      apiVersion: '2016-11-15',
      managementEvent: true,
      recipientAccountId: '111122223333',
      sharedEventID: 's-1',
      vpcEndpointId: 'vpce-1',
      eventCategory: 'Management',
      serviceEventDetails: { keyId: 'k' },
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: 'h',
        keyExchange: 'X25519MLKEM768',
      },
      vpcEndpointAccountId: '444455556666',
      eventContext: { requestContext: { 'aws:ViaAWSService': 'false' }, tagContext: { resourceTags: [] } },
      sessionCredentialFromConsole: 'true',
      edgeDeviceDetails: { type: 'outposts', deviceID: 'op-1' },
      addendum: { reason: 'DELIVERY_DELAY', updatedFields: '', originalEventID: 'o' },
    };
    const e = map(raw);
    assert.equal(e.eventSource, 'ec2.amazonaws.com');
    assert.equal(e.eventName, 'RunInstances');
    assert.equal(e.awsRegion, 'eu-west-1');
    assert.equal(e.sourceIPAddress, '203.0.113.5');
    assert.equal(e.userAgent, 'aws-cli/2');
    assert.equal(e.requestID, 'req-1');
    assert.equal(e.readOnly, false);
    assert.equal(e.managementEvent, true);
    assert.equal(e.eventType, 'AwsApiCall');
    assert.equal(e.apiVersion, '2016-11-15');
    assert.equal(e.recipientAccountId, '111122223333');
    assert.equal(e.sharedEventID, 's-1');
    assert.equal(e.vpcEndpointId, 'vpce-1');
    assert.equal(e.eventCategory, 'Management');
    assert.equal(e.sessionCredentialFromConsole, 'true');
    for (const name of [
      'requestParameters',
      'responseElements',
      'additionalEventData',
      'serviceEventDetails',
      'edgeDeviceDetails',
      'addendum',
    ] as const) {
      assert.deepEqual(JSON.parse(e[name]!), raw[name], name);
    }
    const u = e.userIdentity!;
    assert.deepEqual(
      [u.type, u.principalId, u.arn, u.accountId, u.accessKeyId, u.userName, u.invokedBy, u.identityProvider],
      [
        'AssumedRole',
        'AROAEXAMPLE:s',
        raw.userIdentity.arn,
        '111122223333',
        'ASIAEXAMPLE',
        'r',
        raw.userIdentity.invokedBy,
        'idp',
      ],
    );
    assert.equal(u.credentialId, 'cred');
    assert.deepEqual(u.sessionContext, {
      sessionIssuer: { type: 'Role', principalId: null, arn: null, accountId: null, userName: 'r' },
      webIdFederationData: { federatedProvider: null, attributes: null },
      attributes: { creationDate: '2024-05-01T11:00:00Z', mfaAuthenticated: 'false' },
      sourceIdentity: 'JohnDoe',
      ec2RoleDelivery: '2.0',
      ec2IssuedInVPC: 'vpc-1',
      assumedRoot: 'true',
      signInSessionArn: 'arn:aws:signin:us-east-1:111122223333:session/a1b2c3d4',
    });
    assert.deepEqual(u.onBehalfOf, raw.userIdentity.onBehalfOf);
    assert.deepEqual(u.inScopeOf, raw.userIdentity.inScopeOf);
    assert.deepEqual(u.invokedByDelegate, raw.userIdentity.invokedByDelegate);
    assert.equal(u.otherFields, null);
    assert.deepEqual(userIdentityAsWritten(u), raw.userIdentity);
    assert.deepEqual(e.resources, raw.resources);
    assert.deepEqual(e.tlsDetails, raw.tlsDetails);
    assert.equal(e.vpcEndpointAccountId, '444455556666');
    assert.deepEqual(JSON.parse(e.eventContext!), raw.eventContext);
    assert.equal(e.otherFields, null);
    assert.equal(e.lake.principal, raw.userIdentity.arn);
    assert.equal(e.lake.isError, true);
  });

  it('keeps top-level members the schema does not name in otherFields, "__proto__" included', () => {
    const e = map(
      '{"eventTime":"2024-05-01T12:00:05Z","eventID":"e","insightDetails":{"state":"Start"},"annotation":[1],' +
        '"__proto__":{"x":1},"requestParameters":{"tags":{"__proto__":"kept"}}}',
    );
    assert.deepEqual(Object.keys(others(e.otherFields) as object), [
      'insightDetails',
      'annotation',
      '__proto__',
    ]);
    assert.equal(e.otherFields, '{"insightDetails":{"state":"Start"},"annotation":[1],"__proto__":{"x":1}}');
    assert.equal(e.requestParameters, '{"tags":{"__proto__":"kept"}}');
  });

  it('keeps unknown userIdentity members in userIdentity.otherFields', () => {
    const e = map({
      ...base,
      userIdentity: { type: 'IAMUser', arn: 'a', newMember: { x: 's' }, extra: null },
    });
    assert.deepEqual(others(e.userIdentity!.otherFields), { newMember: { x: 's' }, extra: null });
    assert.equal(e.userIdentity!.sessionContext, null);
    assert.equal(e.userIdentity!.onBehalfOf, null);
    assert.equal(e.userIdentity!.inScopeOf, null);
  });

  it('maps parts of userIdentity as far as they fit and keeps each whole part that does not in otherFields', () => {
    const sessionContext = {
      sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::1:role/r', tags: ['unexpected'] },
      sourceIdentity: 'alice',
    };
    const inScopeOf = { sourceArn: 's', later: true };
    const e = map({
      ...base,
      userIdentity: {
        type: 'AssumedRole',
        sessionContext,
        inScopeOf,
        onBehalfOf: 'u-1',
        invokedByDelegate: null,
      },
    });
    const u = e.userIdentity!;
    const session = u.sessionContext as CloudTrailSessionContext;
    assert.equal(session.sourceIdentity, 'alice');
    assert.equal(session.sessionIssuer!.arn, 'arn:aws:iam::1:role/r');
    assert.equal(u.inScopeOf!.sourceArn, 's');
    assert.equal(u.onBehalfOf, null);
    assert.equal(u.invokedByDelegate, null);
    assert.deepEqual(others(u.otherFields), { sessionContext, inScopeOf, onBehalfOf: 'u-1' });
    assert.deepEqual(userIdentityAsWritten(u), {
      type: 'AssumedRole',
      sessionContext,
      inScopeOf,
      onBehalfOf: 'u-1',
    });
  });

  it("types the userIdentity examples of the CloudTrail User Guide's userIdentity reference", () => {
    // The IAM Identity Center user and product-provider examples of that page.
    const identityCenter = {
      type: 'IdentityCenterUser',
      accountId: '123456789012',
      onBehalfOf: {
        userId: '544894e8-80c1-707f-60e3-3ba6510dfac1',
        identityStoreArn: 'arn:aws:identitystore::123456789012:identitystore/d-9067642ac7',
      },
      credentialId: 'EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE',
    };
    const a = map({ ...base, userIdentity: identityCenter }).userIdentity!;
    assert.deepEqual(a.onBehalfOf, identityCenter.onBehalfOf);
    assert.equal(a.credentialId, identityCenter.credentialId);
    assert.equal(a.otherFields, null);
    const delegate = {
      type: 'AssumedRole',
      principalId: 'AROAI...',
      arn: 'arn:aws:sts::123456789012:assumed-role/Alice/Session',
      accountId: '123456789012',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAI...',
          arn: 'arn:aws:iam::123456789012:role/Alice',
          accountId: '123456789012',
          userName: 'Alice',
        },
        signInSessionArn:
          'arn:aws:signin:us-east-1:123456789012:session/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
        attributes: { mfaAuthenticated: 'false', creationDate: '20131102T010628Z' },
      },
      invokedByDelegate: { accountId: '999999999999' },
    };
    const b = map({ ...base, userIdentity: delegate }).userIdentity!;
    assert.deepEqual(b.invokedByDelegate, { accountId: '999999999999' });
    assert.equal(
      (b.sessionContext as CloudTrailSessionContext).signInSessionArn,
      delegate.sessionContext.signInSessionArn,
    );
    assert.equal(b.otherFields, null);
    assert.deepEqual(userIdentityAsWritten(b), delegate);
  });

  it('reads sessionContext and onBehalfOf written as JSON text by older schema versions', () => {
    const u: CloudTrailUserIdentity = {
      ...map({ ...base, userIdentity: { type: 'IdentityCenterUser' } }).userIdentity!,
      sessionContext: '{"sourceIdentity":"bob","attributes":{"mfaAuthenticated":"true"}}',
      onBehalfOf: '{"userId":"u-2"}',
    };
    assert.deepEqual(userIdentityAsWritten(u), {
      type: 'IdentityCenterUser',
      sessionContext: { sourceIdentity: 'bob', attributes: { mfaAuthenticated: 'true' } },
      onBehalfOf: { userId: 'u-2' },
    });
  });

  it('reads readOnly and managementEvent written as "true"/"false" strings', () => {
    const e = map({ ...base, readOnly: 'true', managementEvent: 'false' });
    assert.equal(e.readOnly, true);
    assert.equal(e.managementEvent, false);
    assert.equal(e.otherFields, null);
  });

  it('writes numbers and booleans in string fields out as text', () => {
    const e = map({ ...base, errorCode: 200, sessionCredentialFromConsole: true, apiVersion: 2.5 });
    assert.deepEqual([e.errorCode, e.sessionCredentialFromConsole, e.apiVersion], ['200', 'true', '2.5']);
    assert.equal(e.otherFields, null);
  });

  it('keeps values that do not fit their field, as written, in otherFields', () => {
    const e = map({
      ...base,
      eventName: { odd: true },
      readOnly: 'yes',
      managementEvent: 1,
      userIdentity: 'root',
      tlsDetails: [1],
    });
    assert.equal(e.eventName, null);
    assert.equal(e.readOnly, null);
    assert.equal(e.managementEvent, null);
    assert.equal(e.userIdentity, null);
    assert.equal(e.tlsDetails, null);
    assert.deepEqual(others(e.otherFields), {
      eventName: { odd: true },
      readOnly: 'yes',
      managementEvent: 1,
      userIdentity: 'root',
      tlsDetails: [1],
    });
    const u = map({ ...base, userIdentity: { type: 'IAMUser', userName: ['a', 'b'] } }).userIdentity!;
    assert.equal(u.userName, null);
    assert.deepEqual(others(u.otherFields), { userName: ['a', 'b'] });
  });

  it('maps resources as far as they fit and keeps the whole array when one does not (ARNPrefix)', () => {
    const resources = [
      { ARN: 'arn:1', accountId: '1', type: 'AWS::S3::Object' },
      { ARNPrefix: 'arn:aws:s3:::bucket/prefix', accountId: '1', type: 'AWS::S3::Object' },
      'not an object',
    ];
    const e = map({ ...base, resources });
    assert.deepEqual(e.resources, [
      { ARN: 'arn:1', accountId: '1', type: 'AWS::S3::Object' },
      { ARN: null, accountId: '1', type: 'AWS::S3::Object' },
    ]);
    assert.deepEqual(others(e.otherFields), { resources });
    assert.deepEqual(map({ ...base, resources: [{ ARN: 'a' }] }).resources, [
      { ARN: 'a', accountId: null, type: null },
    ]);
    assert.deepEqual(map({ ...base, resources: [] }).resources, []);
    const notArray = map({ ...base, resources: { ARN: 'a' } });
    assert.equal(notArray.resources, null);
    assert.deepEqual(others(notArray.otherFields), { resources: { ARN: 'a' } });
  });

  it('maps tlsDetails and keeps them whole in otherFields when they carry more', () => {
    const tls = {
      tlsVersion: 'TLSv1.2',
      cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256',
      keyExchange: 'x25519',
      x: 1,
    };
    const e = map({ ...base, tlsDetails: tls });
    assert.deepEqual(e.tlsDetails, {
      tlsVersion: 'TLSv1.2',
      cipherSuite: tls.cipherSuite,
      clientProvidedHostHeader: null,
      keyExchange: 'x25519',
    });
    assert.deepEqual(others(e.otherFields), { tlsDetails: tls });
  });

  it('keeps JSON null as null in free-form fields and non-object values as their JSON text', () => {
    const e = map({
      ...base,
      requestParameters: null,
      responseElements: 'text',
      additionalEventData: [1, { a: 2 }],
    });
    assert.equal(e.requestParameters, null);
    assert.equal(e.responseElements, '"text"');
    assert.equal(e.additionalEventData, '[1,{"a":2}]');
    assert.equal(e.otherFields, null);
  });

  it('summarises the principal: the ARN, else type/name, else what there is', () => {
    const principal = (userIdentity: unknown) => map({ ...base, userIdentity }).lake.principal;
    assert.equal(
      principal({ type: 'IAMUser', arn: 'arn:aws:iam::1:user/ana', userName: 'ana' }),
      'arn:aws:iam::1:user/ana',
    );
    assert.equal(principal({ type: 'IAMUser', userName: 'ana', principalId: 'AIDA' }), 'IAMUser/ana');
    assert.equal(principal({ type: 'AWSAccount', principalId: 'AIDA', accountId: '2' }), 'AWSAccount/AIDA');
    assert.equal(
      principal({ type: 'AWSService', invokedBy: 'ec2.amazonaws.com' }),
      'AWSService/ec2.amazonaws.com',
    );
    assert.equal(principal({ accountId: '1', invokedBy: 'kms.amazonaws.com' }), 'kms.amazonaws.com');
    assert.equal(principal({ type: 'Unknown' }), 'Unknown');
    assert.equal(principal({ arn: '', type: 'Root', principalId: '1' }), 'Root/1');
    assert.equal(principal({}), null);
    assert.equal(map(base).lake.principal, null);
  });

  it('flags errors by errorCode or errorMessage', () => {
    assert.equal(map({ ...base, errorCode: 'AccessDenied' }).lake.isError, true);
    assert.equal(map({ ...base, errorMessage: 'Failed authentication' }).lake.isError, true);
    assert.equal(map({ ...base, errorCode: { odd: 1 } }).lake.isError, true);
    assert.equal(map({ ...base, errorCode: null }).lake.isError, false);
  });

  it('reads eventTime in ISO 8601 with fractions and offsets', () => {
    assert.equal(
      map({ ...base, eventTime: '2024-05-01T12:00:05.123Z' }).lake.eventTimeMillis,
      Date.UTC(2024, 4, 1, 12, 0, 5, 123),
    );
    assert.equal(
      map({ ...base, eventTime: '2024-05-01T14:00:05+02:00' }).lake.eventTimeMillis,
      Date.UTC(2024, 4, 1, 12, 0, 5),
    );
    assert.equal(
      map({ ...base, eventTime: '2024-05-01T14:00:05+02:00' }).eventTime,
      '2024-05-01T14:00:05+02:00',
    );
  });

  it('reports a record without a valid eventTime or eventID as RECORD_INVALID, with its JSON', () => {
    const bad: Record<string, unknown>[] = [
      { eventID: 'e' },
      { eventID: 'e', eventTime: null },
      { eventID: 'e', eventTime: 1714564805000 },
      { eventID: 'e', eventTime: 'yesterday' },
      { eventID: 'e', eventTime: '2024-05-01T12:00:05' },
      { eventID: 'e', eventTime: '2024-05-01 12:00:05Z' },
      { eventID: 'e', eventTime: '2024-13-45T99:99:99Z' },
      { eventVersion: '1.08', eventTime: base.eventTime },
      { eventVersion: '1.08', eventTime: base.eventTime, eventID: '' },
      { eventVersion: '1.08', eventTime: base.eventTime, eventID: 42 },
      { eventVersion: '1.0', eventTime: base.eventTime, eventID: { id: 1 } },
    ];
    for (const raw of bad) {
      const { issue } = issueOf(raw, 3);
      assert.equal(issue.reason, 'RECORD_INVALID', JSON.stringify(raw));
      assert.equal(issue.position, 3);
      assert.deepEqual(JSON.parse(issue.payload!.toString('utf8')), raw);
    }
  });

  it('accepts version 1.0 records without eventID: they predate it', () => {
    const e = map({ eventVersion: '1.0', eventTime: base.eventTime, eventName: 'StartInstances' });
    assert.equal(e.eventID, null);
  });

  it('takes keyAccountId and keyRegion from the object key, null when the key has none', () => {
    const out = mapCloudTrailRecord(
      base,
      {
        bucket: 'b',
        key: 'odd/key.json',
        keyInfo: { ...context.keyInfo, kind: 'OTHER', accountId: null, region: null },
      },
      0,
    );
    assert.ok(out.ok);
    assert.deepEqual(
      [out.value.lake.keyAccountId, out.value.lake.keyRegion, out.value.lake.sourceKey],
      [null, null, 'odd/key.json'],
    );
  });
});
