import { runOptimizerConformance } from '@nord/core/testing'
import { describe, expect, it } from 'vitest'
import { createRandomSearch } from '../src/index.js'
import { GENES, SMALL_GENES } from './helpers.js'

const INVALID = {
  options: { unique: 'yes', samples: 0, batch: 3 },
  paths: ['unique', 'samples', 'batch'],
}

describe('conformance', () => {
  it.each([true, false])(
    'keeps the optimizer contract with unique %s',
    async (unique) => {
      const checks = await runOptimizerConformance(createRandomSearch, {
        space: { genes: GENES },
        options: { unique },
        invalidOptions: INVALID,
      })

      expect(checks.every((check) => check.passed)).toBe(true)
    },
  )

  it('keeps the contract while exhausting a small space', async () => {
    const checks = await runOptimizerConformance(createRandomSearch, {
      space: { genes: SMALL_GENES },
      budget: 20,
      invalidOptions: INVALID,
    })

    expect(checks.every((check) => check.passed)).toBe(true)
  })
})
