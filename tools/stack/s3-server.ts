/**
 * Runs s3rver, an S3-compatible server, for the local stack and the tests.
 * Path-style requests; credentials S3RVER / S3RVER (s3rver's fixed pair).
 */
import { parseArgs } from 'node:util';
import S3rver from 's3rver';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '19000' },
    directory: { type: 'string', default: '.stack/s3' },
  },
});

const server = new S3rver({
  address: '127.0.0.1',
  port: Number(values.port),
  directory: values.directory,
  silent: true,
  allowMismatchedSignatures: false,
});

server
  .run()
  .then(({ address, port }) => {
    process.stdout.write(`s3rver listening on ${address}:${port}\n`);
  })
  .catch((err: unknown) => {
    process.stderr.write(`s3rver failed to start: ${String(err)}\n`);
    process.exit(1);
  });

const stop = (): void => {
  void server.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
