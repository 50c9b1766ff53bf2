import { createRandom, type IntegerGene, type JsonValue } from '@nord/core'
import * as tf from '@tensorflow/tfjs-core'
import { describe, expect, it } from 'vitest'
import { createLstmPolicy } from '../src/lstm-policy.js'
import type { ReinforceOptimizerOptions } from '../src/options.js'
import {
  createOptimizer,
  maxima,
  mean,
  normalizedSum,
  runBatch,
  score,
} from './helpers.js'

/** Four genes of four values: small enough to train in well under a second. */
const SMALL: IntegerGene[] = Array.from({ length: 4 }, (_, index) => ({
  name: `gene${index}`,
  min: 0,
  max: 3,
}))

const OPTIONS: ReinforceOptimizerOptions = {
  controller: 'lstm',
  hiddenSize: 8,
  batchSize: 6,
  learningRate: 0.05,
}

const objective = (genotype: number[]) => normalizedSum(genotype, SMALL)

/** Milliseconds; training on the cpu backend takes several seconds. */
const LSTM_TIMEOUT = 60_000

function create(seed: number, options = OPTIONS) {
  return createOptimizer(options, seed, SMALL)
}

describe('LSTM controller', () => {
  it('draws the same first weights for the same seed', async () => {
    const first = await create(5)
    const second = await create(5)
    const other = await create(6)

    expect(second.state().parameters).toEqual(first.state().parameters)
    expect(other.state().parameters).not.toEqual(first.state().parameters)
  })

  it('lays out its parameter blocks', async () => {
    const optimizer = await create(1)
    const sizes = optimizer.state().parameters.map((block) => block.length)

    // First input, gate kernel, gate bias, four heads with biases, and three
    // embeddings (the last gene feeds no further step).
    expect(sizes).toEqual([
      8,
      16 * 32,
      32,
      32,
      4,
      32,
      4,
      32,
      4,
      32,
      4,
      32,
      32,
      32,
    ])
  })

  it('starts with a forget-gate bias of 1', async () => {
    const optimizer = await create(1)
    const bias = optimizer.state().parameters[2]!

    expect(bias.slice(0, 8).every((value) => value === 0)).toBe(true)
    expect(bias.slice(8, 16).every((value) => value === 1)).toBe(true)
    expect(bias.slice(16).every((value) => value === 0)).toBe(true)
  })

  it('gives probabilities that sum to one', async () => {
    const genes = [
      { name: 'a', min: 0, max: 2 },
      { name: 'b', min: 0, max: 1 },
    ]
    const optimizer = await createOptimizer(OPTIONS, 2, genes)
    runBatch(optimizer, (genotype) => normalizedSum(genotype, genes))

    let total = 0
    for (const a of [0, 1, 2]) {
      for (const b of [0, 1])
        total += Math.exp(optimizer.logProbability([a, b]))
    }
    expect(total).toBeCloseTo(1, 5)
  })

  it(
    'learns a separable objective for most seeds',
    async () => {
      let learned = 0
      for (const seed of [1, 2, 3, 4, 5]) {
        const optimizer = await create(seed)
        const before = optimizer.logProbability(maxima(SMALL))
        const means: number[] = []
        for (let update = 0; update < 25; update++) {
          const candidates = runBatch(optimizer, objective)
          means.push(
            mean(candidates.map(({ genotype }) => objective(genotype))),
          )
        }

        const rose = mean(means.slice(-5)) > mean(means.slice(0, 5)) + 0.1
        const likelier = optimizer.logProbability(maxima(SMALL)) > before + 1
        if (rose && likelier) learned++
      }

      expect(learned).toBeGreaterThanOrEqual(4)
    },
    LSTM_TIMEOUT,
  )

  it('frees every tensor it creates', async () => {
    const optimizer = await create(3)
    runBatch(optimizer, objective)
    const before = tf.memory().numTensors

    for (let update = 0; update < 5; update++) runBatch(optimizer, objective)
    optimizer.logProbability(maxima(SMALL))
    optimizer.ask(0)

    expect(tf.memory().numTensors).toBe(before)
  })

  it('repeats every batch for the same seed', async () => {
    const first = await create(7)
    const second = await create(7)

    for (let update = 0; update < 4; update++) {
      expect(runBatch(second, objective)).toEqual(runBatch(first, objective))
    }
  })

  it('resumes from a saved state', async () => {
    const original = await create(8)
    runBatch(original, objective)
    runBatch(original, objective)
    const results = score(original.ask(4), objective)
    original.tell(results.slice(0, 3))

    const stored: JsonValue = JSON.parse(JSON.stringify(original.state()))
    const resumed = await create(80)
    resumed.restore(stored)
    resumed.tell(results.slice(3))
    original.tell(results.slice(3))

    for (let update = 0; update < 3; update++) {
      expect(runBatch(resumed, objective)).toEqual(
        runBatch(original, objective),
      )
    }
    expect(resumed.state()).toEqual(original.state())
  })

  it('saves weights as plain arrays', async () => {
    const optimizer = await create(9)
    const state = optimizer.state()

    expect(state.controller).toBe('lstm')
    expect(state.parameters.every(Array.isArray)).toBe(true)
    expect(JSON.parse(JSON.stringify(state))).toEqual(state)
  })

  it('rejects a factorised state', async () => {
    const factorised = await createOptimizer({}, 1, SMALL)
    const optimizer = await create(1)

    expect(() => optimizer.restore(factorised.state())).toThrow(
      /controller: must be 'lstm'/,
    )
  })
})

describe('LSTM objective gradient', () => {
  it('matches finite differences without entropy', async () => {
    const policy = await createLstmPolicy([3, 2, 4], 5, createRandom(21))
    // Larger weights than the initial ones give gradients well above the
    // float32 noise inside the LSTM.
    for (const block of policy.parameters) {
      for (let index = 0; index < block.length; index++) block[index]! *= 10
    }
    const batch = [
      { choices: [0, 1, 3], advantage: 0.4 },
      { choices: [2, 0, 1], advantage: -0.3 },
      { choices: [1, 1, 0], advantage: 0.2 },
    ]
    const objective = () => {
      const logs = policy.logProbabilities(batch.map((entry) => entry.choices))
      return mean(logs.map((log, index) => batch[index]!.advantage * log))
    }
    const gradient = policy.objectiveGradient(batch, 0)

    // First input, gate kernel, gate bias, first head, its bias, embeddings.
    const step = 1e-2
    for (const block of [0, 1, 2, 3, 4, 9, 10]) {
      const analytic = gradient[block]!
      const index = indexOfLargest(analytic)
      const parameters = policy.parameters[block]!
      const original = parameters[index]!
      parameters[index] = original + step
      const up = objective()
      parameters[index] = original - step
      const down = objective()
      parameters[index] = original

      const numeric = (up - down) / (2 * step)
      expect(Math.abs(analytic[index]!)).toBeGreaterThan(0.01)
      expect(Math.abs(analytic[index]! - numeric)).toBeLessThan(
        0.05 * Math.abs(numeric),
      )
    }
  })
})

function indexOfLargest(values: Float64Array): number {
  let largest = 0
  values.forEach((value, index) => {
    if (Math.abs(value) > Math.abs(values[largest]!)) largest = index
  })
  return largest
}
