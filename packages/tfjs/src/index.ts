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
} from './errors.js'
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
