/** Raised when the environment does not satisfy a service's configuration schema. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly retriable = false;
  constructor(
    readonly issues: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`, options);
    this.name = 'ConfigError';
  }
}
