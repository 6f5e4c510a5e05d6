import type { Logger } from 'pino';

export type Closer = { name: string; close: () => Promise<void> | void };

/**
 * Closes parts in the given order (callers list them from input to output: stop taking input,
 * flush producers, end pools), each bounded by `timeoutMs`, and reports whether all closed cleanly.
 */
export async function closeAll(
  closers: readonly Closer[],
  logger: Logger,
  timeoutMs = 10_000,
): Promise<boolean> {
  let clean = true;
  for (const closer of closers) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve(closer.close()),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      logger.info({ part: closer.name }, 'closed');
    } catch (err) {
      clean = false;
      logger.error({ part: closer.name, err }, 'close failed');
    } finally {
      clearTimeout(timer);
    }
  }
  return clean;
}

/**
 * A once-only shutdown handler for the app to register on its signals: logs the signal, closes the
 * parts in order and hands the outcome to `done` (where the app exits). Parts may be given as a
 * function, for those created after the handler.
 */
export function createShutdown(
  closers: readonly Closer[] | (() => readonly Closer[]),
  logger: Logger,
  done: (clean: boolean) => void,
  timeoutMs?: number,
): (signal: string) => void {
  let stopping = false;
  return (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    const parts = typeof closers === 'function' ? closers() : closers;
    void closeAll(parts, logger, timeoutMs).then(done);
  };
}
