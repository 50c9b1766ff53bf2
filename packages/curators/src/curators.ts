import { basename, join } from 'node:path'
import {
  type Curator,
  createRandom,
  type DataSplit,
  type Dataset,
  type Logger,
} from '@nord/core'
import {
  CIFAR10_CHANNELS,
  CIFAR10_CLASS_NAMES,
  CIFAR10_CLASSES,
  CIFAR10_SIZE,
  concatCifar10Batches,
  readCifar10Batch,
  readCifar10ClassNames,
} from './cifar10.js'
import {
  CIFAR10_FILES,
  FASHION_MNIST_CLASS_NAMES,
  type IdxDatasetName,
  MNIST_CLASS_NAMES,
} from './datasets.js'
import { DataErrorCode, NordDataError } from './errors.js'
import { type IdxImages, type IdxLabels, readIdxPair } from './idx.js'
import { type DatasetLocation, locateDataset } from './lookup.js'
import {
  type Cifar10CuratorOptions,
  type IdxCuratorOptions,
  type ResolvedCuratorOptions,
  type ResolvedIdxCuratorOptions,
  resolveCifar10CuratorOptions,
  resolveIdxCuratorOptions,
} from './options.js'
import { prepareDataset, type RawDataset } from './prepare.js'
import {
  type SampleSet,
  selectSamples,
  shardSplit,
  stratifiedIndices,
} from './splits.js'
import { validateDataset } from './validate-dataset.js'

/**
 * The seed of the split of the embedded copy into train and test. It is
 * fixed, not the run seed, so that every run of the demo scores on the same
 * test images, as runs on the full data share the official test split.
 */
export const EMBEDDED_SPLIT_SEED = 0

const IDX_CLASSES = 10

/**
 * Creates a curator for MNIST or Fashion-MNIST in IDX format. `load()` finds
 * the files (see `locateDataset`), reads them, applies the subsets and the
 * validation split and normalises the pixels. When no full Fashion-MNIST is
 * found, it splits the embedded 10,000-image test set into train and test
 * and logs a warning. The dataset is loaded once and shared by later calls.
 */
export function createIdxCurator(options: IdxCuratorOptions): Curator {
  const resolved = resolveIdxCuratorOptions(options)
  return fileCurator('nord:curator-idx', resolved, () => loadIdx(resolved))
}

/**
 * Creates a curator for the binary version of CIFAR-10 (`data_batch_1.bin`
 * to `data_batch_5.bin` and `test_batch.bin`), images converted to NHWC.
 * CIFAR-10 has no embedded copy, so it must be on disk.
 */
export function createCifar10Curator(options: Cifar10CuratorOptions): Curator {
  const resolved = resolveCifar10CuratorOptions(options)
  return fileCurator('nord:curator-cifar10', resolved, () =>
    loadCifar10(resolved),
  )
}

/**
 * Creates a curator that serves a dataset already in memory, after checking
 * that its shapes, counts and labels agree.
 */
export function createInMemoryCurator(dataset: Dataset): Curator {
  validateDataset(dataset)
  return {
    name: 'nord:curator-memory',
    load: async () => dataset,
    shard: shardDataSplit,
  }
}

function fileCurator(
  name: string,
  options: ResolvedCuratorOptions,
  loadRaw: () => Promise<RawDataset>,
): Curator {
  let loading: Promise<Dataset> | undefined
  const load = async (): Promise<Dataset> => {
    const raw = await loadRaw()
    const dataset = prepareDataset(raw, options)
    logLoaded(options.logger, dataset)
    return dataset
  }

  return {
    name,
    load() {
      loading ??= load().catch((error: unknown) => {
        loading = undefined
        throw error
      })
      return loading
    },
    shard: shardDataSplit,
  }
}

function shardDataSplit(
  split: DataSplit,
  rank: number,
  worldSize: number,
): DataSplit {
  return shardSplit(split, rank, worldSize)
}

async function loadIdx(
  options: ResolvedIdxCuratorOptions,
): Promise<RawDataset> {
  const location = await locateDataset(options.name, {
    ...options.lookup,
    dataDir: options.dataDir,
    logger: options.logger,
  })
  if (location.embedded) return loadEmbedded(location, options)

  const [train, test] = await Promise.all([
    readIdxPair(
      location.files.trainImages!,
      location.files.trainLabels!,
      IDX_CLASSES,
    ),
    readIdxPair(
      location.files.testImages!,
      location.files.testLabels!,
      IDX_CLASSES,
    ),
  ])
  checkSameImageSize(train.images, test.images)
  return idxDataset(options.name, location, train, test)
}

