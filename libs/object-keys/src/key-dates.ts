import { ObjectKeysError } from './object-keys.errors';

/**
 * Dates in the key layouts AWS documents (see object-key.ts): `…/{yyyy}/{mm}/{dd}/…` after the
 * region folder, or Hive-compatible `…/year={yyyy}/month={mm}/day={dd}/…`.
 */

const PLAIN_DAY =
  /\/(?:vpcflowlogs|CloudTrail|CloudTrail-Insight|CloudTrail-Digest)\/[a-z0-9-]+\/(\d{4})\/(\d{2})\/(\d{2})\//;
const HIVE_DAY = /\/aws-region=[a-z0-9-]+\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\//;
/** A prefix that ends at the region folder, where the day folders start. */
const PLAIN_REGION =
  /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]+\/)?\d{12}\/(?:vpcflowlogs|CloudTrail|CloudTrail-Insight|CloudTrail-Digest)\/[a-z0-9-]+\/$/;
const HIVE_REGION =
  /(?:^|\/)AWSLogs\/aws-account-id=\d{12}\/aws-service=vpcflowlogs\/aws-region=[a-z0-9-]+\/$/;

/** The day folder of a log key, `YYYY-MM-DD`, or null when the key has none. */
export function keyDate(key: string): string | null {
  const m = PLAIN_DAY.exec(key) ?? HIVE_DAY.exec(key);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/** `YYYY-MM-DD` days from `from` to `to`, both included (UTC). */
export function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end)) {
    throw new ObjectKeysError('DATES_INVALID', `dates must be YYYY-MM-DD (got ${from} and ${to})`);
  }
  const days: string[] = [];
  for (let t = start; t <= end; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * The day prefixes under `prefix` for the days from `from` to `to`, when `prefix` ends at a region
 * folder (plain or Hive layout); null otherwise (the caller then lists the prefix and filters by
 * {@link keyDate}). Day prefixes sort as their days do, so one listing position works across them.
 */
export function dayPrefixes(prefix: string, from: string, to: string): string[] | null {
  const days = daysBetween(from, to);
  if (PLAIN_REGION.test(prefix)) {
    return days.map((d) => `${prefix}${d.replace(/-/g, '/')}/`);
  }
  if (HIVE_REGION.test(prefix)) {
    return days.map((d) => {
      const [y, m, dd] = d.split('-');
      return `${prefix}year=${y}/month=${m}/day=${dd}/`;
    });
  }
  return null;
}
