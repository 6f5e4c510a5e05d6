import { Transform, pipeline } from 'node:stream';
import accepts from '@fastify/accepts';
import { Type } from '@sinclair/typebox';
import { stringify } from 'csv-stringify';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { RowStream } from '@lake/pg';

declare module 'fastify' {
  interface FastifyRequest {
    /** csv / ndjson when the client asked for an export (`format` beats `Accept`), else null (JSON page). */
    exportFormat(format: 'json' | 'csv' | 'ndjson' | undefined): ExportFormat | null;
  }
  interface FastifyReply {
    /** Streams every row of `source` as CSV or NDJSON (`name` is the download's file name). */
    sendExport(format: ExportFormat, source: RowStream, name: string): FastifyReply;
  }
}

/**
 * Export of list endpoints: the whole filtered range (no page limit; `cursor` still sets the
 * start) streamed as CSV or NDJSON from a server-side cursor, in constant memory. Asked for with
 * `format=csv|ndjson` or `Accept: text/csv` / `application/x-ndjson`; `format` wins.
 */
export const ExportParam = {
  format: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('ndjson')], {
      description:
        'json: one page (default); csv or ndjson: every matching row, streamed (limit does not apply). ' +
        'Or send Accept: text/csv / application/x-ndjson.',
    }),
  ),
};

export type ExportFormat = 'csv' | 'ndjson';

const CSV = 'text/csv';
const NDJSON = 'application/x-ndjson';
const JSON_TYPE = 'application/json';

function exportFormat(
  req: FastifyRequest,
  format: 'json' | 'csv' | 'ndjson' | undefined,
): ExportFormat | null {
  if (format !== undefined) {
    return format === 'json' ? null : format;
  }
  if (!req.headers.accept) {
    return null;
  }
  // First acceptable type in the client's order of preference (q values); JSON when it allows any.
  const best = req.accepts().type([JSON_TYPE, CSV, NDJSON, 'application/jsonl']);
  return best === CSV ? 'csv' : best === NDJSON || best === 'application/jsonl' ? 'ndjson' : null;
}

/** CSV cells: ISO times, true/false, JSON for JSONB values; null and missing are empty. */
const csvCast = {
  date: (d: Date) => d.toISOString(),
  boolean: (b: boolean) => (b ? 'true' : 'false'),
  object: (o: object) => JSON.stringify(o),
  bigint: (n: bigint) => n.toString(),
};

function ndjsonEncoder(): Transform {
  return new Transform({
    writableObjectMode: true,
    transform(row: Record<string, unknown>, _enc, done) {
      done(null, `${JSON.stringify(row)}\n`);
    },
  });
}

/**
 * Joins small pieces (one per row) into chunks of about 64 KiB: one socket write and one HTTP
 * chunk per 64 KiB instead of per row.
 */
function coalesce(target = 64 * 1024): Transform {
  let parts: Buffer[] = [];
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= target) {
        const out = Buffer.concat(parts, size);
        parts = [];
        size = 0;
        done(null, out);
      } else {
        done();
      }
    },
    flush(done) {
      done(null, size > 0 ? Buffer.concat(parts, size) : undefined);
    },
  });
}

/**
 * Streams `source` to the client: rows → encoder → 64 KiB chunks → socket, with backpressure all
 * the way to the Postgres cursor. A client that goes away destroys the chain, which closes the
 * cursor and frees the connection; a failure after the headers were sent cuts the response short
 * (logged), since the status line is already out.
 */
function sendExport(
  req: FastifyRequest,
  reply: FastifyReply,
  format: ExportFormat,
  source: RowStream,
  name: string,
  stallMs: number,
): FastifyReply {
  const encoder =
    format === 'csv' ? stringify({ header: true, columns: source.columns, cast: csvCast }) : ndjsonEncoder();
  const body = pipeline(source.rows, encoder, coalesce(), (err) => {
    clearInterval(watchdog);
    if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') {
      req.log.error({ err }, 'export failed while streaming');
    }
  });
  // A client that stops reading but keeps its socket open would hold the cursor (and a pooled
  // connection) forever: cut it when the socket stayed full for a whole interval. A slow query
  // between batches is not a stall (nothing is waiting to be sent then).
  let lastWritten = -1;
  const watchdog = setInterval(() => {
    const written = reply.raw.socket?.bytesWritten ?? 0;
    if (reply.raw.writableNeedDrain && written === lastWritten) {
      req.log.warn({ stallMs }, 'export client stopped reading; closing the connection');
      reply.raw.destroy();
    }
    lastWritten = written;
  }, stallMs);
  watchdog.unref();
  return reply
    .header('content-type', format === 'csv' ? `${CSV}; charset=utf-8` : `${NDJSON}; charset=utf-8`)
    .header('content-disposition', `attachment; filename="${name}.${format === 'csv' ? 'csv' : 'ndjson'}"`)
    .header('cache-control', 'no-store')
    .send(body);
}

/** How a CSV or NDJSON export reads in the OpenAPI document. */
const EXPORT_MEDIA = {
  [CSV]: {
    schema: Type.String({ description: 'every matching row; a header line, then one line per row' }),
  },
  [NDJSON]: { schema: Type.String({ description: 'every matching row, one JSON object per line' }) },
};

/**
 * Routes that take `format` say in their OpenAPI document that a 200 may also be CSV or NDJSON: the
 * JSON page schema moves under `application/json` (Fastify serializes by content type, and the
 * export is a stream it does not serialize) and the two export types are added next to it.
 */
function documentExportTypes(route: RouteOptions): void {
  const schema = route.schema as
    | { querystring?: { properties?: Record<string, unknown> }; response?: Record<string, unknown> }
    | undefined;
  const page = schema?.response?.['200'];
  if (!schema?.querystring?.properties?.['format'] || !schema.response || page === undefined) {
    return;
  }
  schema.response['200'] = { content: { [JSON_TYPE]: { schema: page }, ...EXPORT_MEDIA } };
}

export interface ExportSettings {
  /** An export whose client read nothing for this long (socket buffers full) is cut off. */
  stallSeconds: number;
}

/** Export for list routes: `req.exportFormat(q.format)` and `reply.sendExport(format, rows, name)`. */
export const exportPlugin = fp(
  async (app: FastifyInstance, opts: ExportSettings) => {
    await app.register(accepts);
    app.decorateRequest('exportFormat', function (this: FastifyRequest, format) {
      return exportFormat(this, format);
    });
    app.decorateReply('sendExport', function (this: FastifyReply, format, source, name) {
      return sendExport(this.request, this, format, source, name, opts.stallSeconds * 1000);
    });
    app.addHook('onRoute', documentExportTypes);
  },
  { name: 'lake-export', fastify: '5.x' },
);
