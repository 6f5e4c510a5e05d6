import { dayPrefixes, keyDate } from '@lake/object-keys';
import type { ListedObject, S3Store } from '@lake/s3';
import type { ObjectRef } from '@lake/s3-events';

export interface ListingScope {
  bucket: string;
  prefix: string;
  /** Days (YYYY-MM-DD, UTC, inclusive) from the key layout; both or neither. */
  from?: string;
  to?: string;
}

/**
 * The objects of a bucket/prefix in key order, page by page, limited to a date range when one is
 * given: under a region folder the day folders are listed directly; otherwise the whole prefix is
 * listed and keys are kept by their day folder (keys without one are left out of a dated listing).
 */
export interface ListedPage {
  /** The page's objects in range. */
  objects: ListedObject[];
  /** The page's last key, in range or not: where a resumed listing starts after. */
  lastKey: string;
}

export async function* listScope(
  s3: Pick<S3Store, 'listPages'>,
  scope: ListingScope,
  startAfter?: string,
): AsyncGenerator<ListedPage> {
  const { from, to } = scope;
  const pages = async function* (prefix: string, after: string | undefined) {
    for await (const page of s3.listPages(scope.bucket, prefix, after)) {
      yield { objects: page, lastKey: page[page.length - 1]!.key };
    }
  };
  if (!from || !to) {
    yield* pages(scope.prefix, startAfter);
    return;
  }
  const days = dayPrefixes(scope.prefix, from, to);
  if (days) {
    for (const prefix of days) {
      // Day prefixes sort as their keys do: a checkpoint key past this day skips it entirely.
      if (startAfter && startAfter >= `${prefix}\uffff`) {
        continue;
      }
      yield* pages(prefix, startAfter && startAfter > prefix ? startAfter : undefined);
    }
    return;
  }
  for await (const page of s3.listPages(scope.bucket, scope.prefix, startAfter)) {
    const objects = page.filter((o) => {
      const day = keyDate(o.key);
      return day !== null && day >= from && day <= to;
    });
    yield { objects, lastKey: page[page.length - 1]!.key };
  }
}

/** A listed object as the publisher takes it (source `listing`). */
export function listedRef(bucket: string, o: ListedObject): ObjectRef {
  return {
    bucket,
    key: o.key,
    size: o.size,
    etag: o.etag ? o.etag.replace(/"/g, '') : null,
    versionId: null,
    sequencer: null,
    eventName: 'Listing',
    eventTime: o.lastModified,
    via: 'listing',
  };
}

/** Spreads work to at most `perSecond` items a second on average (0: unlimited). */
export class RateLimiter {
  private next = 0;

  constructor(private readonly perSecond: number) {}

  async take(n: number, signal?: AbortSignal): Promise<void> {
    if (this.perSecond <= 0) {
      return;
    }
    const now = Date.now();
    const start = Math.max(now, this.next);
    this.next = start + (n * 1000) / this.perSecond;
    const wait = start - now;
    if (wait > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
