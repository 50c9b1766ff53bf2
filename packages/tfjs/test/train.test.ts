import type { DescriptorJSON } from '@nord/core'
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type EpochLogs,
  selectBackend,
  type TrainOptions,
  trainAndScore,
} from '../src/index.js'
import { toyDataset } from './helpers.js'

const SMALL: DescriptorJSON = {
  layers: [
    { name: 'conv', type: 'conv2d', params: { filters: 4, kernelSize: 3 } },
    { name: 'act', type: 'relu6', params: {} },
    { name: 'pool', type: 'maxPooling2d', params: {} },
  ],
  connections: [
    ['conv', 'act'],
    ['act', 'pool'],
  ],
}

/** Every kind of layer that keeps state or randomness: batch norm, dropout, a merge. */
const STATEFUL: DescriptorJSON = {
  layers: [
    { name: 'conv', type: 'conv2d', params: { filters: 4, kernelSize: 3 } },
    { name: 'side', type: 'conv2d', params: { filters: 2, kernelSize: 5 } },
    { name: 'norm', type: 'batchNormalization', params: {} },
    { name: 'drop', type: 'dropout', params: { rate: 0.3 } },
  ],
  connections: [
    ['conv', 'side'],
    ['conv', 'norm'],
    ['side', 'norm'],
    ['norm', 'drop'],
  ],
}

/** Unbounded activations, so a huge learning rate overflows to NaN. */
const DIVERGING: DescriptorJSON = {
  layers: [
    { name: 'conv', type: 'conv2d', params: { filters: 4, kernelSize: 3 } },
    { name: 'flat', type: 'flatten', params: {} },
    { name: 'hidden', type: 'dense', params: { units: 8 } },
    { name: 'drop', type: 'dropout', params: { rate: 0.2 } },
  ],
  connections: [
    ['conv', 'flat'],
    ['flat', 'hidden'],
    ['hidden', 'drop'],
  ],
}

const dataset = toyDataset({ count: 192 })

async function train(options: Partial<TrainOptions> = {}, descriptor = SMALL) {
  return trainAndScore(descriptor, dataset, { seed: 1, ...options })
}

/**
 * Runs `body` once to warm the caches of TensorFlow.js, then runs it again
 * and returns the tensor growth of that run and its error code, if any.
 */
async function tensorGrowth(
  body: () => Promise<unknown>,
): Promise<{ growth: number; code: string | undefined }> {
  const codeOf = (error: unknown) =>
    (error as { code?: string }).code ?? String(error)
  await body().catch(codeOf)
  const before = tf.memory().numTensors
  const code = await body().then(() => undefined, codeOf)
  return { growth: tf.memory().numTensors - before, code }
}

beforeAll(async () => {
  await selectBackend()
})

describe('trainAndScore', () => {
  it('learns an easy dataset in two epochs', async () => {
    const result = await train({ epochs: 2, learningRate: 0.01 })

    expect(result.accuracy).toBeGreaterThan(0.9)
    expect(result.epochLosses).toHaveLength(2)
    expect(result.epochLosses[1]!).toBeLessThan(result.epochLosses[0]!)
  })

  it('reports counts, time and the backend', async () => {
    const result = await train({ batchSize: 50 })

    expect(result.parameters).toBe(4 * 9 + 4 + 5 * 5 * 4 * 3 + 3)
    expect(result.flops).toBeGreaterThan(0)
    expect(result.backend).toBe('wasm')
    expect(result.trainedSamples).toBe(192)
    expect(result.seconds).toBeGreaterThan(0)
    expect(result.trainingSeconds).toBeLessThanOrEqual(result.seconds)
  })

  it('repeats itself exactly for the same seed', async () => {
    const first = await train({ epochs: 2 }, STATEFUL)
    const second = await train({ epochs: 2 }, STATEFUL)

    expect(second.epochLosses).toEqual(first.epochLosses)
    expect(second.loss).toBe(first.loss)
  })

  it('changes with the seed', async () => {
    const first = await train({ seed: 1 }, STATEFUL)
    const second = await train({ seed: 2 }, STATEFUL)

    expect(second.epochLosses).not.toEqual(first.epochLosses)
  })

  it('runs two trainings at once', async () => {
    const alone = await train({ seed: 4 }, STATEFUL)
    const [together] = await Promise.all([
      train({ seed: 4 }, STATEFUL),
      train({ seed: 5 }, DIVERGING),
    ])

    expect(together.epochLosses).toEqual(alone.epochLosses)
    expect(together.accuracy).toBe(alone.accuracy)
  })

  it('never draws from Math.random', async () => {
    const random = vi.spyOn(Math, 'random')
    try {
      await train({}, STATEFUL)
      expect(random).not.toHaveBeenCalled()
    } finally {
      random.mockRestore()
    }
  })

  it.each(['sgd', 'rmsprop', 'adagrad'] as const)(
    'trains with %s',
    async (optimizer) => {
      const result = await train({ optimizer, learningRate: 0.05 })

      expect(Number.isFinite(result.epochLosses[0])).toBe(true)
      expect(result.accuracy).toBeGreaterThan(1 / 3)
    },
  )

  it('scores the validation split after every epoch', async () => {
    const logs: EpochLogs[] = []
    const result = await train({
      epochs: 2,
      validation: true,
      onEpochEnd: (entry) => {
        logs.push(entry)
      },
    })

    expect(logs.map((entry) => entry.epoch)).toEqual([1, 2])
    expect(result.validation?.accuracy).toHaveLength(2)
    expect(logs[1]?.validationLoss).toBe(result.validation?.loss[1])
  })

  it('reports every invalid option at once', async () => {
    const failure = train({
      epochs: 0,
      batchSize: 2.5,
      optimizer: 'lbfgs' as 'adam',
      learningRate: -1,
    })

    await expect(failure).rejects.toMatchObject({
      code: 'NORD_ERR_INVALID_OPTION',
      issues: [
        { path: 'epochs' },
        { path: 'batchSize' },
        { path: 'optimizer' },
        { path: 'learningRate' },
      ],
    })
  })

  it('rejects labels beyond the classes', async () => {
    const broken = toyDataset({ count: 12 })
    broken.test = { ...broken.test, labels: broken.test.labels.map(() => 7) }

    await expect(
      trainAndScore(SMALL, broken, { seed: 1 }),
    ).rejects.toMatchObject({
      code: 'NORD_ERR_DATA_MISMATCH',
      issues: [{ path: 'dataset.test.labels[0]' }],
    })
  })

  it('requires a validation split', async () => {
    const { validation: _dropped, ...withoutValidation } = toyDataset({
      count: 12,
    })
    const failure = trainAndScore(SMALL, withoutValidation, {
      seed: 1,
      validation: true,
    })

    await expect(failure).rejects.toMatchObject({
      issues: [{ path: 'dataset.validation' }],
    })
  })
})

