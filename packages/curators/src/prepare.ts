import {
  createRandom,
  type DataSplit,
  type Dataset,
  type JsonValue,
} from '@nord/core'
import {
  channelStatistics,
  scaleToUnit,
  standardizeInPlace,
} from './normalize.js'
import type { ResolvedCuratorOptions } from './options.js'
import {
  type SampleSet,
  shuffleSamples,
  splitValidation,
  subsetSamples,
} from './splits.js'

/** A dataset as read from its files: bytes, before subsets and normalisation. */
export interface RawDataset {
  name: string
  inputShape: [number, number, number]
  classes: number
  classNames: string[]
  train: SampleSet<Uint8Array>
  test: SampleSet<Uint8Array>
  /** The origin of the data as the reader records it: folder, files, format. */
  source: Record<string, JsonValue>
}

/**
 * Turns raw data into a training-ready dataset in four steps. First it takes
 * the training subset, or shuffles all training samples. Then it carves the
 * validation split from the result and takes the test subset. Last it
 * normalises with statistics of the final training split. Each random step
 * has its own stream derived from the seed. Without `testSize` the test split
 * keeps the file order.
 */
export function prepareDataset(
  raw: RawDataset,
  options: ResolvedCuratorOptions,
): Dataset {
  const random = createRandom(options.seed)
  let train =
    options.trainSize === undefined
      ? shuffleSamples(raw.train, random.derive('train'))
      : subsetSamples(
          raw.train,
          options.trainSize,
          random.derive('train'),
          'trainSize',
        )

  let validation: SampleSet<Uint8Array> | undefined
  if (options.validationSize !== undefined) {
    const split = splitValidation(
      train,
      options.validationSize,
      random.derive('validation'),
    )
    train = split.train
    validation = split.validation
  }

  const test =
    options.testSize === undefined
      ? raw.test
      : subsetSamples(
          raw.test,
          options.testSize,
          random.derive('test'),
          'testSize',
        )

  return normalizeDataset(raw, { train, validation, test }, options)
}

function normalizeDataset(
  raw: RawDataset,
  splits: {
    train: SampleSet<Uint8Array>
    validation: SampleSet<Uint8Array> | undefined
    test: SampleSet<Uint8Array>
  },
  options: ResolvedCuratorOptions,
): Dataset {
  const train = toFloat(splits.train)
  const validation = splits.validation && toFloat(splits.validation)
  const test = toFloat(splits.test)

  let normalization: Record<string, JsonValue> = {
    method: 'scale',
    divisor: 255,
  }
  if (options.normalize === 'standardize') {
    const statistics = channelStatistics(train.images, raw.inputShape[2])
    for (const split of [train, validation, test]) {
      if (split) standardizeInPlace(split.images, statistics)
    }
    normalization = { method: 'standardize', divisor: 255, ...statistics }
  }

  return {
    name: raw.name,
    inputShape: raw.inputShape,
    classes: raw.classes,
    classNames: raw.classNames,
    train,
    ...(validation ? { validation } : {}),
    test,
    source: {
      ...raw.source,
      seed: options.seed,
      trainSize: options.trainSize ?? null,
      testSize: options.testSize ?? null,
      validationSize: options.validationSize ?? null,
      normalization,
      counts: {
        train: train.count,
        validation: validation?.count ?? 0,
        test: test.count,
      },
    },
  }
}

function toFloat(set: SampleSet<Uint8Array>): DataSplit {
  return {
    images: scaleToUnit(set.images),
    labels: set.labels,
    count: set.count,
  }
}
