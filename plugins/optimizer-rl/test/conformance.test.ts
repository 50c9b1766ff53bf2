import { runOptimizerConformance } from '@nord/core/testing'
import { describe, expect, it } from 'vitest'
import { createReinforceOptimizer } from '../src/index.js'
import { GENES } from './helpers.js'

const INVALID = {
  options: {
    batchSize: 0,
    learningRate: -1,
    entropyWeight: -0.5,
    colour: 'red',
  },
  paths: ['batchSize', 'learningRate', 'entropyWeight', 'colour'],
}

/** Milliseconds; TensorFlow.js on the cpu backend takes several seconds here. */
const LSTM_TIMEOUT = 60_000

describe('conformance', () => {
  it('keeps the optimizer contract with the factorised policy', async () => {
    const checks = await runOptimizerConformance(createReinforceOptimizer, {
      space: { genes: GENES },
      options: { batchSize: 4, learningRate: 0.1 },
      invalidOptions: INVALID,
    })

    expect(checks.every((check) => check.passed)).toBe(true)
  })

  it(
    'keeps the optimizer contract with the LSTM',
    async () => {
      const checks = await runOptimizerConformance(createReinforceOptimizer, {
        space: { genes: GENES },
        budget: 24,
        options: { controller: 'lstm', hiddenSize: 6, batchSize: 4 },
        invalidOptions: INVALID,
      })

      expect(checks.every((check) => check.passed)).toBe(true)
    },
    LSTM_TIMEOUT,
  )
})
