import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { createRandom, type DataSplit, type Dataset } from '@nord/core'
import * as tf from '@tensorflow/tfjs-core'

/**
 * Generates a dataset that a small network learns in one epoch. Class 0
 * lights the left half of the image, class 1 the top half and class 2 a
 * centred square, each with seeded noise.
 */
export function toyDataset(options: {
  count?: number
  size?: number
  seed?: number
}): Dataset {
  const count = options.count ?? 384
  const size = options.size ?? 12
  const random = createRandom(options.seed ?? 7)
  const images = new Float32Array(count * size * size)
  const labels = new Uint8Array(count)

  for (let sample = 0; sample < count; sample++) {
    const label = sample % 3
    labels[sample] = label
    for (let row = 0; row < size; row++) {
      for (let column = 0; column < size; column++) {
        const lit = pixelLit(label, row, column, size)
        const noise = 0.2 * random.next()
        images[(sample * size + row) * size + column] = (lit ? 0.8 : 0) + noise
      }
    }
  }

  const split: DataSplit = { images, labels, count }
  return {
    name: 'toy',
    inputShape: [size, size, 1],
    classes: 3,
    train: split,
    validation: split,
    test: split,
    source: { generated: true },
  }
}

function pixelLit(label: number, row: number, column: number, size: number) {
  if (label === 0) return column < size / 2
  if (label === 1) return row < size / 2
  const quarter = size / 4
  return (
    row >= quarter &&
    row < size - quarter &&
    column >= quarter &&
    column < size - quarter
  )
}

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist'

export function fashionMnistPresent(): boolean {
  return existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'))
}

/**
 * Loads the first `trainCount` images of Fashion-MNIST's test file as `train`
 * and the next `testCount` as `test`, scaled to [0, 1]. Reads the gzip IDX
 * files directly so that this package's tests do not depend on
 * @nord/curators.
 */
export function fashionMnistSubset(
  trainCount: number,
  testCount: number,
): Dataset {
  const images = readIdx(
    join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'),
    0x803,
  )
  const labels = readIdx(
    join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'),
    0x801,
  )
  const pixels = 28 * 28

  const split = (start: number, count: number): DataSplit => {
    const data = new Float32Array(count * pixels)
    const bytes = images.subarray(start * pixels, (start + count) * pixels)
    for (let index = 0; index < data.length; index++) {
      data[index] = bytes[index]! / 255
    }
    return {
      images: data,
      labels: Uint8Array.from(labels.subarray(start, start + count)),
      count,
    }
  }

  return {
    name: 'fashion-mnist-subset',
    inputShape: [28, 28, 1],
    classes: 10,
    train: split(0, trainCount),
    test: split(trainCount, testCount),
    source: { dir: FASHION_MNIST_DIR },
  }
}

/** Returns the payload of a gzip IDX file after its header, checked against `magic`. */
function readIdx(path: string, magic: number): Uint8Array {
  const bytes = gunzipSync(readFileSync(path))
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0) !== magic) {
    throw new Error(
      `${path}: magic number ${view.getUint32(0)}, expected ${magic}`,
    )
  }
  const dimensions = magic & 0xff
  return bytes.subarray(4 + 4 * dimensions)
}

/** Runs `body` with `backend` active and restores the previous backend. */
export async function onBackend<T>(
  backend: string,
  body: () => T | Promise<T>,
): Promise<T> {
  const previous = tf.getBackend() as string | undefined
  await tf.setBackend(backend)
  try {
    return await body()
  } finally {
    if (previous) await tf.setBackend(previous)
  }
}

/**
 * Returns the largest difference between two arrays relative to `scale`, by
 * default the largest magnitude in `expected`, so that tolerances do not
 * depend on the gradient scale.
 */
export function relativeError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  scale?: number,
): number {
  let difference = 0
  let largest = 0
  for (let index = 0; index < expected.length; index++) {
    difference = Math.max(
      difference,
      Math.abs(actual[index]! - expected[index]!),
    )
    largest = Math.max(largest, Math.abs(expected[index]!))
  }
  return difference / Math.max(scale ?? largest, 1e-12)
}

/** Seeded values in [-1, 1). */
export function seededValues(count: number, seed: number): Float32Array {
  const random = createRandom(seed)
  return Float32Array.from({ length: count }, () => random.next() * 2 - 1)
}
