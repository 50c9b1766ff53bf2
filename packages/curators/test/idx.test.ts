import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { NordDataError } from '../src/errors.js'
import { readIdxImages, readIdxLabels, readIdxPair } from '../src/idx.js'
import {
  cyclicLabels,
  DEBIAN_FASHION_MNIST,
  idxImages,
  idxLabels,
  labelCounts,
  temporaryDir,
} from './helpers.js'

/** Runs `action` and returns the error it raises. */
async function errorOf(action: () => Promise<unknown>): Promise<NordDataError> {
  try {
    await action()
  } catch (error) {
    return error as NordDataError
  }
  throw new Error('expected an error, none was raised')
}

describe('readIdxImages', () => {
  it('reads a raw file', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'images')
    await writeFile(path, idxImages(3, 2, 5))

    const images = await readIdxImages(path)

    expect(images.count).toBe(3)
    expect(images.rows).toBe(2)
    expect(images.columns).toBe(5)
    expect(Array.from(images.pixels.subarray(10, 13))).toEqual([7, 8, 9])
  })

  it('reads a gzip file', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'images.gz')
    await writeFile(path, gzipSync(idxImages(3, 2, 5)))

    const images = await readIdxImages(path)

    expect(images.count).toBe(3)
    expect(images.pixels.length).toBe(30)
    expect(images.pixels[29]).toBe(23)
  })

  it('detects gzip without the .gz suffix', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'train-images-idx3-ubyte')
    await writeFile(path, gzipSync(idxImages(4, 3, 3)))

    const images = await readIdxImages(path)

    expect(images.count).toBe(4)
    expect(images.pixels.length).toBe(36)
  })

  it('reads raw data named .gz as raw', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'train-images-idx3-ubyte.gz')
    await writeFile(path, idxImages(4, 3, 3))

    const images = await readIdxImages(path)

    expect(images.count).toBe(4)
    expect(images.pixels[0]).toBe(0)
  })

  it('rejects a truncated raw file with both sizes', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 't10k-images-idx3-ubyte')
    await writeFile(path, idxImages(10, 28, 28).subarray(0, 5000))

    const error = await errorOf(() => readIdxImages(path))

    expect(error.code).toBe('NORD_ERR_DATA_TRUNCATED')
    expect(error.message).toContain(path)
    expect(error.message).toContain(
      'header says 10 images of 28x28 = 7856 bytes, but the file has 5000 bytes',
    )
    expect(error.message).toContain('Download it again')
  })

  it('reports the decompressed size of truncated gzip data', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'images.gz')
    await writeFile(path, gzipSync(idxImages(10, 28, 28).subarray(0, 5000)))

    const error = await errorOf(() => readIdxImages(path))

    expect(error.code).toBe('NORD_ERR_DATA_TRUNCATED')
    expect(error.message).toContain('the decompressed file has 5000 bytes')
  })

  it('rejects a gzip stream that ends early', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'images.gz')
    const compressed = gzipSync(idxImages(50, 28, 28))
    await writeFile(path, compressed.subarray(0, compressed.length / 2))

    const error = await errorOf(() => readIdxImages(path))

    expect(error.code).toBe('NORD_ERR_DATA_TRUNCATED')
    expect(error.file).toBe(path)
    expect(error.message).toContain('gzip data ends early')
  })

  it('rejects corrupt gzip data', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'images.gz')
    const compressed = gzipSync(idxImages(50, 28, 28))
    compressed.fill(0xff, 10, 40)
    await writeFile(path, compressed)

    const error = await errorOf(() => readIdxImages(path))

    expect(error.code).toBe('NORD_ERR_DATA_FORMAT')
    expect(error.message).toContain(path)
    expect(error.message).toContain('not valid gzip data')
  })

  it('rejects a wrong magic number', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'images')
    const bytes = idxImages(2, 2, 2)
    bytes.writeUInt32BE(0x12345678, 0)
    await writeFile(path, bytes)

    const error = await errorOf(() => readIdxImages(path))

    expect(error.code).toBe('NORD_ERR_DATA_FORMAT')
    expect(error.message).toContain('magic number 0x12345678')
    expect(error.message).toContain('expected 0x00000803')
  })

  it('rejects a label file in place of images', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'labels')
    await writeFile(path, idxLabels([1, 2, 3]))

    const error = await errorOf(() => readIdxImages(path))

    expect(error.code).toBe('NORD_ERR_DATA_FORMAT')
    expect(error.message).toContain('0x00000801 means 1 dimension')
  })

  it('rejects a dtype other than unsigned byte', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'images')
    const bytes = idxImages(2, 2, 2)
    bytes[2] = 0x0d
    await writeFile(path, bytes)

    const error = await errorOf(() => readIdxImages(path))

    expect(error.code).toBe('NORD_ERR_DATA_FORMAT')
    expect(error.message).toContain('dtype 0x0d (float32)')
  })

  it('rejects bytes beyond the header size', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'images')
    await writeFile(path, Buffer.concat([idxImages(2, 2, 2), Buffer.alloc(3)]))

    const error = await errorOf(() => readIdxImages(path))

    expect(error.code).toBe('NORD_ERR_DATA_FORMAT')
    expect(error.message).toContain('= 24 bytes, but the file has 27 bytes')
  })

  it('rejects a file shorter than the magic number', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'images')
    await writeFile(path, Buffer.from([0, 0]))

    const error = await errorOf(() => readIdxImages(path))

    expect(error.code).toBe('NORD_ERR_DATA_TRUNCATED')
  })

  it('reports a missing file', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'absent.gz')

    const error = await errorOf(() => readIdxImages(path))

    expect(error.code).toBe('NORD_ERR_DATA_NOT_FOUND')
    expect(error.message).toContain(path)
  })
})

