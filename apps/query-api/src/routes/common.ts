import { isIP } from 'node:net';
import { Type } from '@sinclair/typebox';
import { BadRequestError } from '../plugins/errors.plugin';

const DAY_MS = 86_400_000;

export const TimeRange = {
  from: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'start, inclusive (ISO 8601); default: 24 hours before `to`',
    }),
  ),
  to: Type.Optional(
    Type.String({ format: 'date-time', description: 'end, exclusive (ISO 8601); default: now' }),
  ),
};

export const Paging = {
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'page size' }),
  cursor: Type.Optional(Type.String({ maxLength: 2048, description: 'nextCursor of the previous page' })),
};

export const PageOf = (item: ReturnType<typeof Type.Object>) =>
  Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
  });

export const ErrorReply = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
});

export function timeRange(q: { from?: string; to?: string }, now = Date.now()): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : new Date(now);
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DAY_MS);
  if (from.getTime() >= to.getTime()) {
    throw new BadRequestError('`from` must be before `to`');
  }
  return { from, to };
}

/** An address (`10.0.0.1`, `2001:db8::1`) or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`). */
export function addressOrCidr(name: string, value: string | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const [addr, bits, more] = value.split('/');
  const family = isIP(addr ?? '');
  const max = family === 4 ? 32 : 128;
  const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
  if (family === 0 || !okBits || more !== undefined) {
    throw new BadRequestError(
      `\`${name}\` must be an IP address or CIDR block, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
