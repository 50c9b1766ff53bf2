import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Dataset } from '@nord/core'
import { describe, expect, it } from 'vitest'
import {
  createIdxCurator,
  createInMemoryCurator,
  EMBEDDED_SPLIT_SEED,
} from '../src/curators.js'
import { FASHION_MNIST_CLASS_NAMES } from '../src/datasets.js'
import { readIdxPair } from '../src/idx.js'
import { EMBEDDED_DIR } from '../src/lookup.js'
import type { IdxCuratorOptions } from '../src/options.js'
import {
  DEBIAN_FASHION_MNIST,
  isolatedLookup,
  labelCounts,
  recordingLogger,
  sameBytes,
  temporaryDir,
  writeIdxFolder,
} from './helpers.js'

async function errorOf(
  action: () => unknown,
): Promise<Error & { code: string; issues?: { path: string }[] }> {
  try {
    await action()
  } catch (error) {
    return error as Error & { code: string }
  }
  throw new Error('expected an error, none was raised')
}

/** Creates a curator over a generated MNIST-like folder of 200 train and 100 test images. */
async function generatedCurator(extra: Partial<IdxCuratorOptions> = {}) {
  const dir = await temporaryDir()
  await writeIdxFolder(dir, { train: 200, test: 100, gzip: true })
  return createIdxCurator({
    name: 'mnist',
    seed: 7,
    dataDir: dir,
    logger: recordingLogger(),
    ...extra,
  })
}

/** Returns the first pixel of each image as a byte, which identifies a generated image. */
function firstPixels(dataset: Dataset, split: 'train' | 'test'): number[] {
  const { images, count } = dataset[split]
  const size = images.length / count
  return Array.from({ length: count }, (_, index) =>
    Math.round(images[index * size]! * 255),
  )
}

describe('createIdxCurator options', () => {
  it('reports every problem with its key', async () => {
    const error = await errorOf(() =>
      createIdxCurator({
        name: 'emnist',
        seed: 1.5,
        trainSize: 0,
        testSize: -3,
        validationSize: 1.5,
        normalize: 'minmax',
        dataDir: '',
        sed: 3,
      } as never),
    )

    const paths = error.issues?.map((issue) => issue.path)
    expect(error.code).toBe('NORD_ERR_INVALID_OPTION')
    expect(paths).toEqual(
      expect.arrayContaining([
        'name',
        'seed',
        'trainSize',
        'testSize',
        'validationSize',
        'normalize',
        'dataDir',
        'sed',
      ]),
    )
    expect(error.message).toContain(
      'trainSize: must be a positive integer, got 0',
    )
  })

  it('rejects a logger without warn', async () => {
    const error = await errorOf(() =>
      createIdxCurator({
        name: 'mnist',
        seed: 1,
        logger: { info() {} } as never,
      }),
    )

    expect(error.message).toContain('logger: must have the methods')
    expect(error.message).toContain('missing debug, warn, error')
  })

  it('rejects unknown lookup keys', async () => {
    const error = await errorOf(() =>
      createIdxCurator({
        name: 'mnist',
        seed: 1,
        lookup: { systemDir: [] } as never,
      }),
    )

    expect(error.message).toContain('lookup.systemDir: is not an option')
  })
})