describe('readIdxLabels', () => {
  it('reads labels', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'labels')
    await writeFile(path, idxLabels([3, 1, 4, 1, 5]))

    const labels = await readIdxLabels(path, 10)

    expect(labels.count).toBe(5)
    expect(Array.from(labels.labels)).toEqual([3, 1, 4, 1, 5])
  })

  it('rejects a label out of range', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 'labels')
    await writeFile(path, idxLabels([3, 1, 12, 1]))

    const error = await errorOf(() => readIdxLabels(path, 10))

    expect(error.code).toBe('NORD_ERR_DATA_FORMAT')
    expect(error.message).toContain('label 12 at index 2 is out of range')
  })
})

describe('readIdxPair', () => {
  it('rejects differing image and label counts', async () => {
    const dir = await temporaryDir()
    const imagesPath = join(dir, 'images')
    const labelsPath = join(dir, 'labels')
    await writeFile(imagesPath, idxImages(5, 2, 2))
    await writeFile(labelsPath, idxLabels(cyclicLabels(4)))

    const error = await errorOf(() => readIdxPair(imagesPath, labelsPath, 10))

    expect(error.code).toBe('NORD_ERR_DATA_MISMATCH')
    expect(error.message).toContain(`${imagesPath} has 5 images`)
    expect(error.message).toContain(`${labelsPath} has 4 labels`)
  })
})

const debianPresent = existsSync(DEBIAN_FASHION_MNIST)
if (!debianPresent) {
  console.warn(
    `skipping the Debian Fashion-MNIST tests: ${DEBIAN_FASHION_MNIST} is absent (apt-get install dataset-fashion-mnist)`,
  )
}

describe.skipIf(!debianPresent)('Debian Fashion-MNIST test split', () => {
  it('has 10,000 images of 28x28 with 1,000 per class', async () => {
    const { images, labels } = await readIdxPair(
      join(DEBIAN_FASHION_MNIST, 't10k-images-idx3-ubyte.gz'),
      join(DEBIAN_FASHION_MNIST, 't10k-labels-idx1-ubyte.gz'),
      10,
    )

    expect(images.count).toBe(10_000)
    expect(images.rows).toBe(28)
    expect(images.columns).toBe(28)
    expect(labelCounts(labels.labels)).toEqual(new Array(10).fill(1000))
  })

  it('names the truncated file and both sizes', async () => {
    const dir = await temporaryDir()
    const path = join(dir, 't10k-images-idx3-ubyte.gz')
    const original = gunzipSync(
      await readFile(join(DEBIAN_FASHION_MNIST, 't10k-images-idx3-ubyte.gz')),
    )
    await writeFile(path, gzipSync(original.subarray(0, 5_000_000)))

    const error = await errorOf(() => readIdxImages(path))

    expect(error.code).toBe('NORD_ERR_DATA_TRUNCATED')
    expect(error.message).toContain(
      `${path}: header says 10000 images of 28x28 = 7840016 bytes, but the decompressed file has 5000000 bytes`,
    )
  })
})
