import { runOptimizerConformance } from '@nord/core/testing'
import { describe, expect, it } from 'vitest'
import { createGeneticOptimizer } from '../src/index.js'
import { GENES } from './helpers.js'

const INVALID = {
  options: { population: 0, mutationRate: 2, colour: 'red' },
  paths: ['population', 'mutationRate', 'colour'],
}

describe('conformance', () => {
  it('keeps the optimizer contract as a generational GA', async () => {
    const checks = await runOptimizerConformance(createGeneticOptimizer, {
      space: { genes: GENES },
      options: { population: 6, generations: 12, elitism: 1 },
      invalidOptions: INVALID,
    })

    expect(checks.every((check) => check.passed)).toBe(true)
  })
})
