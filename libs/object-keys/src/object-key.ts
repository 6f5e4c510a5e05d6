import type { ObjectKeyInfo, ObjectKind } from '@lake/schemas';

export type { ObjectKeyInfo } from '@lake/schemas';

/**
 * What an S3 key tells about the object, following the layouts AWS documents:
 *
 * VPC Flow Logs (flow-logs-s3):
 *   [prefix/]AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/[{HH}/]{file}
 *   [prefix/]AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/year=…/month=…/day=…/[hour=…/]{file}
 *   file: {account}_vpcflowlogs_{region}_{flow-log-id}_{yyyymmddTHHmmZ}_{hash}.log.gz | .log.parquet
 * CloudTrail (cloudtrail-log-file-examples):
 *   [prefix/]AWSLogs/[{org-id}/]{account}/CloudTrail/{region}/{yyyy}/{mm}/{dd}/{account}_CloudTrail_{region}_{yyyymmddTHHmmZ}_{unique}.json.gz
 *   … /CloudTrail-Insight/ … and … /CloudTrail-Digest/ … (digest files)
 */

const UNKNOWN: ObjectKeyInfo = {
  kind: 'OTHER',
  accountId: null,
  region: null,
  organizationId: null,
  flowLogId: null,
  deliveredAt: null,
  prefix: null,
  compressed: false,
};

const FLOW_PLAIN =
  /^(?:(.*)\/)?AWSLogs\/(\d{12})\/vpcflowlogs\/([a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/(?:\d{2}\/)?([^/]+)$/;
const FLOW_HIVE =
  /^(?:(.*)\/)?AWSLogs\/aws-account-id=(\d{12})\/aws-service=vpcflowlogs\/aws-region=([a-z0-9-]+)\/year=\d{4}\/month=\d{2}\/day=\d{2}\/(?:hour=\d{2}\/)?([^/]+)$/;
const FLOW_FILE =
  /^(\d{12})_vpcflowlogs_([a-z0-9-]+)_(fl-[0-9a-zA-Z]+)_(\d{8}T\d{4}Z)_([0-9a-zA-Z]+)\.log(\.gz|\.parquet|\.gz\.parquet)?$/;

const TRAIL =
  /^(?:(.*)\/)?AWSLogs\/(?:(o-[a-z0-9]+)\/)?(\d{12})\/(CloudTrail|CloudTrail-Insight|CloudTrail-Digest)\/([a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/([^/]+)$/;
const TRAIL_FILE =
  /^(\d{12})_(CloudTrail|CloudTrail-Insight|CloudTrail-Digest)_([a-z0-9-]+)_(?:.+_)?(\d{8}T\d{4,6}Z)(?:_[0-9a-zA-Z]+)?\.json(\.gz)?$/;

/** `20180620T1620Z` or `20180620T162059Z` → epoch ms (UTC). */
export function parseCompactTime(text: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?Z$/.exec(text);
  if (!m) {
    return null;
  }
  const [, y, mo, d, h, mi, s] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? '0'));
  return Number.isNaN(ms) ? null : ms;
}

export function classifyKey(key: string): ObjectKeyInfo {
  const flow = FLOW_PLAIN.exec(key) ?? FLOW_HIVE.exec(key);
  if (flow) {
    const [, prefix, accountId, region, file] = flow as unknown as [
      string,
      string | undefined,
      string,
      string,
      string,
    ];
    const f = FLOW_FILE.exec(file);
    if (!f) {
      return { ...UNKNOWN, prefix: prefix ?? null, accountId, region };
    }
    const ext = f[6] ?? '';
    return {
      kind: ext.endsWith('parquet') ? 'VPCFLOWLOGS_PARQUET' : 'VPCFLOWLOGS',
      accountId,
      region,
      organizationId: null,
      flowLogId: f[3] ?? null,
      deliveredAt: parseCompactTime(f[4] ?? ''),
      prefix: prefix ?? null,
      compressed: ext === '.gz',
    };
  }
  const trail = TRAIL.exec(key);
  if (trail) {
    const [, prefix, org, accountId, folder, region, file] = trail as unknown as [
      string,
      string | undefined,
      string | undefined,
      string,
      string,
      string,
      string,
    ];
    const f = TRAIL_FILE.exec(file);
    // Only CloudTrail's own files: a file name of another shape under the same folders is "other".
    if (!f || f[2] !== folder) {
      return { ...UNKNOWN, prefix: prefix ?? null, accountId, region, organizationId: org ?? null };
    }
    const kind: ObjectKind =
      folder === 'CloudTrail'
        ? 'CLOUDTRAIL'
        : folder === 'CloudTrail-Insight'
          ? 'CLOUDTRAIL_INSIGHT'
          : 'CLOUDTRAIL_DIGEST';
    return {
      kind,
      accountId,
      region,
      organizationId: org ?? null,
      flowLogId: null,
      deliveredAt: parseCompactTime(f[4] ?? ''),
      prefix: prefix ?? null,
      compressed: f[5] === '.gz',
    };
  }
  return UNKNOWN;
}
