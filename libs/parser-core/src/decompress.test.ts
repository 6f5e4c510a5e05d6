import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decompress } from './decompress';
import { ObjectDecodeError } from './parser.errors';

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) {
    yield buf.subarray(i, i + size);
  }
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of source) {
    parts.push(c);
  }
  return Buffer.concat(parts);
}

const rejectsWith = (reason: string) => (err: unknown) =>
  err instanceof ObjectDecodeError && err.reason === reason;

describe('decompress', () => {
  const text = Buffer.from('version srcaddr\n2 10.0.0.1\n'.repeat(1000));

  it('gunzips in any chunking, 1-byte chunks included', async () => {
    for (const size of [1, 5, 4096]) {
      assert.deepEqual(await collect(decompress(chunks(gzipSync(text), size), true)), text);
    }
  });

  it('reads concatenated gzip members as one stream', async () => {
    const two = Buffer.concat([gzipSync('a\n'), gzipSync('b\n')]);
    assert.equal((await collect(decompress(chunks(two, 3), true))).toString(), 'a\nb\n');
  });

  it('passes plain bytes through when gzip is not expected', async () => {
    assert.deepEqual(await collect(decompress(chunks(text, 100), false)), text);
  });

  it('reports a non-gzip object that should be gzip, an empty object, and truncated or corrupt gzip', async () => {
    await assert.rejects(collect(decompress(chunks(text, 100), true)), rejectsWith('NOT_GZIP'));
    await assert.rejects(collect(decompress(chunks(Buffer.alloc(0), 1), true)), rejectsWith('OBJECT_EMPTY'));
    const gz = gzipSync(text);
    await assert.rejects(
      collect(decompress(chunks(gz.subarray(0, gz.length - 20), 64), true)),
      rejectsWith('GZIP_CORRUPT'),
    );
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 20, 60);
    await assert.rejects(collect(decompress(chunks(corrupt, 64), true)), rejectsWith('GZIP_CORRUPT'));
  });

  it('rethrows errors of the source unchanged (they are retried, not dead-lettered)', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield gzipSync(text).subarray(0, 30);
      throw new Error('socket hang up');
    }
    await assert.rejects(collect(decompress(failing(), true)), /socket hang up/);
  });
});
