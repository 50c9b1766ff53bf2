import type { DescriptorJSON } from '@nord/core'
import * as tf from '@tensorflow/tfjs-core'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  estimateTrainingMemory,
  MAX_TYPED_ARRAY_LENGTH,
  type OptimizerName,
  selectBackend,
  trainAndScore,
  WASM_DEFAULT_MEMORY_LIMIT,
} from '../src/index.js'
import { onBackend, toyDataset } from './helpers.js'

/** The network that broke the wasm heap: 20000 filters of 3x3 on 28x28x1. */
const HUGE: DescriptorJSON = {
  layers: [
    {
      name: 'wide',
      type: 'conv2d',
      params: { filters: 20000, kernelSize: 3, padding: 'same' },
    },
  ],
  connections: [],
}

const SMALL: DescriptorJSON = {
  layers: [
    { name: 'conv', type: 'conv2d', params: { filters: 4, kernelSize: 3 } },
    { name: 'act', type: 'relu6', params: {} },
  ],
  connections: [['conv', 'act']],
}

/** Networks whose estimate is compared with the measured peak. */
const MEASURED: Record<string, DescriptorJSON> = {
  'one wide convolution': {
    layers: [
      {
        name: 'conv',
        type: 'conv2d',
        params: { filters: 64, kernelSize: 3, padding: 'same' },
      },
    ],
    connections: [],
  },
  'convolutions with pooling, batch norm and dropout': {
    layers: [
      { name: 'c1', type: 'conv2d', params: { filters: 32, kernelSize: 3 } },
      { name: 'a1', type: 'relu6', params: {} },
      { name: 'p1', type: 'maxPooling2d', params: {} },
      {
        name: 'c2',
        type: 'conv2d',
        params: { filters: 64, kernelSize: 3, strides: 2 },
      },
      { name: 'bn', type: 'batchNormalization', params: {} },
      { name: 'drop', type: 'dropout', params: { rate: 0.3 } },
    ],
    connections: [
      ['c1', 'a1'],
      ['a1', 'p1'],
      ['p1', 'c2'],
      ['c2', 'bn'],
      ['bn', 'drop'],
    ],
  },
  'a dense layer': {
    layers: [
      { name: 'flat', type: 'flatten', params: {} },
      { name: 'hidden', type: 'dense', params: { units: 512 } },
      { name: 'act', type: 'relu', params: {} },
    ],
    connections: [
      ['flat', 'hidden'],
      ['hidden', 'act'],
    ],
  },
}

const mnistLike = toyDataset({ count: 64, size: 28 })
const small = toyDataset({ count: 96 })

function estimate(descriptor: DescriptorJSON, optimizer: OptimizerName) {
  return estimateTrainingMemory(descriptor, {
    inputShape: [28, 28, 1],
    classes: 3,
    batchSize: 32,
    scoreBatchSize: 64,
    optimizer,
  })
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: { code?: string }) => error.code ?? String(error),
  )
}

beforeAll(async () => {
  await selectBackend()
})

afterEach(() => {
  delete process.env.NORD_MEMORY_LIMIT
})

describe('estimateTrainingMemory', () => {
  for (const [name, descriptor] of Object.entries(MEASURED)) {
    it(`stays within 2x of the peak for ${name}`, async () => {
      const predicted = estimate(descriptor, 'adam').total
      const profile = await onBackend('cpu', () =>
        tf.profile(async () => {
          await trainAndScore(descriptor, mnistLike, {
            seed: 1,
            scoreBatchSize: 64,
          })
        }),
      )

      // Measured on the cpu backend, where every buffer is a tensor that
      // tfjs-core counts: estimate / peak was 0.79 to 1.00.
      expect(predicted).toBeGreaterThan(profile.peakBytes / 2)
      expect(predicted).toBeLessThan(profile.peakBytes * 2)
    })
  }

  it('adds the slots of each optimizer', () => {
    const sgd = estimate(SMALL, 'sgd')
    const adam = estimate(SMALL, 'adam')

    expect(sgd.optimizerSlots).toBe(0)
    expect(adam.optimizerSlots).toBe(2 * adam.weights)
    expect(adam.weights).toBe(sgd.weights)
  })

  it('sums its parts into the total', () => {
    const result = estimate(HUGE, 'adam')

    const persistent = result.weights + result.optimizerSlots
    expect(result.total).toBe(
      persistent + Math.max(result.step, result.scoring),
    )
    expect(result.layers[0]!.name).toBe('wide')
    expect(result.largestTensor.layer).toBe('wide')
    expect(result.largestTensor.values).toBe(32 * 28 * 28 * 20000)
  })

  it('rejects an invalid descriptor', () => {
    const broken: DescriptorJSON = {
      layers: [{ name: 'conv', type: 'conv2d', params: { kernelSize: 40 } }],
      connections: [],
    }

    expect(() => estimate(broken, 'adam')).toThrow(/descriptor is invalid/)
  })
})

