/**
 * @nord/tfjs: builds nord descriptors as TensorFlow.js models, trains and
 * scores them, and selects the TensorFlow.js backend. Importing it registers
 * the cpu and wasm backends and nord's gradient kernels for wasm.
 */
export {
  BACKEND_CHOICES,
  type BackendChoice,
  type BackendOptions,
  type BackendSelection,
  ensureBackend,
  NATIVE_BACKEND_PACKAGES,
  selectBackend,
} from './backend.js'
export {
  type BuildOptions,
  type BuiltNetwork,
  buildModel,
  buildNetwork,
  countTrainableParameters,
} from './build-model.js'
export {
  type NonFiniteSite,
  NordAbortError,
  NordBackendError,
  NordNonFiniteError,
  NordResourceError,
  NordTrainingError,
} from './errors.js'
export {
  estimateTrainingMemory,
  type LayerMemory,
  type MemoryEstimate,
  type MemoryEstimateOptions,
} from './memory.js'
export {
  defaultMemoryLimit,
  formatBytes,
  MAX_TYPED_ARRAY_LENGTH,
  type MemoryLimit,
  resolveMemoryLimit,
  WASM_DEFAULT_MEMORY_LIMIT,
  WASM_HEAP_MAX,
} from './memory-limit.js'
export {
  assignWeights,
  flattenWeights,
  type Replica,
  replicaSlice,
  weightsDigest,
} from './replica.js'
export {
  type EpochLogs,
  OPTIMIZER_NAMES,
  type OptimizerName,
  type ResolvedTrainOptions,
  resolveTrainOptions,
  type TrainOptions,
  type TrainResult,
  trainAndScore,
} from './train.js'
export {
  installWasmKernels,
  wasmKernelsInstalled,
} from './wasm/install.js'
