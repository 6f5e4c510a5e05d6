/**
 * Health of a service as a set of named checks. A check is cheap (no heavy queries):
 * it says whether a part (a consumer, a pool, a producer) can do its work right now.
 */
export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export type HealthCheck = () => CheckResult | Promise<CheckResult>;

export interface HealthReport {
  status: 'ok' | 'failing';
  checks: Record<string, CheckResult>;
}

export class HealthRegistry {
  private readonly liveness = new Map<string, HealthCheck>();
  private readonly readiness = new Map<string, HealthCheck>();

  /** Checks that say the process should be restarted when they fail (e.g. a crashed consumer). */
  addLiveness(name: string, check: HealthCheck): void {
    this.liveness.set(name, check);
  }

  /** Checks that say the process should not get traffic yet (e.g. not connected). */
  addReadiness(name: string, check: HealthCheck): void {
    this.readiness.set(name, check);
  }

  health(): Promise<HealthReport> {
    return run(this.liveness);
  }

  ready(): Promise<HealthReport> {
    return run(new Map([...this.liveness, ...this.readiness]));
  }
}

async function run(checks: Map<string, HealthCheck>): Promise<HealthReport> {
  const results: Record<string, CheckResult> = {};
  let ok = true;
  for (const [name, check] of checks) {
    let result: CheckResult;
    try {
      result = await check();
    } catch (err) {
      result = { ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
    results[name] = result;
    ok &&= result.ok;
  }
  return { status: ok ? 'ok' : 'failing', checks: results };
}
