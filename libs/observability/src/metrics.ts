import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per service, with the process metrics and a `service` label on everything. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) {
    return existing as Counter<L>;
  }
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function gauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) {
    return existing as Gauge<L>;
  }
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

export function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets?: number[],
): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) {
    return existing as Histogram<L>;
  }
  return new Histogram({ name, help, labelNames, registers: [registry], ...(buckets ? { buckets } : {}) });
}

/**
 * Label values taken from input (e.g. the field names of a file's header): the first `max` distinct
 * values are kept as they are, later ones become `other`, so that odd or hostile input cannot
 * create an unbounded number of series.
 */
export class LabelCap {
  private readonly seen = new Set<string>();

  constructor(private readonly max = 100) {}

  of(value: string): string {
    if (this.seen.has(value)) {
      return value;
    }
    if (this.seen.size < this.max) {
      this.seen.add(value);
      return value;
    }
    return 'other';
  }
}
