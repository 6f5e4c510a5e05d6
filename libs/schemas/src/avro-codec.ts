import avro from 'avsc';
import { rabinFingerprint } from './rabin';
import type { AvroSchema } from './avro-schemas';
import { SchemaError } from './schema.errors';
import { WRITER_OVERFLOW, compileAvroWriter, type AvroBodyWriter } from './avro-writer';

/**
 * Avro single-object encoding (Avro specification, "Single-object encoding"):
 *   0xC3 0x01 | 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema | Avro binary body.
 * Any Avro library can decode a message with the published .avsc: strip the 10-byte header, check the
 * fingerprint, read the body with that schema.
 */
export const SINGLE_OBJECT_MARKER = Buffer.from([0xc3, 0x01]);
const HEADER_LENGTH = 10;
/** Messages are cut from slabs of this size (a slab is freed when its last message is). */
const SLAB_SIZE = 256 * 1024;

export class AvroCodec<T> {
  readonly type: avro.Type;
  readonly fingerprint: Buffer;
  readonly fingerprintHex: string;
  private readonly writers = new Map<string, avro.Type>();
  private readonly resolvers = new Map<string, avro.Resolver>();
  /** The generated writer for schemas of the shapes it supports (flow records), else null (avsc's own). */
  private readonly writer: AvroBodyWriter | null;
  private slab: Buffer = Buffer.alloc(0);
  private slabPos = 0;

  /**
   * @param schema the current (reader and writer) schema
   * @param history earlier versions of the schema this reader still accepts (resolved, compiled once)
   */
  constructor(schema: AvroSchema, history: readonly AvroSchema[] = []) {
    this.type = avro.Type.forSchema(schema as avro.Schema);
    this.fingerprint = rabinFingerprint(JSON.stringify(this.type.schema()));
    this.fingerprintHex = this.fingerprint.toString('hex');
    this.writer = compileAvroWriter(schema);
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
    return this.encodeWithWriter(this.writer ?? this.avscWriter, value);
  }

  /**
   * avsc writing into the slab too (`Type#encode`), rather than `toBuffer`, which allocates a
   * buffer of its own per message (off the V8 heap) that is then copied behind the header.
   */
  private readonly avscWriter: AvroBodyWriter = (buf, pos, value) => {
    const end = this.type.encode(value, buf, pos);
    if (end < 0) {
      throw WRITER_OVERFLOW;
    }
    return end;
  };

  /**
   * Writes header and body straight into the current slab and returns a view of it: no
   * per-message buffer or copy. A message that does not fit what is left of the slab starts a new
   * one; one that does not fit a whole slab doubles it until it does.
   */
  private encodeWithWriter(writer: AvroBodyWriter, value: T): Buffer {
    for (;;) {
      const slab = this.slab;
      const start = this.slabPos;
      if (start + HEADER_LENGTH <= slab.length) {
        slab[start] = 0xc3;
        slab[start + 1] = 0x01;
        for (let i = 0; i < 8; i++) {
          slab[start + 2 + i] = this.fingerprint[i]!;
        }
        try {
          const end = writer(slab, start + HEADER_LENGTH, value as object);
          this.slabPos = end;
          return slab.subarray(start, end);
        } catch (err) {
          if (err !== WRITER_OVERFLOW) {
            throw err;
          }
        }
      }
      this.slab = Buffer.allocUnsafeSlow(start === 0 ? Math.max(SLAB_SIZE, slab.length * 2) : SLAB_SIZE);
      this.slabPos = 0;
    }
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
