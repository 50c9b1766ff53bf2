import { runOptimizerConformance } from '@nord/core/testing'
import { describe, expect, it } from 'vitest'
import { createEvolution } from '../src/index.js'
import { GENES } from './helpers.js'

const INVALID = {
  options: { population: 0, sampleSize: 0, cycles: 'many' },
  paths: ['population', 'sampleSize', 'cycles'],
}

describe('conformance', () => {
  it.each([
    { population: 8, sampleSize: 3 },
    { population: 8, sampleSize: 8, cycles: 40 },
    { population: 1, sampleSize: 1 },
  ])('keeps the optimizer contract with %o', async (options) => {
    const checks = await runOptimizerConformance(createEvolution, {
      space: { genes: GENES },
      options,
      invalidOptions: INVALID,
    })

    expect(checks.every((check) => check.passed)).toBe(true)
  })
})