describe('trainAndScore failures', () => {
  it('stops a diverging network', async () => {
    const failure = train(
      { optimizer: 'sgd', learningRate: 1e30, batchSize: 16 },
      DIVERGING,
    )

    await expect(failure).rejects.toMatchObject({
      code: 'NORD_ERR_NON_FINITE',
      metric: 'loss',
      epoch: 1,
    })
    await expect(failure).rejects.toThrow(
      /loss is (NaN|Infinity) in epoch 1, batch \d+/,
    )
  })

  it('stops between batches when the signal fires', async () => {
    const controller = new AbortController()
    let checks = 0
    // The signal reads as aborted from its fourth check on. Training checks
    // once at the start and once before each batch, so two batches run.
    Object.defineProperty(controller.signal, 'aborted', {
      get: () => ++checks >= 4,
    })
    const epochs: number[] = []

    const failure = train({
      batchSize: 32,
      signal: controller.signal,
      onEpochEnd: (logs) => {
        epochs.push(logs.epoch)
      },
    })

    await expect(failure).rejects.toMatchObject({ code: 'NORD_ERR_ABORTED' })
    expect(checks).toBe(4)
    expect(epochs).toEqual([])
  })

  it('stops after the aborting epoch', async () => {
    const controller = new AbortController()
    const epochs: number[] = []
    const failure = train({
      epochs: 3,
      signal: controller.signal,
      onEpochEnd: (logs) => {
        epochs.push(logs.epoch)
        controller.abort(new Error('enough'))
      },
    })

    await expect(failure).rejects.toMatchObject({ code: 'NORD_ERR_ABORTED' })
    expect(epochs).toEqual([1])
  })

  it('rejects an aborted signal before building', async () => {
    const before = tf.memory().numTensors
    const failure = train({ signal: AbortSignal.abort() })

    await expect(failure).rejects.toMatchObject({ code: 'NORD_ERR_ABORTED' })
    expect(tf.memory().numTensors).toBe(before)
  })

  it('passes on an error thrown by onEpochEnd', async () => {
    const failure = train({
      onEpochEnd: () => {
        throw new Error('callback failed')
      },
    })

    await expect(failure).rejects.toThrow('callback failed')
  })
})

describe('trainAndScore tensor hygiene', () => {
  it('frees every tensor after success', async () => {
    const run = await tensorGrowth(() =>
      train({ epochs: 2, validation: true }, STATEFUL),
    )

    expect(run.code).toBeUndefined()
    expect(run.growth).toBe(0)
  })

  it('frees every tensor after a non-finite loss', async () => {
    const run = await tensorGrowth(() =>
      train({ optimizer: 'sgd', learningRate: 1e30 }, DIVERGING),
    )

    expect(run.code).toBe('NORD_ERR_NON_FINITE')
    expect(run.growth).toBe(0)
  })

  it('frees every tensor after an abort', async () => {
    const run = await tensorGrowth(() => {
      const controller = new AbortController()
      const onEpochEnd = () => controller.abort()
      return train(
        { epochs: 2, signal: controller.signal, onEpochEnd },
        STATEFUL,
      )
    })

    expect(run.code).toBe('NORD_ERR_ABORTED')
    expect(run.growth).toBe(0)
  })

  it('frees every tensor after a thrown callback', async () => {
    const onEpochEnd = () => {
      throw new RangeError('callback failed')
    }
    const run = await tensorGrowth(() => train({ onEpochEnd }, STATEFUL))

    expect(run.code).toBe('RangeError: callback failed')
    expect(run.growth).toBe(0)
  })

  it('makes no tensor for an invalid descriptor', async () => {
    const invalid: DescriptorJSON = {
      layers: [
        {
          name: 'conv',
          type: 'conv2d',
          params: { filters: 2, kernelSize: 30 },
        },
      ],
      connections: [],
    }
    const before = tf.memory().numTensors

    await expect(train({}, invalid)).rejects.toMatchObject({
      code: 'NORD_ERR_SHAPE',
    })
    expect(tf.memory().numTensors).toBe(before)
  })
})
