/**
 * Every field a VPC flow-log record can carry, in the order AWS documents them
 * ("Flow log records" > "Available fields"), with the version that introduced it.
 * The Avro field / Postgres column is the AWS name with '-' replaced by '_' (as Athena names them).
 * This table is the single source of the flow-record schema, the decoder and the table columns.
 */
export type FlowFieldType = 'int' | 'long' | 'string' | 'address';

export interface FlowFieldDef {
  readonly aws: string;
  readonly name: string;
  readonly type: FlowFieldType;
  readonly since: number;
}

/** `log-status` → `log_status`, at the type level too, so record types follow the table. */
type Underscore<S extends string> = S extends `${infer A}-${infer B}` ? `${A}_${Underscore<B>}` : S;

function def<const A extends string, const T extends FlowFieldType>(
  aws: A,
  type: T,
  since: number,
): { readonly aws: A; readonly name: Underscore<A>; readonly type: T; readonly since: number } {
  return { aws, name: aws.replace(/-/g, '_') as Underscore<A>, type, since };
}

export const FLOW_FIELDS = [
  def('version', 'int', 2),
  // A string, not a number: account ids keep leading zeros, and AWS writes `unknown` for some traffic.
  def('account-id', 'string', 2),
  def('interface-id', 'string', 2),
  def('srcaddr', 'address', 2),
  def('dstaddr', 'address', 2),
  def('srcport', 'int', 2),
  def('dstport', 'int', 2),
  def('protocol', 'int', 2),
  def('packets', 'long', 2),
  def('bytes', 'long', 2),
  def('start', 'long', 2),
  def('end', 'long', 2),
  def('action', 'string', 2),
  def('log-status', 'string', 2),
  def('vpc-id', 'string', 3),
  def('subnet-id', 'string', 3),
  def('instance-id', 'string', 3),
  def('tcp-flags', 'int', 3),
  def('type', 'string', 3),
  def('pkt-srcaddr', 'address', 3),
  def('pkt-dstaddr', 'address', 3),
  def('region', 'string', 4),
  def('az-id', 'string', 4),
  def('sublocation-type', 'string', 4),
  def('sublocation-id', 'string', 4),
  def('pkt-src-aws-service', 'string', 5),
  def('pkt-dst-aws-service', 'string', 5),
  def('flow-direction', 'string', 5),
  def('traffic-path', 'int', 5),
  def('ecs-cluster-arn', 'string', 7),
  def('ecs-cluster-name', 'string', 7),
  def('ecs-container-instance-arn', 'string', 7),
  def('ecs-container-instance-id', 'string', 7),
  def('ecs-container-id', 'string', 7),
  def('ecs-second-container-id', 'string', 7),
  def('ecs-service-name', 'string', 7),
  def('ecs-task-definition-arn', 'string', 7),
  def('ecs-task-arn', 'string', 7),
  def('ecs-task-id', 'string', 7),
  def('reject-reason', 'string', 8),
  def('resource-id', 'string', 9),
  def('encryption-status', 'int', 10),
  // Version 11: EC2 tag values (the tag keys are chosen per flow log, at most two per resource type),
  // the recording interface's type and the next hop.
  def('instance-tag', 'string', 11),
  def('instance-tag-2', 'string', 11),
  def('interface-tag', 'string', 11),
  def('interface-tag-2', 'string', 11),
  def('asg-tag', 'string', 11),
  def('asg-tag-2', 'string', 11),
  def('interface-type', 'string', 11),
  def('next-hop-interface-id', 'string', 11),
  def('next-hop-subnet-id', 'string', 11),
  def('next-hop-az-id', 'string', 11),
  def('next-hop-vpc-id', 'string', 11),
  def('next-hop-interface-type', 'string', 11),
] as const;

/**
 * Every field of a Transit Gateway flow-log record (version 6; "Transit Gateway Flow Logs records"),
 * in AWS's order. A file is a Transit Gateway flow log when its header names tgw-id,
 * tgw-attachment-id or resource-type.
 */
export const TGW_FLOW_FIELDS = [
  def('version', 'int', 6),
  def('resource-type', 'string', 6),
  def('account-id', 'string', 6),
  def('tgw-id', 'string', 6),
  def('tgw-attachment-id', 'string', 6),
  def('tgw-src-vpc-account-id', 'string', 6),
  def('tgw-dst-vpc-account-id', 'string', 6),
  def('tgw-src-vpc-id', 'string', 6),
  def('tgw-dst-vpc-id', 'string', 6),
  def('tgw-src-subnet-id', 'string', 6),
  def('tgw-dst-subnet-id', 'string', 6),
  def('tgw-src-eni', 'string', 6),
  def('tgw-dst-eni', 'string', 6),
  def('tgw-src-az-id', 'string', 6),
  def('tgw-dst-az-id', 'string', 6),
  def('tgw-pair-attachment-id', 'string', 6),
  def('srcaddr', 'address', 6),
  def('dstaddr', 'address', 6),
  def('srcport', 'int', 6),
  def('dstport', 'int', 6),
  def('protocol', 'int', 6),
  def('packets', 'long', 6),
  def('bytes', 'long', 6),
  def('start', 'long', 6),
  def('end', 'long', 6),
  def('log-status', 'string', 6),
  def('type', 'string', 6),
  def('packets-lost-no-route', 'long', 6),
  def('packets-lost-blackhole', 'long', 6),
  def('packets-lost-mtu-exceeded', 'long', 6),
  def('packets-lost-ttl-expired', 'long', 6),
  def('tcp-flags', 'int', 6),
  def('region', 'string', 6),
  def('flow-direction', 'string', 6),
  def('pkt-src-aws-service', 'string', 6),
  def('pkt-dst-aws-service', 'string', 6),
] as const;

export type FlowFieldName = (typeof FLOW_FIELDS)[number]['name'];

type AwsFieldsOf<F extends readonly { name: string; type: FlowFieldType }[]> = {
  [K in Extract<F[number], { type: 'int' | 'long' }>['name']]: number | null;
} & { [K in Extract<F[number], { type: 'string' | 'address' }>['name']]: string | null };

/** The AWS fields of a flow record: `null` where AWS wrote `-` or the file's format omits the field. */
export type FlowAwsFields = AwsFieldsOf<typeof FLOW_FIELDS>;
/** The AWS fields of a Transit Gateway flow record. */
export type TgwFlowAwsFields = AwsFieldsOf<typeof TGW_FLOW_FIELDS>;