describe('createIdxCurator', () => {
  it('loads all samples scaled to [0, 1]', async () => {
    const curator = await generatedCurator()

    const dataset = await curator.load()

    expect(dataset.inputShape).toEqual([4, 4, 1])
    expect(dataset.train.count).toBe(200)
    expect(dataset.test.count).toBe(100)
    expect(dataset.train.images.length).toBe(200 * 16)
    expect(Math.max(...dataset.train.images)).toBeLessThanOrEqual(1)
    expect(Math.min(...dataset.train.images)).toBeGreaterThanOrEqual(0)
    expect(dataset.validation).toBeUndefined()
    expect(dataset.source.embedded).toBe(false)
    expect(dataset.source.origin).toBe('dataDir')
  })

  it('shuffles train and keeps test in file order', async () => {
    const curator = await generatedCurator()

    const dataset = await curator.load()

    const train = firstPixels(dataset, 'train')
    expect(train).not.toEqual([...train].sort((a, b) => a - b))
    expect(firstPixels(dataset, 'test')).toEqual(
      Array.from({ length: 100 }, (_, index) => (index * 7) % 256),
    )
  })

  it('takes stratified train and test subsets', async () => {
    const curator = await generatedCurator({ trainSize: 50, testSize: 30 })

    const dataset = await curator.load()

    expect(dataset.train.count).toBe(50)
    expect(dataset.test.count).toBe(30)
    expect(labelCounts(dataset.train.labels)).toEqual(new Array(10).fill(5))
    expect(labelCounts(dataset.test.labels)).toEqual(new Array(10).fill(3))
    expect(dataset.source.trainSize).toBe(50)
  })

  it('carves validation after the train subset', async () => {
    const curator = await generatedCurator({
      trainSize: 100,
      validationSize: 0.2,
    })

    const dataset = await curator.load()

    expect(dataset.train.count).toBe(80)
    expect(dataset.validation?.count).toBe(20)
    expect(labelCounts(dataset.validation!.labels)).toEqual(
      new Array(10).fill(2),
    )
    expect(dataset.source.counts).toEqual({
      train: 80,
      validation: 20,
      test: 100,
    })
  })

  it('repeats the dataset for the same seed', async () => {
    const first = await (await generatedCurator({ trainSize: 60 })).load()
    const second = await (await generatedCurator({ trainSize: 60 })).load()

    expect(firstPixels(second, 'train')).toEqual(firstPixels(first, 'train'))
    expect(second.train.labels).toEqual(first.train.labels)
  })

  it('changes the train order for another seed', async () => {
    const first = await (await generatedCurator({ seed: 1 })).load()
    const second = await (await generatedCurator({ seed: 2 })).load()

    expect(firstPixels(second, 'train')).not.toEqual(
      firstPixels(first, 'train'),
    )
  })

  it('rejects a train subset above the split size', async () => {
    const curator = await generatedCurator({ trainSize: 500 })

    const error = await errorOf(() => curator.load())

    expect(error.code).toBe('NORD_ERR_DATA_SUBSET_SIZE')
    expect(error.message).toContain('trainSize: 500 samples requested')
    expect(error.message).toContain('only 200')
  })

  it('loads once and shares the dataset', async () => {
    const curator = await generatedCurator()

    const [first, second] = await Promise.all([curator.load(), curator.load()])

    expect(second).toBe(first)
  })

  it('standardizes with training statistics', async () => {
    const curator = await generatedCurator({
      normalize: 'standardize',
      validationSize: 40,
    })

    const dataset = await curator.load()

    const train = dataset.train.images
    const mean = train.reduce((sum, value) => sum + value, 0) / train.length
    const variance =
      train.reduce((sum, value) => sum + (value - mean) ** 2, 0) / train.length
    const normalization = dataset.source.normalization as {
      method: string
      mean: number[]
      std: number[]
    }
    expect(Math.abs(mean)).toBeLessThan(1e-5)
    expect(Math.abs(variance - 1)).toBeLessThan(1e-4)
    expect(normalization.method).toBe('standardize')
    expect(normalization.mean).toHaveLength(1)
    expect(normalization.std).toHaveLength(1)
  })

  it('applies the training statistics to test', async () => {
    const curator = await generatedCurator({ normalize: 'standardize' })

    const dataset = await curator.load()

    const { mean, std } = dataset.source.normalization as {
      mean: number[]
      std: number[]
    }
    const raw = (0 * 7 + 1) % 256
    expect(dataset.test.images[1]).toBeCloseTo(
      (raw / 255 - mean[0]!) / std[0]!,
      5,
    )
  })

  it('shards a loaded split', async () => {
    const curator = await generatedCurator()
    const dataset = await curator.load()

    const shards = [0, 1, 2].map((rank) =>
      curator.shard(dataset.train, rank, 3),
    )

    expect(shards.map((shard) => shard.count)).toEqual([67, 67, 66])
    expect(shards[1]!.labels[0]).toBe(dataset.train.labels[67])
  })
})

