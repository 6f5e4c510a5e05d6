import { once } from 'node:events';
import type { Transform } from 'node:stream';
import type { CloudTrailEvent, DecodeIssue, DecodeOutput, Decoder, ObjectContext } from '@lake/schemas';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/Pick';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { mapCloudTrailRecord } from './cloudtrail-record.mapper';

const HEAD_BYTES = 1024;

const fileIssue = (
  reason: DecodeIssue['reason'],
  message: string,
  position: number | null,
  head: Buffer | null,
): DecodeOutput<CloudTrailEvent> => ({ ok: false, issue: { reason, message, position, payload: head } });

/**
 * The CloudTrail log-file `Decoder`: `{"Records":[…]}` streamed with stream-json (tokenizer → Pick
 * `Records` → StreamArray), one record at a time, so memory does not grow with the file.
 *
 * The stages are joined with `pipe` and fed by hand rather than with `pipeline`: a syntax error must
 * not throw away the records completed before it (pipeline destroys every stage on the first error),
 * and each input chunk yields its records as one batch, keeping memory flat.
 */
export const decodeCloudTrail: Decoder<CloudTrailEvent> = async function* (
  source: AsyncIterable<Buffer>,
  context: ObjectContext,
) {
  const tokenizer = parser();
  const records = streamArray() as Transform;
  let sawRecords = false;
  const filter = pick({ filter: 'Records' });
  filter.once('data', () => {
    sawRecords = true;
  });
  tokenizer.pipe(filter).pipe(records);

  let out: DecodeOutput<CloudTrailEvent>[] = [];
  let next = 0;
  let failure: Error | null = null;
  records.on('data', (item: { key: number; value: unknown }) => {
    out.push(mapCloudTrailRecord(item.value, context, item.key));
    next = item.key + 1;
  });
  const onError = (err: Error) => {
    failure ??= err;
  };
  tokenizer.on('error', onError);
  filter.on('error', onError);
  records.on('error', onError);
  const ended = once(records, 'end').catch(() => undefined);

  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let head: Buffer | null = null;
  let bytes = 0;
  try {
    for await (const chunk of source) {
      if (head === null || head.length < HEAD_BYTES) {
        head = Buffer.concat([head ?? Buffer.alloc(0), chunk]).subarray(0, HEAD_BYTES);
      }
      bytes += chunk.length;
      let text: string;
      try {
        text = utf8.decode(chunk, { stream: true });
      } catch {
        out.push(fileIssue('INVALID_UTF8', `the file is not valid UTF-8 (after record ${next})`, next, head));
        yield out;
        return;
      }
      if (text.length > 0 && !tokenizer.write(text)) {
        await Promise.race([once(tokenizer, 'drain'), once(tokenizer, 'error')]).catch(() => undefined);
      }
      // Let the piped stages catch up, then hand this chunk's records on.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (failure) {
        break;
      }
      if (out.length > 0) {
        yield out;
        out = [];
      }
    }
    if (!failure) {
      try {
        utf8.decode();
      } catch {
        out.push(fileIssue('INVALID_UTF8', 'the file ends inside a UTF-8 character', next, head));
        yield out;
        return;
      }
      tokenizer.end();
      await Promise.race([
        ended,
        once(tokenizer, 'error').catch(() => undefined),
        once(records, 'error').catch(() => undefined),
      ]);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const err = failure as Error | null;
    if (bytes === 0) {
      out.push(fileIssue('OBJECT_EMPTY', 'the object is empty', null, null));
    } else if (err && /should be an array/i.test(err.message)) {
      out.push(fileIssue('NOT_CLOUDTRAIL', 'the "Records" member is not an array', null, head));
    } else if (err) {
      out.push(fileIssue('INVALID_JSON', `invalid JSON after record ${next}: ${err.message}`, next, head));
    } else if (!sawRecords) {
      out.push(fileIssue('NOT_CLOUDTRAIL', 'the JSON has no top-level "Records" array', null, head));
    }
    if (out.length > 0) {
      yield out;
    }
  } finally {
    tokenizer.destroy();
    filter.destroy();
    records.destroy();
  }
};
