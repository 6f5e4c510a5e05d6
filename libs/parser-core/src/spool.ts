import { open, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import type { DecodeOutput, ObjectContext, RandomAccessDecoder, RandomAccessFile } from '@lake/schemas';

/**
 * Formats that need random access (Parquet reads its footer first) are spooled from the S3 stream to
 * a temporary file and read from there by range, so memory stays bounded whatever the object's size.
 * The file is removed when decoding ends, however it ends.
 */
export async function* decodeSpooled<T>(
  body: AsyncIterable<Buffer>,
  context: ObjectContext,
  decoder: RandomAccessDecoder<T>,
): AsyncGenerator<DecodeOutput<T>[]> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-spool-'));
  const path = join(dir, 'object');
  try {
    await pipeline(body, createWriteStream(path));
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const file: RandomAccessFile = {
        byteLength: size,
        async slice(start: number, end?: number): Promise<ArrayBuffer> {
          const length = (end ?? size) - start;
          const buf = new Uint8Array(length);
          await handle.read(buf, 0, length, start);
          return buf.buffer;
        },
      };
      yield* decoder(file, context);
    } finally {
      await handle.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