async function loadEmbedded(
  location: DatasetLocation,
  options: ResolvedIdxCuratorOptions,
): Promise<RawDataset> {
  const pair = await readIdxPair(
    location.files.testImages!,
    location.files.testLabels!,
    IDX_CLASSES,
  )
  const all = idxSamples(pair)
  const random = createRandom(EMBEDDED_SPLIT_SEED)
  const { selected, rest } = stratifiedIndices(
    all.labels,
    options.embeddedTestSize,
    random,
  )
  const train = selectSamples(all, rest)
  const test = selectSamples(all, selected)

  options.logger.warn(
    `using the embedded Fashion-MNIST demo copy: the 10,000 official test images split into ${train.count} train and ${test.count} test. ` +
      'For the full 70,000 images pass --data-dir or set NORD_DATA_DIR, or install the Debian package dataset-fashion-mnist',
    { dataset: options.name, dir: location.dir, embedded: true },
  )
  const raw = idxDataset(options.name, location, pair, pair)
  return {
    ...raw,
    train,
    test,
    source: {
      ...raw.source,
      embeddedSplit: {
        seed: EMBEDDED_SPLIT_SEED,
        train: train.count,
        test: test.count,
      },
    },
  }
}

function idxDataset(
  name: IdxDatasetName,
  location: DatasetLocation,
  train: { images: IdxImages; labels: IdxLabels },
  test: { images: IdxImages; labels: IdxLabels },
): RawDataset {
  return {
    name,
    inputShape: [train.images.rows, train.images.columns, 1],
    classes: IDX_CLASSES,
    classNames:
      name === 'fashion-mnist' ? FASHION_MNIST_CLASS_NAMES : MNIST_CLASS_NAMES,
    train: idxSamples(train),
    test: idxSamples(test),
    source: {
      format: 'idx',
      origin: location.origin,
      dir: location.dir,
      files: Object.values(location.files).map((file) => basename(file)),
      embedded: location.embedded,
    },
  }
}

function idxSamples(pair: {
  images: IdxImages
  labels: IdxLabels
}): SampleSet<Uint8Array> {
  return {
    images: pair.images.pixels,
    labels: pair.labels.labels,
    count: pair.images.count,
  }
}

function checkSameImageSize(train: IdxImages, test: IdxImages): void {
  if (train.rows === test.rows && train.columns === test.columns) return
  throw new NordDataError(
    DataErrorCode.mismatch,
    `${train.file} has ${train.rows}x${train.columns} images but ${test.file} has ${test.rows}x${test.columns}`,
    {
      file: test.file,
      value: {
        train: [train.rows, train.columns],
        test: [test.rows, test.columns],
      },
      hint: 'The train and test files come from different datasets. Keep the four files of one dataset in the folder',
    },
  )
}

async function loadCifar10(
  options: ResolvedCuratorOptions,
): Promise<RawDataset> {
  const location = await locateDataset('cifar10', {
    ...options.lookup,
    dataDir: options.dataDir,
    logger: options.logger,
  })
  const batches = await Promise.all(
    CIFAR10_FILES.map((file) => readCifar10Batch(location.files[file]!)),
  )
  const metaFile = join(location.dir, 'batches.meta.txt')
  const names = await readCifar10ClassNames(metaFile)

  return {
    name: 'cifar10',
    inputShape: [CIFAR10_SIZE, CIFAR10_SIZE, CIFAR10_CHANNELS],
    classes: CIFAR10_CLASSES,
    classNames: names ?? CIFAR10_CLASS_NAMES,
    train: concatCifar10Batches(batches.slice(0, 5)),
    test: batches[5]!,
    source: {
      format: 'cifar10-binary',
      origin: location.origin,
      dir: location.dir,
      files: [...CIFAR10_FILES],
      embedded: false,
      classNamesFrom: names ? basename(metaFile) : 'built-in',
    },
  }
}

function logLoaded(logger: Logger, dataset: Dataset): void {
  const counts = [
    `${dataset.train.count} train`,
    ...(dataset.validation ? [`${dataset.validation.count} validation`] : []),
    `${dataset.test.count} test`,
  ]
  logger.info(
    `loaded ${dataset.name} from ${dataset.source.dir}: ${counts.join(', ')}`,
  )
}
