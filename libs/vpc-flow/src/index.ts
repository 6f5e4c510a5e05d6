export * from './enrichment';
export { enrich } from './flow-enricher';
export { DEFAULT_FORMAT, parseHeader, type Column, type FlowFamily, type FlowHeader } from './flow-header';
export {
  VpcFlowLineDecoder,
  createVpcFlowDecoder,
  type FlowDecoded,
  type VpcFlowDecoderOptions,
} from './vpc-flow.decoder';
export { decodeParquetFlow } from './parquet-flow.decoder';
