export { DescriptorErrorCode } from './codes.js'
export { Descriptor } from './descriptor.js'
export { descriptorHash } from './hash.js'
export type { DescriptorAnalysis, ValidationOptions } from './inference.js'
export {
  analyzeDescriptor,
  summarizeNetwork,
  validateDescriptor,
} from './inference.js'
export type { LayerCost, LayerType } from './layers.js'
export {
  checkLayerParams,
  isLayerType,
  LAYER_TYPES,
  resolveLayerParams,
} from './layers.js'
export type { Pair, ParamValue, ResolvedParams } from './params.js'
export type {
  ConvNetSizeOptions,
  IntegerSpaceDefinition,
  ResolvedConvNetSizeOptions,
} from './space.js'
export {
  checkGenotype,
  convNetSizeSpace,
  integerSpace,
  resolveConvNetSizeOptions,
  validateGenes,
} from './space.js'
export { HEAD_LAYER_NAMES } from './structure.js'
export type { Topology } from './topology.js'
