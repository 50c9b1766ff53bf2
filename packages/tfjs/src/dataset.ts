import { type DataSplit, type Dataset, IssueList } from '@nord/core'
import * as tf from '@tensorflow/tfjs-core'

/** The splits `trainAndScore` reads, by their key in `Dataset`. */
export type SplitName = 'train' | 'validation' | 'test'

/**
 * Checks that the splits agree with the dataset's input shape and classes:
 * `images` contains `count` samples and `labels` contains `count` class
 * indices in `[0, classes)`. Reports every problem at once.
 *
 * @throws NordValidationError with code `NORD_ERR_DATA_MISMATCH`.
 */
export function checkDataset(dataset: Dataset, splits: SplitName[]): void {
  const issues = new IssueList()
  const code = 'NORD_ERR_DATA_MISMATCH'
  const { inputShape, classes } = dataset

  const validShape =
    Array.isArray(inputShape) &&
    inputShape.length === 3 &&
    inputShape.every((size) => Number.isInteger(size) && size > 0)
  if (!validShape) {
    issues.add(
      'dataset.inputShape',
      `must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`,
      code,
    )
  }
  if (!Number.isInteger(classes) || classes < 1) {
    issues.add(
      'dataset.classes',
      `must be a positive integer, got ${classes}`,
      code,
    )
  }
  issues.throwIfAny('the dataset')

  const sampleSize = inputShape[0] * inputShape[1] * inputShape[2]
  for (const name of splits) {
    const split = dataset[name]
    if (!split) {
      issues.add(
        `dataset.${name}`,
        'missing; the options need this split',
        code,
      )
      continue
    }
    checkSplit(split, `dataset.${name}`, sampleSize, classes, issues)
  }
  issues.throwIfAny('the dataset')
}

function checkSplit(
  split: DataSplit,
  path: string,
  sampleSize: number,
  classes: number,
  issues: IssueList,
): void {
  const code = 'NORD_ERR_DATA_MISMATCH'
  const { count, images, labels } = split
  if (!Number.isInteger(count) || count < 1) {
    issues.add(
      `${path}.count`,
      `must be a positive integer, got ${count}`,
      code,
    )
    return
  }
  if (images.length !== count * sampleSize) {
    issues.add(
      `${path}.images`,
      `must hold ${count} samples of ${sampleSize} values (${count * sampleSize}), got ${images.length} values`,
      code,
    )
  }
  if (labels.length !== count) {
    issues.add(
      `${path}.labels`,
      `must hold ${count} labels, got ${labels.length}`,
      code,
    )
    return
  }

  const outside = labels.findIndex((label) => label >= classes)
  if (outside >= 0) {
    issues.add(
      `${path}.labels[${outside}]`,
      `must be a class index below ${classes}, got ${labels[outside]}`,
      code,
    )
  }
}

/** One batch as tensors: images `[n, ...inputShape]`, one-hot labels `[n, classes]`. */
export interface BatchTensors {
  x: tf.Tensor
  y: tf.Tensor2D
  labels: tf.Tensor1D
}

/** Copies the samples at `indices` into new tensors. */
export function gatherBatch(
  split: DataSplit,
  indices: ArrayLike<number>,
  inputShape: readonly number[],
  classes: number,
): BatchTensors {
  const sampleSize = inputShape.reduce((product, size) => product * size, 1)
  const images = new Float32Array(indices.length * sampleSize)
  const labels = new Int32Array(indices.length)

  for (let position = 0; position < indices.length; position++) {
    const sample = indices[position]!
    const offset = sample * sampleSize
    images.set(
      split.images.subarray(offset, offset + sampleSize),
      position * sampleSize,
    )
    labels[position] = split.labels[sample]!
  }
  return toTensors(images, labels, inputShape, classes)
}

/** Makes tensors of the samples `[start, end)`, without copying the images first. */
export function sliceBatch(
  split: DataSplit,
  start: number,
  end: number,
  inputShape: readonly number[],
  classes: number,
): BatchTensors {
  const sampleSize = inputShape.reduce((product, size) => product * size, 1)
  const images = split.images.subarray(start * sampleSize, end * sampleSize)
  const labels = Int32Array.from(split.labels.subarray(start, end))
  return toTensors(images, labels, inputShape, classes)
}

function toTensors(
  images: Float32Array,
  labels: Int32Array,
  inputShape: readonly number[],
  classes: number,
): BatchTensors {
  return tf.tidy(() => {
    const labelTensor = tf.tensor1d(labels, 'int32')
    // The wasm backend of tfjs 4.22.0 writes integer bits into a float32
    // oneHot, so the one-hot is made as int32 and cast.
    const oneHot = tf.cast(tf.oneHot(labelTensor, classes), 'float32')
    return {
      x: tf.tensor(images, [labels.length, ...inputShape], 'float32'),
      y: oneHot as tf.Tensor2D,
      labels: labelTensor,
    }
  })
}