describe('embedded Fashion-MNIST', () => {
  it('has 10,000 images with 1,000 per class', async () => {
    const { images, labels } = await readIdxPair(
      join(EMBEDDED_DIR, 't10k-images-idx3-ubyte.gz'),
      join(EMBEDDED_DIR, 't10k-labels-idx1-ubyte.gz'),
      10,
    )

    expect(images.count).toBe(10_000)
    expect([images.rows, images.columns]).toEqual([28, 28])
    expect(labelCounts(labels.labels)).toEqual(new Array(10).fill(1000))
  })

  it('ships with the Zalando MIT licence', () => {
    const license = readFileSync(join(EMBEDDED_DIR, 'LICENSE'), 'utf8')
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { files: string[] }

    expect(license).toContain('Copyright (c) 2017 Zalando SE')
    expect(license).toContain('The MIT License')
    expect(manifest.files).toContain('assets')
  })

  it('builds 8,000 train and 2,000 test images with a warning', async () => {
    const home = await temporaryDir()
    const logger = recordingLogger()
    const curator = createIdxCurator({
      name: 'fashion-mnist',
      seed: 3,
      logger,
      lookup: isolatedLookup(home),
    })

    const dataset = await curator.load()

    const warnings = logger.entries.filter((entry) => entry.level === 'warn')
    expect(dataset.train.count).toBe(8000)
    expect(dataset.test.count).toBe(2000)
    expect(labelCounts(dataset.train.labels)).toEqual(new Array(10).fill(800))
    expect(labelCounts(dataset.test.labels)).toEqual(new Array(10).fill(200))
    expect(dataset.classNames).toEqual(FASHION_MNIST_CLASS_NAMES)
    expect(dataset.source.embedded).toBe(true)
    expect(dataset.source.dir).toBe(EMBEDDED_DIR)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.message).toContain('demo')
    expect(warnings[0]!.message).toContain('NORD_DATA_DIR')
  })

  it('splits the same way for every run seed', async () => {
    const home = await temporaryDir()
    const load = (seed: number) =>
      createIdxCurator({
        name: 'fashion-mnist',
        seed,
        logger: recordingLogger(),
        lookup: isolatedLookup(home),
        embeddedTestSize: 500,
      }).load()

    const [first, second] = await Promise.all([load(1), load(2)])

    expect(sameBytes(second.test.labels, first.test.labels)).toBe(true)
    expect(sameBytes(second.test.images, first.test.images)).toBe(true)
    expect(first.test.count).toBe(500)
    expect(first.source.embeddedSplit).toEqual({
      seed: EMBEDDED_SPLIT_SEED,
      train: 9500,
      test: 500,
    })
  })

  it('is not used for a dataDir without the files', async () => {
    const dir = await temporaryDir()
    const curator = createIdxCurator({
      name: 'fashion-mnist',
      seed: 3,
      dataDir: dir,
      logger: recordingLogger(),
    })

    const error = await errorOf(() => curator.load())

    expect(error.code).toBe('NORD_ERR_DATA_NOT_FOUND')
  })
})

const debianPresent = existsSync(DEBIAN_FASHION_MNIST)
if (!debianPresent) {
  console.warn(
    `skipping the Debian Fashion-MNIST curator test: ${DEBIAN_FASHION_MNIST} is absent (apt-get install dataset-fashion-mnist)`,
  )
}

describe.skipIf(!debianPresent)('Debian Fashion-MNIST', () => {
  it('loads the full data from the system folder', async () => {
    const home = await temporaryDir()
    const curator = createIdxCurator({
      name: 'fashion-mnist',
      seed: 5,
      trainSize: 6000,
      validationSize: 1000,
      logger: recordingLogger(),
      lookup: { env: {}, homeDir: home },
    })

    const dataset = await curator.load()

    expect(dataset.source.origin).toBe('system')
    expect(dataset.source.dir).toBe(DEBIAN_FASHION_MNIST)
    expect(dataset.source.embedded).toBe(false)
    expect(dataset.train.count).toBe(5000)
    expect(dataset.validation?.count).toBe(1000)
    expect(dataset.test.count).toBe(10_000)
    expect(labelCounts(dataset.train.labels)).toEqual(new Array(10).fill(500))
    expect(labelCounts(dataset.test.labels)).toEqual(new Array(10).fill(1000))
  }, 30_000)
})

describe('createInMemoryCurator', () => {
  function tinyDataset(): Dataset {
    return {
      name: 'tiny',
      inputShape: [2, 2, 1],
      classes: 2,
      train: {
        images: new Float32Array(12),
        labels: Uint8Array.from([0, 1, 1]),
        count: 3,
      },
      test: {
        images: new Float32Array(4),
        labels: Uint8Array.from([1]),
        count: 1,
      },
      source: { kind: 'memory' },
    }
  }

  it('serves the dataset it was given', async () => {
    const dataset = tinyDataset()
    const curator = createInMemoryCurator(dataset)

    expect(await curator.load()).toBe(dataset)
    expect(curator.shard(dataset.train, 1, 2).count).toBe(1)
  })

  it('reports every inconsistency with its path', async () => {
    const dataset = tinyDataset()
    dataset.train.count = 4
    dataset.test.labels = Uint8Array.from([2])
    dataset.classNames = ['a']

    const error = await errorOf(() => createInMemoryCurator(dataset))

    const paths = error.issues?.map((issue) => issue.path)
    expect(error.code).toBe('NORD_ERR_INVALID_DATASET')
    expect(paths).toEqual([
      'classNames',
      'train.images',
      'train.labels',
      'test.labels[0]',
    ])
  })
})
