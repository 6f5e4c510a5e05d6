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
