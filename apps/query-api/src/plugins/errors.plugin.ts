import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CursorError } from '@lake/pg';

/** A client error with a message that is safe to show. */
export class BadRequestError extends Error {
  readonly statusCode = 400;
}

/**
 * The message of a 4xx. Ajv says "must NOT have additional properties" without saying which: the
 * parameter is named, since a misspelt or inapplicable filter is the usual cause.
 */
function messageOf(err: FastifyError | Error): string {
  const unknown =
    'validation' in err && Array.isArray(err.validation)
      ? err.validation.flatMap((v) =>
          v.keyword === 'additionalProperties' && typeof v.params['additionalProperty'] === 'string'
            ? [v.params['additionalProperty']]
            : [],
        )
      : [];
  if (unknown.length === 0) {
    return err.message;
  }
  const where = 'validationContext' in err && err.validationContext ? `${err.validationContext} ` : '';
  return `${where}has no parameter ${unknown.map((n) => `\`${n}\``).join(', ')} (this route does not take it)`;
}

/**
 * One error handler: 4xx say what was wrong (validation messages name the parameter);
 * 5xx are logged with the request id and answered without internals.
 */
export const errorsPlugin = fp(
  (app: FastifyInstance) => {
    app.setErrorHandler((err: FastifyError | Error, req, reply) => {
      const status =
        err instanceof CursorError
          ? 400
          : 'statusCode' in err && typeof err.statusCode === 'number'
            ? err.statusCode
            : 500;
      if (status >= 500) {
        req.log.error({ err }, 'request failed');
        return reply
          .code(status)
          .send({ statusCode: status, error: 'Internal Server Error', message: 'internal error' });
      }
      const label =
        status === 404
          ? 'Not Found'
          : status === 401
            ? 'Unauthorized'
            : status === 429
              ? 'Too Many Requests'
              : 'Bad Request';
      return reply.code(status).send({ statusCode: status, error: label, message: messageOf(err) });
    });
    app.setNotFoundHandler((req, reply) =>
      reply
        .code(404)
        .send({ statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${req.url}` }),
    );
  },
  { name: 'lake-errors', fastify: '5.x' },
);
