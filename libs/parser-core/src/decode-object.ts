import type { DecodeOutput, Decoder, ObjectContext } from '@lake/schemas';
import { decompress } from './decompress';
import { ObjectDecodeError } from './parser.errors';

/**
 * Decompresses and decodes one object's bytes exactly as the parsers do, turning whole-object
 * failures (not gzip, corrupt gzip, empty) into a final issue after the records read before them.
 * Used by the parser services and by the `decode` command.
 */
export async function* decodeObject<T>(
  body: AsyncIterable<Buffer>,
  context: ObjectContext,
  decoder: Decoder<T>,
): AsyncGenerator<DecodeOutput<T>[]> {
  const source = decompress(body, context.key.endsWith('.gz'));
  try {
    yield* decoder(source, context);
  } catch (err) {
    if (!(err instanceof ObjectDecodeError)) {
      throw err;
    }
    yield [
      {
        ok: false,
        issue: { reason: err.reason, message: err.message, position: null, payload: err.payload },
      },
    ];
  }
}
