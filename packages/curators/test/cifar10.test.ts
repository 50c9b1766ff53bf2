import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  CIFAR10_CLASS_NAMES,
  CIFAR10_RECORD_BYTES,
  readCifar10Batch,
  readCifar10ClassNames,
} from '../src/cifar10.js'
import { createCifar10Curator } from '../src/curators.js'
import type { NordDataError } from '../src/errors.js'
import {
  isolatedLookup,
  labelCounts,
  recordingLogger,
  temporaryDir,
} from './helpers.js'

/** Returns the byte of `channel` at plane position `pixel` of `record` in a generated batch. */
function value(record: number, channel: number, pixel: number): number {
  return (record * 31 + channel * 101 + pixel) % 256
}

/** Builds a batch in the binary format: a label byte, then R, G and B planes. */
function cifarBatch(labels: number[], offset = 0): Buffer {
  const bytes = Buffer.alloc(labels.length * CIFAR10_RECORD_BYTES)
  labels.forEach((label, record) => {
    const start = record * CIFAR10_RECORD_BYTES
    bytes[start] = label
    for (let channel = 0; channel < 3; channel++) {
      for (let pixel = 0; pixel < 1024; pixel++) {
        bytes[start + 1 + channel * 1024 + pixel] = value(
          record + offset,
          channel,
          pixel,
        )
      }
    }
  })
  return bytes
}

/** Writes five training batches of `perBatch` records and a test batch. */
async function writeCifarFolder(dir: string, perBatch: number): Promise<void> {
  await mkdir(dir, { recursive: true })
  const labels = Array.from({ length: perBatch }, (_, index) => index % 10)
  for (let batch = 1; batch <= 5; batch++) {
    const offset = (batch - 1) * perBatch
    await writeFile(
      join(dir, `data_batch_${batch}.bin`),
      cifarBatch(labels, offset),
    )
  }
  await writeFile(join(dir, 'test_batch.bin'), cifarBatch(labels, 1000))
}

async function errorOf(action: () => Promise<unknown>): Promise<NordDataError> {
  try {
    await action()
  } catch (error) {
    return error as NordDataError
  }
  throw new Error('expected an error, none was raised')
}

describe('readCifar10Batch', () => {
  it('converts planes to NHWC exactly', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'data_batch_1.bin')
    await writeFile(path, cifarBatch([3, 7, 0]))

    const batch = await readCifar10Batch(path)

    expect(batch.count).toBe(3)
    expect(Array.from(batch.labels)).toEqual([3, 7, 0])
    expect(batch.images.length).toBe(3 * 32 * 32 * 3)
    for (let record = 0; record < 3; record++) {
      for (let pixel = 0; pixel < 1024; pixel++) {
        for (let channel = 0; channel < 3; channel++) {
          const actual = batch.images[record * 3072 + pixel * 3 + channel]
          if (actual !== value(record, channel, pixel)) {
            expect.fail(
              `record ${record} pixel ${pixel} channel ${channel}: got ${actual}, expected ${value(record, channel, pixel)}`,
            )
          }
        }
      }
    }
  })

  it('places row 1 column 2 of the green plane', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'data_batch_1.bin')
    const bytes = Buffer.alloc(CIFAR10_RECORD_BYTES)
    bytes[1 + 1024 + 1 * 32 + 2] = 200
    await writeFile(path, bytes)

    const batch = await readCifar10Batch(path)

    const offset = (1 * 32 + 2) * 3
    expect(Array.from(batch.images.subarray(offset, offset + 3))).toEqual([
      0, 200, 0,
    ])
    expect(batch.images.reduce((sum, byte) => sum + byte, 0)).toBe(200)
  })

  it('reads a gzip batch by its signature', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'test_batch.bin')
    await writeFile(path, gzipSync(cifarBatch([9, 1])))

    const batch = await readCifar10Batch(path)

    expect(Array.from(batch.labels)).toEqual([9, 1])
  })

  it('rejects a size that is not a multiple of 3073', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'data_batch_1.bin')
    await writeFile(path, cifarBatch([1, 2]).subarray(0, 5000))

    const error = await errorOf(() => readCifar10Batch(path))

    expect(error.code).toBe('NORD_ERR_DATA_TRUNCATED')
    expect(error.message).toContain(path)
    expect(error.message).toContain(
      '5000 bytes is not a multiple of the 3073-byte record',
    )
  })

  it('rejects an empty file', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'data_batch_1.bin')
    await writeFile(path, Buffer.alloc(0))

    const error = await errorOf(() => readCifar10Batch(path))

    expect(error.code).toBe('NORD_ERR_DATA_TRUNCATED')
  })

  it('rejects a label above 9', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'data_batch_1.bin')
    await writeFile(path, cifarBatch([1, 10]))

    const error = await errorOf(() => readCifar10Batch(path))

    expect(error.code).toBe('NORD_ERR_DATA_FORMAT')
    expect(error.message).toContain('record 1 has label 10')
  })
})

