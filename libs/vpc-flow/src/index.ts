export { DEFAULT_FORMAT, parseHeader, type Column, type FlowHeader } from './flow-header';
export { LineSplitter } from './line-splitter';
export { VpcFlowLineDecoder, createVpcFlowDecoder, type VpcFlowDecoderOptions } from './vpc-flow.decoder';
