import type { Logger } from '@lake/observability';
import { sleep } from './sleep';

/** A loop run in the background from `start()` until `stop()`, which aborts `signal` and waits for it. */
export abstract class BackgroundLoop {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;

  protected get signal(): AbortSignal {
    return this.abort.signal;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  protected abstract run(): Promise<void>;
}

/**
 * Runs `pass` now and then every `intervalMs` until stopped; a failed pass is logged and the next
 * one runs on time. `stop()` interrupts the wait (a pass under way sees `signal` aborted).
 */
export abstract class PeriodicTask extends BackgroundLoop {
  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {
    super();
  }

  protected abstract pass(): Promise<void>;

  protected async run(): Promise<void> {
    while (!this.signal.aborted) {
      try {
        await this.pass();
      } catch (err) {
        this.logger.warn({ err, task: this.name }, 'periodic pass failed');
      }
      await sleep(this.intervalMs, this.signal);
    }
  }
}
