import { z } from 'zod';
import { ConfigError } from './config.errors';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Validates `env` against `schema` once, at start. Empty strings count as unset so that
 * `FOO=` in a compose file means "use the default" rather than "the empty value".
 * The error lists every problem by variable name and never echoes a value (secrets).
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') {
      cleaned[key] = value;
    }
  }
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return result.data;
}
