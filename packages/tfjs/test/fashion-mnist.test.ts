import { convNetSizeSpace } from '@nord/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectBackend, trainAndScore } from '../src/index.js'
import {
  FASHION_MNIST_DIR,
  fashionMnistPresent,
  fashionMnistSubset,
} from './helpers.js'

const present = fashionMnistPresent()

beforeAll(async () => {
  await selectBackend()
})

describe.skipIf(!present)(`Fashion-MNIST from ${FASHION_MNIST_DIR}`, () => {
  it('trains a small network well above chance', async () => {
    const dataset = fashionMnistSubset(2000, 1000)
    const descriptor = convNetSizeSpace({ layers: 1 }).decode([8, 3])

    const result = await trainAndScore(descriptor, dataset, {
      seed: 3,
      batchSize: 32,
    })

    // Chance is 0.1; a broken gradient stays near it.
    expect(result.accuracy).toBeGreaterThan(0.5)
  })
})
