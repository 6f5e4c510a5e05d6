import { bool, parserEnv, z } from '@lake/config';

export const configSchema = z.object({
  ...parserEnv('flow-parser'),
  /** Read records without a header line with the default v2 format (CloudWatch Logs exports). */
  FLOW_HEADERLESS: bool(false),
});

export type FlowParserConfig = z.infer<typeof configSchema>;
