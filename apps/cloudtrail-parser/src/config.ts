import { parserEnv, z } from '@lake/config';

export const configSchema = z.object({
  ...parserEnv('cloudtrail-parser'),
  /**
   * PEM public key(s) of the trail's region for digest signatures (AWS publishes them through
   * ListPublicKeys; these machines cannot fetch them). Unset: digests are checked for hashes and
   * chaining only, and their signatureStatus is "unchecked".
   */
  CLOUDTRAIL_DIGEST_PUBLIC_KEYS: z.string().optional(),
});

export type CloudTrailParserConfig = z.infer<typeof configSchema>;