describe('memory limit', () => {
  it('rejects the 20000-filter network before any tensor', async () => {
    const before = tf.memory().numTensors

    const error = await trainAndScore(HUGE, mnistLike, { seed: 1 }).catch(
      (caught: Error & { code?: string }) => caught,
    )

    expect((error as { code?: string }).code).toBe('NORD_ERR_RESOURCE')
    expect((error as Error).message).toContain('largest layers are wide')
    expect((error as Error).message).toContain('raise memoryLimit')
    expect(tf.memory().numTensors).toBe(before)
  })

  it('trains a valid network right after', async () => {
    await codeOf(trainAndScore(HUGE, mnistLike, { seed: 1 }))

    const result = await trainAndScore(SMALL, small, { seed: 1 })

    expect(result.trainedSamples).toBe(96)
    expect(Number.isFinite(result.loss)).toBe(true)
  })

  it('applies the memoryLimit option', async () => {
    const code = await codeOf(
      trainAndScore(SMALL, small, { seed: 1, memoryLimit: 1000 }),
    )

    expect(code).toBe('NORD_ERR_RESOURCE')
  })

  it('lets NORD_MEMORY_LIMIT override the option', async () => {
    process.env.NORD_MEMORY_LIMIT = '1000'

    const error = await trainAndScore(SMALL, small, {
      seed: 1,
      memoryLimit: Number.POSITIVE_INFINITY,
    }).catch((caught: Error) => caught)

    expect((error as { code?: string }).code).toBe('NORD_ERR_RESOURCE')
    expect((error as Error).message).toContain('NORD_MEMORY_LIMIT')
  })

  it('rejects an invalid NORD_MEMORY_LIMIT', async () => {
    process.env.NORD_MEMORY_LIMIT = 'lots'

    const code = await codeOf(trainAndScore(SMALL, small, { seed: 1 }))

    expect(code).toBe('NORD_ERR_INVALID_OPTION')
  })

  it('rejects an invalid memoryLimit option', async () => {
    const code = await codeOf(
      trainAndScore(SMALL, small, { seed: 1, memoryLimit: -5 }),
    )

    expect(code).toBe('NORD_ERR_INVALID_OPTION')
  })

  it('defaults to 2 GiB on wasm', async () => {
    const bytes = estimate(HUGE, 'adam').total

    expect(WASM_DEFAULT_MEMORY_LIMIT).toBe(2 * 1024 ** 3)
    expect(bytes).toBeGreaterThan(WASM_DEFAULT_MEMORY_LIMIT)
  })

  it('rejects a tensor beyond the typed-array maximum on cpu', async () => {
    // Enough filters that one batch of the output exceeds 2^32 values.
    const filters = Math.ceil(MAX_TYPED_ARRAY_LENGTH / (32 * 28 * 28)) + 1
    const descriptor: DescriptorJSON = {
      layers: [
        {
          name: 'wide',
          type: 'conv2d',
          params: { filters, kernelSize: 1 },
        },
      ],
      connections: [],
    }

    const error = await onBackend('cpu', () =>
      trainAndScore(descriptor, mnistLike, {
        seed: 1,
        memoryLimit: Number.POSITIVE_INFINITY,
      }).catch((caught: Error) => caught),
    )

    expect((error as { code?: string }).code).toBe('NORD_ERR_RESOURCE')
    expect((error as Error).message).toContain('typed array')
  })
})

describe('failure inside training', () => {
  it('wraps a wasm out-of-memory failure and frees its tensors', async () => {
    const before = tf.memory().numTensors

    const error = await onBackend('wasm', () =>
      trainAndScore(HUGE, mnistLike, {
        seed: 1,
        memoryLimit: Number.POSITIVE_INFINITY,
      }).catch((caught: Error) => caught),
    )

    expect((error as { code?: string }).code).toBe('NORD_ERR_TRAINING')
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect((error as Error).message).toContain('wasm backend was reset')
    expect(tf.memory().numTensors).toBe(before)
  })

  it('trains on wasm again after the reset', async () => {
    const result = await onBackend('wasm', () =>
      trainAndScore(SMALL, small, { seed: 1 }),
    )

    expect(result.backend).toBe('wasm')
    expect(Number.isFinite(result.loss)).toBe(true)
  })
})