describe('readCifar10ClassNames', () => {
  it('reads ten names and ignores blank lines', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'batches.meta.txt')
    await writeFile(path, `${CIFAR10_CLASS_NAMES.join('\n')}\n\n`)

    const names = await readCifar10ClassNames(path)

    expect(names).toEqual(CIFAR10_CLASS_NAMES)
  })

  it('returns undefined for a missing file', async () => {
    const dir = await temporaryDir()

    const names = await readCifar10ClassNames(join(dir, 'batches.meta.txt'))

    expect(names).toBeUndefined()
  })

  it('rejects a wrong number of names', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'batches.meta.txt')
    await writeFile(path, 'cat\ndog\n')

    const error = await errorOf(() => readCifar10ClassNames(path))

    expect(error.code).toBe('NORD_ERR_DATA_FORMAT')
    expect(error.message).toContain('found 2')
  })
})

describe('createCifar10Curator', () => {
  it('loads the five training batches and the test batch', async () => {
    const dir = await temporaryDir()
    await writeCifarFolder(dir, 20)
    const curator = createCifar10Curator({
      seed: 1,
      dataDir: dir,
      logger: recordingLogger(),
    })

    const dataset = await curator.load()

    expect(dataset.name).toBe('cifar10')
    expect(dataset.inputShape).toEqual([32, 32, 3])
    expect(dataset.train.count).toBe(100)
    expect(dataset.test.count).toBe(20)
    expect(dataset.classNames).toEqual(CIFAR10_CLASS_NAMES)
    expect(dataset.source.classNamesFrom).toBe('built-in')
    expect(labelCounts(dataset.train.labels)).toEqual(new Array(10).fill(10))
  })

  it('keeps the test batch in file order, scaled to [0, 1]', async () => {
    const dir = await temporaryDir()
    await writeCifarFolder(dir, 10)
    const curator = createCifar10Curator({ seed: 1, dataDir: dir })

    const dataset = await curator.load()

    const record = 4
    const pixel = 33
    const index = record * 3072 + pixel * 3 + 2
    expect(dataset.test.labels[record]).toBe(4)
    expect(dataset.test.images[index]).toBe(
      Math.fround(value(1000 + record, 2, pixel) / 255),
    )
  })

  it('reads class names from batches.meta.txt', async () => {
    const dir = await temporaryDir()
    await writeCifarFolder(dir, 10)
    const names = CIFAR10_CLASS_NAMES.map((name) => name.toUpperCase())
    await writeFile(join(dir, 'batches.meta.txt'), names.join('\n'))

    const dataset = await createCifar10Curator({ seed: 1, dataDir: dir }).load()

    expect(dataset.classNames).toEqual(names)
    expect(dataset.source.classNamesFrom).toBe('batches.meta.txt')
  })

  it('finds the folder the archive extracts to', async () => {
    const root = await temporaryDir()
    const home = await temporaryDir()
    await writeCifarFolder(join(root, 'cifar-10-batches-bin'), 10)

    const dataset = await createCifar10Curator({
      seed: 1,
      lookup: { ...isolatedLookup(home), env: { NORD_DATA_DIR: root } },
    }).load()

    expect(dataset.source.dir).toBe(join(root, 'cifar-10-batches-bin'))
    expect(dataset.source.origin).toBe('NORD_DATA_DIR')
  })

  it('reports missing batches with the expected names', async () => {
    const home = await temporaryDir()
    const curator = createCifar10Curator({
      seed: 1,
      lookup: isolatedLookup(home),
    })

    const error = await errorOf(() => curator.load())

    expect(error.code).toBe('NORD_ERR_DATA_NOT_FOUND')
    expect(error.message).toContain('data_batch_1.bin')
    expect(error.message).toContain('test_batch.bin')
    expect(error.message).toContain('cifar-10-binary.tar.gz')
  })
})
