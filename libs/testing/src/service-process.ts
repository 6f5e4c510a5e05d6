import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

export interface ServiceProcessOptions {
  /** App name under apps/ (notifier, flow-parser, cloudtrail-parser, sink, query-api). */
  app: string;
  repoRoot: string;
  env: Record<string, string>;
  /** Folder for the process's stdout/stderr (`<app>-<n>.log`). */
  logDir: string;
  /** Environment the child inherits (PATH and the like); pass process.env. */
  baseEnv: Readonly<Record<string, string | undefined>>;
  /** HTTP port (the API port of query-api, the ops port of the others); a free one when omitted. */
  port?: number;
  /** Run the esbuild bundle (dist/apps/<app>/main.js, from `nx build`) instead of the TypeScript source. */
  built?: boolean;
  /** Extra node options, e.g. ['--cpu-prof'] for the benchmark's profiles. */
  nodeArgs?: string[];
}

let counter = 0;

/**
 * Runs one service as its own process, exactly as deployed (its main.ts, configured by env),
 * and waits until its /ready answers 200.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  port = 0;
  readonly logFile: string;

  constructor(private readonly options: ServiceProcessOptions) {
    mkdirSync(options.logDir, { recursive: true });
    this.logFile = join(options.logDir, `${options.app}-${++counter}.log`);
  }

  /** Process id of the running service (for /proc readings such as peak RSS). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port = this.options.port ?? (await freePort());
    const portVar =
      this.options.app === 'query-api' ? { PORT: String(this.port) } : { OPS_PORT: String(this.port) };
    const log = createWriteStream(this.logFile, { flags: 'a' });
    // The bundle runs as the image runs it (deploy/docker/Dockerfile CMD); the source through tsx,
    // whose loader adds a module-hooks thread (its own V8 heap) and transpiles at start.
    const entry = this.options.built
      ? ['--enable-source-maps', join('dist', 'apps', this.options.app, 'main.js')]
      : ['--import', 'tsx', join('apps', this.options.app, 'src', 'main.ts')];
    const child = spawn(process.execPath, [...(this.options.nodeArgs ?? []), ...entry], {
      cwd: this.options.repoRoot,
      env: { ...this.options.baseEnv, LOG_LEVEL: 'info', ...this.options.env, ...portVar },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let exitCode: number | null | undefined;
    void this.exited.then((code) => {
      exitCode = code;
    });
    await waitFor(
      `${this.options.app} to be ready (log: ${this.logFile})`,
      async () => {
        if (exitCode !== undefined) {
          throw new Error(`${this.options.app} exited with code ${exitCode}; see ${this.logFile}`);
        }
        const res = await fetch(`${this.baseUrl}/ready`).catch(() => null);
        return res?.status === 200 ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );
    return this;
  }

  /** Sum of a Prometheus counter over its label sets (a name, or a name with its first labels), from /metrics. */
  async counter(name: string): Promise<number> {
    const text = await (await fetch(`${this.baseUrl}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  }

  /** Current value of a Prometheus gauge (summed over its label sets), from /metrics. */
  async gauge(name: string): Promise<number> {
    return this.counter(name);
  }

  /** Heap, off-heap (external) and resident memory at the highest RSS seen by `sampleMemory`, in MB. */
  readonly memoryAtPeak = { heapUsedMb: 0, externalMb: 0, rssMb: 0 };

  /** Reads the process's memory gauges (prom-client) and keeps them when its RSS is the highest yet. */
  async sampleMemory(): Promise<void> {
    const mb = async (name: string) => Math.round((await this.gauge(name)) / 1e6);
    const [heap, external, rss] = await Promise.all([
      mb('nodejs_heap_size_used_bytes'),
      mb('nodejs_external_memory_bytes'),
      mb('process_resident_memory_bytes'),
    ]);
    if (rss > this.memoryAtPeak.rssMb) {
      Object.assign(this.memoryAtPeak, { heapUsedMb: heap, externalMb: external, rssMb: rss });
    }
  }

  /** Peak resident memory of the running process (VmHWM), in MB; null when it is not running. */
  peakRssMb(): number | null {
    const pid = this.pid;
    if (!pid) {
      return null;
    }
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  }

  /** Graceful stop (SIGTERM), as an orchestrator does. */
  async stop(): Promise<number | null> {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGTERM');
    }
    return this.exited;
  }

  /** Abrupt stop (SIGKILL): a crash at an arbitrary point. */
  async kill(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }
}
