import avro from 'avsc';
import { rabinFingerprint } from './rabin';
import type { AvroSchema } from './avro-schemas';
import { SchemaError } from './schema.errors';

/**
 * Avro single-object encoding (Avro specification, "Single-object encoding"):
 *   0xC3 0x01 | 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema | Avro binary body.
 * Any Avro library can decode a message with the published .avsc: strip the 10-byte header, check the
 * fingerprint, read the body with that schema.
 */
export const SINGLE_OBJECT_MARKER = Buffer.from([0xc3, 0x01]);
const HEADER_LENGTH = 10;

export class AvroCodec<T> {
  readonly type: avro.Type;
  readonly fingerprint: Buffer;
  readonly fingerprintHex: string;
  private readonly writers = new Map<string, avro.Type>();
  private readonly resolvers = new Map<string, avro.Resolver>();

  /**
   * @param schema the current (reader and writer) schema
   * @param history earlier versions of the schema this reader still accepts (resolved, compiled once)
   */
  constructor(schema: AvroSchema, history: readonly AvroSchema[] = []) {
    this.type = avro.Type.forSchema(schema as avro.Schema);
    this.fingerprint = rabinFingerprint(JSON.stringify(this.type.schema()));
    this.fingerprintHex = this.fingerprint.toString('hex');
    for (const old of history) {
      const writer = avro.Type.forSchema(old as avro.Schema);
      const hex = rabinFingerprint(JSON.stringify(writer.schema())).toString('hex');
      this.writers.set(hex, writer);
      this.resolvers.set(hex, this.type.createResolver(writer));
    }
  }

  /** Parsing Canonical Form of the schema, the text the fingerprint is computed over. */
  get canonicalSchema(): string {
    return JSON.stringify(this.type.schema());
  }

  encode(value: T): Buffer {
    const body = this.type.toBuffer(value);
    const out = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
    SINGLE_OBJECT_MARKER.copy(out, 0);
    this.fingerprint.copy(out, 2);
    body.copy(out, HEADER_LENGTH);
    return out;
  }

  decode(message: Buffer): T {
    if (message.length < HEADER_LENGTH || message[0] !== 0xc3 || message[1] !== 0x01) {
      throw new SchemaError('NOT_SINGLE_OBJECT', 'message is not Avro single-object encoded');
    }
    const body = message.subarray(HEADER_LENGTH);
    if (message.compare(this.fingerprint, 0, 8, 2, HEADER_LENGTH) === 0) {
      return this.type.fromBuffer(body) as T;
    }
    const hex = message.subarray(2, HEADER_LENGTH).toString('hex');
    const resolver = this.resolvers.get(hex);
    if (!resolver) {
      throw new SchemaError(
        'UNKNOWN_SCHEMA',
        `no known ${this.type.name ?? 'schema'} version has fingerprint ${hex}`,
      );
    }
    return this.type.fromBuffer(body, resolver) as T;
  }
}
