import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { commonEnv, csv, databaseEnv } from './common.schema';
import { ConfigError } from './config.errors';
import { loadConfig } from './load-config';

const schema = z.object({ ...commonEnv, ...databaseEnv, KAFKA_BROKERS: csv });

describe('loadConfig', () => {
  it('coerces and defaults values', () => {
    const cfg = loadConfig(schema, {
      DATABASE_URL: 'postgres://u@h/db',
      KAFKA_BROKERS: 'a:1, b:2',
      OPS_PORT: '8080',
      LOG_LEVEL: '',
    });
    assert.equal(cfg.OPS_PORT, 8080);
    assert.equal(cfg.LOG_LEVEL, 'info');
    assert.deepEqual(cfg.KAFKA_BROKERS, ['a:1', 'b:2']);
    assert.equal(cfg.DATABASE_SCHEMA, 'lake');
  });

  it('names every invalid variable without echoing values', () => {
    assert.throws(
      () => loadConfig(schema, { DATABASE_URL: 'mysql://secret-password@h', OPS_PORT: 'x' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /DATABASE_URL/);
        assert.match(err.message, /OPS_PORT/);
        assert.match(err.message, /KAFKA_BROKERS/);
        assert.doesNotMatch(err.message, /secret-password/);
        return true;
      },
    );
  });
});
