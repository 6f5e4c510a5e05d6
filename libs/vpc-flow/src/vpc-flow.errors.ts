/**
 * Errors of the flow-log decoders that throw. Bad input never throws: a bad line or file is a typed
 * dead letter (DecodeOutput). These are the programming errors found when an encoder is built.
 */

export type VpcFlowErrorCode = 'SCHEMA_UNSUPPORTED';

/** The Avro schema has a field the line encoder has no rule for (or in an order it cannot write). */
export class VpcFlowSchemaError extends Error {
  readonly retriable = false;
  readonly code: VpcFlowErrorCode = 'SCHEMA_UNSUPPORTED';
  constructor(message: string) {
    super(message);
    this.name = 'VpcFlowSchemaError';
  }
}
