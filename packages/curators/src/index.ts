export type { Cifar10Batch } from './cifar10.js'
export {
  CIFAR10_CLASS_NAMES,
  CIFAR10_RECORD_BYTES,
  concatCifar10Batches,
  parseCifar10Batch,
  parseCifar10ClassNames,
  readCifar10Batch,
  readCifar10ClassNames,
} from './cifar10.js'
export {
  createCifar10Curator,
  createIdxCurator,
  createInMemoryCurator,
  EMBEDDED_SPLIT_SEED,
} from './curators.js'
export type { DatasetName, IdxDatasetName } from './datasets.js'
export {
  CIFAR10_FILES,
  DOWNLOADS,
  FASHION_MNIST_CLASS_NAMES,
  IDX_FILES,
  MNIST_CLASS_NAMES,
} from './datasets.js'
export type {
  DownloadedFile,
  DownloadOptions,
  DownloadResult,
} from './download.js'
export { downloadDataset } from './download.js'
export type { NordDataErrorOptions } from './errors.js'
export { DataErrorCode, NordDataError } from './errors.js'
export type { DataFileContents } from './files.js'
export { hasGzipSignature, readDataFile } from './files.js'
export { datasetFingerprint } from './fingerprint.js'
export type { IdxImages, IdxLabels } from './idx.js'
export {
  parseIdxImages,
  parseIdxLabels,
  readIdxImages,
  readIdxLabels,
  readIdxPair,
} from './idx.js'
export type {
  DataOrigin,
  DatasetLocation,
  LocateOptions,
  LookupOptions,
} from './lookup.js'
export { datasetCacheDir, EMBEDDED_DIR, locateDataset } from './lookup.js'
export type { ChannelStatistics, Normalization } from './normalize.js'
export {
  channelStatistics,
  scaleToUnit,
  standardizeInPlace,
} from './normalize.js'
export type {
  Cifar10CuratorOptions,
  CuratorOptions,
  IdxCuratorOptions,
} from './options.js'
export { DEFAULT_EMBEDDED_TEST_SIZE } from './options.js'
export type { SampleSet, ValidationSplit } from './splits.js'
export {
  countLabels,
  selectSamples,
  shardSplit,
  shuffleSamples,
  splitValidation,
  stratifiedIndices,
  subsetSamples,
} from './splits.js'
export { validateDataset } from './validate-dataset.js'
