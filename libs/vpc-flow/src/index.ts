export * from './enrichment';
export { enrich } from './flow-enricher';
export { DEFAULT_FORMAT, parseHeader, type Column, type FlowFamily, type FlowHeader } from './flow-header';
export {
  FlowAvroMessage,
  VpcFlowLineDecoder,
  createVpcFlowDecoder,
  encodeFlow,
  type FlowDecoded,
  type FlowOutput,
  type VpcFlowDecoderOptions,
} from './vpc-flow.decoder';
export { decodeParquetFlow } from './parquet-flow.decoder';
export { VpcFlowSchemaError, type VpcFlowErrorCode } from './vpc-flow.errors';
