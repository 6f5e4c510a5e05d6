import { Readable, pipeline, type TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { ObjectDecodeError } from './parser.errors';

const GUNZIP_CHUNK_SIZE = 256 * 1024;
/**
 * Decompressed bytes zlib may hold ready before the decoder asks for them. Inflating (in the thread
 * pool) takes a fraction of the time decoding a chunk takes; with the 16 KiB default it waits for
 * each read, and the decoder then waits for it: read ahead, the two overlap on two cores.
 */
const GUNZIP_READ_AHEAD = 4 * GUNZIP_CHUNK_SIZE;
/** Node's zlib streams pass stream options on to Transform; @types/node's ZlibOptions omits them. */
const GUNZIP_OPTIONS: ZlibOptions & TransformOptions = {
  chunkSize: GUNZIP_CHUNK_SIZE,
  readableHighWaterMark: GUNZIP_READ_AHEAD,
};

const isZlibError = (err: unknown): boolean =>
  err instanceof Error &&
  typeof (err as NodeJS.ErrnoException).code === 'string' &&
  (err as NodeJS.ErrnoException).code!.startsWith('Z_');

/**
 * Yields the decompressed bytes of an object. Gzip is recognised by its magic bytes (RFC 1952:
 * 1f 8b); a key ending in `.gz` must be gzip. Multi-member gzip (concatenated files) is read whole.
 * Errors of the underlying stream (network) are rethrown as they are, so the caller can retry;
 * corrupt or truncated gzip becomes an ObjectDecodeError.
 */
export async function* decompress(body: AsyncIterable<Buffer>, expectGzip: boolean): AsyncGenerator<Buffer> {
  const it = body[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  // Gather at least the 2 magic bytes (a first chunk can be tiny).
  while (head.length < 2) {
    const next = await it.next();
    if (next.done) {
      break;
    }
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  if (head.length === 0) {
    throw new ObjectDecodeError('OBJECT_EMPTY', 'the object is empty', null);
  }
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const rest = (async function* () {
    yield head;
    for (;;) {
      const next = await it.next();
      if (next.done) {
        return;
      }
      yield next.value;
    }
  })();
  if (!gzip) {
    if (expectGzip) {
      throw new ObjectDecodeError(
        'NOT_GZIP',
        'the object is not gzip-compressed (no gzip magic bytes)',
        head.subarray(0, 256),
      );
    }
    yield* rest;
    return;
  }
  // 256 KiB output chunks instead of zlib's 16 KiB default: each chunk is a round trip to the thread
  // pool and a pass through the decoder. 64 KiB measured twice the line rate of the default; 256 KiB
  // another 5-10% less CPU per flow record than 64 KiB (512 KiB no better), ~1000 records a chunk.
  const gunzip = pipeline(
    Readable.from(rest, { objectMode: false }),
    createGunzip(GUNZIP_OPTIONS),
    () => undefined,
  );
  try {
    for await (const chunk of gunzip) {
      yield chunk as Buffer;
    }
  } catch (err) {
    if (isZlibError(err)) {
      throw new ObjectDecodeError(
        'GZIP_CORRUPT',
        `gzip stream is corrupt or truncated: ${(err as Error).message}`,
        null,
        {
          cause: err,
        },
      );
    }
    throw err;
  } finally {
    gunzip.destroy();
  }
}
