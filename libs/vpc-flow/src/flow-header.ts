import { FLOW_FIELDS, type FlowFieldDef } from '@lake/schemas';

/** The AWS default format (version 2), used for records that arrive without a header line. */
export const DEFAULT_FORMAT =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

const BY_AWS_NAME = new Map<string, FlowFieldDef>(FLOW_FIELDS.map((f) => [f.aws, f]));

/** One column of a file: a known field, or an unknown one whose values go to `extra`. */
export type Column = { known: true; field: FlowFieldDef } | { known: false; name: string };

export interface FlowHeader {
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
  const seen = new Set<string>();
  const columns: Column[] = [];
  const unknownFields: string[] = [];
  for (const raw of names) {
    const aws = raw.replace(/_/g, '-');
    if (seen.has(aws)) {
      return null;
    }
    seen.add(aws);
    const field = BY_AWS_NAME.get(aws);
    if (field) {
      columns.push({ known: true, field });
    } else {
      columns.push({ known: false, name: raw.replace(/-/g, '_') });
      unknownFields.push(raw);
    }
  }
  return { columns, unknownFields };
}
