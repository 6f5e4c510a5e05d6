import { FLOW_FIELDS, TGW_FLOW_FIELDS, type FlowFieldDef } from '@lake/schemas';

/** The AWS default format (version 2), used for records that arrive without a header line. */
export const DEFAULT_FORMAT =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** VPC flow logs and Transit Gateway flow logs: the same text format, different fields and records. */
export type FlowFamily = 'vpc' | 'tgw';

const BY_AWS_NAME: Record<FlowFamily, Map<string, FlowFieldDef>> = {
  vpc: new Map<string, FlowFieldDef>(FLOW_FIELDS.map((f) => [f.aws, f])),
  tgw: new Map<string, FlowFieldDef>(TGW_FLOW_FIELDS.map((f) => [f.aws, f])),
};

/** Fields only Transit Gateway flow logs have: a header naming one of them is a TGW file. */
const TGW_MARKERS = new Set(['resource-type', 'tgw-id', 'tgw-attachment-id']);

/** One column of a file: a known field, or an unknown one whose values go to `extra`. */
export type Column = { known: true; field: FlowFieldDef } | { known: false; name: string };

export interface FlowHeader {
  family: FlowFamily;
  columns: Column[];
  unknownFields: string[];
}

const FIELD_NAME = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

/**
 * Parses a header line such as `version account-id interface-id …`. Field names may be written
 * with '-' (S3 delivery) or '_' (Athena, VRL); both map to the same field. Returns null when the
 * line is not a header (e.g. a record line), so the caller can decide what to do.
 */
export function parseHeader(line: string): FlowHeader | null {
  const names = line.trim().split(/ +/);
  if (names.length === 0 || !names.every((n) => FIELD_NAME.test(n))) {
    return null;
  }
  const awsNames = names.map((n) => n.replace(/_/g, '-'));
  if (new Set(awsNames).size !== awsNames.length) {
    return null;
  }
  const family: FlowFamily = awsNames.some((n) => TGW_MARKERS.has(n)) ? 'tgw' : 'vpc';
  const fields = BY_AWS_NAME[family];
  const columns: Column[] = [];
  const unknownFields: string[] = [];
  awsNames.forEach((aws, i) => {
    const field = fields.get(aws);
    if (field) {
      columns.push({ known: true, field });
    } else {
      columns.push({ known: false, name: aws.replace(/-/g, '_') });
      unknownFields.push(names[i]!);
    }
  });
  return { family, columns, unknownFields };
}
