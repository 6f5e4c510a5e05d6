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
/** Bytes of the single-object header: the marker and the fingerprint. */
export const SINGLE_OBJECT_HEADER_LENGTH = 10;
const HEADER_LENGTH = SINGLE_OBJECT_HEADER_LENGTH;
/** Messages are cut from slabs of this size. */
const SLAB_SIZE = 256 * 1024;

/**
 * Memory that encoded messages are written into, back to back, with no buffer per message.
 * Without `reset()` every slab is new and the GC frees it with its last message. A caller that
 * knows when its messages are no longer used (the parser, once Kafka acknowledged a batch) calls
 * `reset()` and the same slabs are written again: measured, this is what keeps the parser's
 * off-heap memory flat, where garbage slabs otherwise pile up to V8's 64 MB external-memory GC
 * trigger. One arena per writer at a time (a parser uses one per object).
 */
export class EncodeArena {
  slab: Buffer = Buffer.alloc(0);
  pos = 0;
  private readonly slabs: Buffer[] = [];
  private index = -1;

  /** @param reuse keep the slabs for reuse after `reset()` (false: each slab is the GC's once left) */
  constructor(private readonly reuse = true) {}

  /** Moves to the next slab (reused after a reset, else new) of at least `minSize` bytes. */
  next(minSize: number): void {
    const size = Math.max(SLAB_SIZE, minSize);
    this.pos = 0;
    if (!this.reuse) {
      this.slab = Buffer.allocUnsafeSlow(size);
      return;
    }
    this.index++;
    if (this.index < this.slabs.length && this.slabs[this.index]!.length >= size) {
      this.slab = this.slabs[this.index]!;
    } else {
      this.slab = Buffer.allocUnsafeSlow(size);
      this.slabs.splice(this.index, 1, this.slab);
    }
  }

  /** Every message encoded so far is dropped by the caller: their memory is written again. */
  reset(): void {
    this.index = -1;
    this.slab = Buffer.alloc(0);
    this.pos = 0;
  }
}

export class AvroCodec<T> {
  readonly type: avro.Type;
  readonly fingerprint: Buffer;
  readonly fingerprintHex: string;
  private readonly writers = new Map<string, avro.Type>();
  private readonly resolvers = new Map<string, avro.Resolver>();
  /** The generated writer for schemas of the shapes it supports (flow records), else null (avsc's own). */
  private readonly writer: AvroBodyWriter | null;
  /** Where messages go when the caller passes no arena: fresh slabs, freed by the GC. */
  private readonly ownArena = new EncodeArena(false);

  /**
   * @param schema the current (reader and writer) schema
   * @param history earlier versions of the schema this reader still accepts (resolved, compiled once)
   */
  constructor(
    readonly schema: AvroSchema,
    history: readonly AvroSchema[] = [],
  ) {
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

  /**
   * The single-object message of `value`, a view of the arena's memory, valid until the arena's
   * `reset()` (the codec's own arena: fresh slabs, freed by the GC).
   */
  encode(value: T, arena: EncodeArena = this.ownArena): Buffer {
    return this.encodeWithWriter(this.writer ?? this.avscWriter, value, arena);
  }

  /**
   * Writes the 10-byte single-object header at `buf[pos]` and returns where the body goes: for
   * writers that write the body themselves, straight from their input (flow-log lines).
   */
  writeHeader(buf: Buffer, pos: number): number {
    buf[pos] = 0xc3;
    buf[pos + 1] = 0x01;
    for (let i = 0; i < 8; i++) {
      buf[pos + 2 + i] = this.fingerprint[i]!;
    }
    return pos + HEADER_LENGTH;
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

  private encodeWithWriter(writer: AvroBodyWriter, value: T, arena: EncodeArena): Buffer {
    for (;;) {
      const slab = arena.slab;
      const start = arena.pos;
      if (start + HEADER_LENGTH <= slab.length) {
        try {
          const end = writer(slab, this.writeHeader(slab, start), value as object);
          arena.pos = end;
          return slab.subarray(start, end);
        } catch (err) {
          if (err !== WRITER_OVERFLOW) {
            throw err;
          }
        }
      }
      arena.next(start === 0 ? slab.length * 2 : 0);
    }
  }

  /** Whether `message` is single-object encoded with the current schema (its body needs no resolving). */
  isCurrent(message: Buffer): boolean {
    return isSingleObject(message) && message.compare(this.fingerprint, 0, 8, 2, HEADER_LENGTH) === 0;
  }

  decode(message: Buffer): T {
    if (!isSingleObject(message)) {
      throw new SchemaError('NOT_SINGLE_OBJECT', 'message is not Avro single-object encoded');
    }
    const body = message.subarray(HEADER_LENGTH);
    if (this.isCurrent(message)) {
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

/** The single-object marker and room for the fingerprint. */
function isSingleObject(message: Buffer): boolean {
  return message.length >= HEADER_LENGTH && message[0] === 0xc3 && message[1] === 0x01;
}
