import { parserEnv, z } from '@lake/config';

export const configSchema = z.object(parserEnv('cloudtrail-parser'));

export type CloudTrailParserConfig = z.infer<typeof configSchema>;
