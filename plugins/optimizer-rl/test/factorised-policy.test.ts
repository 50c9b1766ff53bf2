import { createRandom } from '@nord/core'
import { describe, expect, it } from 'vitest'
import {
  entropy,
  entropyGradient,
  FactorisedPolicy,
  logProbability,
  logProbabilityGradient,
  softmax,
} from '../src/factorised-policy.js'
import { sampleCategorical } from '../src/policy.js'

/** Step of the central differences; the errors are of order STEP squared. */
const STEP = 1e-5

/** Random logits in [-2, 2] for genes of the given sizes. */
function randomLogits(sizes: number[], seed: number): Float64Array[] {
  const random = createRandom(seed)
  return sizes.map((size) =>
    Float64Array.from({ length: size }, () => 4 * random.next() - 2),
  )
}

/**
 * Returns the central-difference estimate of the gradient of `f` at `logits`,
 * one logit at a time.
 */
function numericGradient(
  logits: Float64Array[],
  f: (logits: Float64Array[]) => number,
): Float64Array[] {
  return logits.map((block, gene) =>
    block.map((_, index) => {
      const shifted = (delta: number) => {
        const copy = logits.map((other) => other.slice())
        copy[gene]![index]! += delta
        return f(copy)
      }
      return (shifted(STEP) - shifted(-STEP)) / (2 * STEP)
    }),
  )
}

function expectClose(
  actual: Float64Array[],
  expected: Float64Array[],
  tolerance: number,
): void {
  expect(actual.map((block) => block.length)).toEqual(
    expected.map((block) => block.length),
  )
  actual.forEach((block, gene) => {
    block.forEach((value, index) => {
      expect(Math.abs(value - expected[gene]![index]!)).toBeLessThan(tolerance)
    })
  })
}

const SIZES = [3, 1, 5, 2]

describe('logProbabilityGradient', () => {
  for (const seed of [1, 2, 3]) {
    it(`matches finite differences for seed ${seed}`, () => {
      const logits = randomLogits(SIZES, seed)
      const choices = [2, 0, 4, 1]

      const analytic = logProbabilityGradient(logits, choices)
      const numeric = numericGradient(logits, (values) =>
        logProbability(values, choices),
      )

      expectClose(analytic, numeric, 1e-8)
    })
  }
})

describe('entropyGradient', () => {
  for (const seed of [4, 5]) {
    it(`matches finite differences for seed ${seed}`, () => {
      const logits = randomLogits(SIZES, seed)

      const analytic = entropyGradient(logits)
      const numeric = numericGradient(logits, entropy)

      expectClose(analytic, numeric, 1e-8)
    })
  }
})

describe('objectiveGradient', () => {
  it('matches finite differences of the REINFORCE objective', () => {
    const policy = new FactorisedPolicy(SIZES)
    randomLogits(SIZES, 6).forEach((block, gene) => {
      policy.parameters[gene]!.set(block)
    })
    const batch = [
      { choices: [0, 0, 1, 1], advantage: 0.3 },
      { choices: [2, 0, 4, 0], advantage: -0.5 },
      { choices: [1, 0, 1, 1], advantage: 0.1 },
    ]
    const entropyWeight = 0.2
    const objective = (logits: Float64Array[]) => {
      const policyTerm = batch.reduce(
        (sum, { choices, advantage }) =>
          sum + advantage * logProbability(logits, choices),
        0,
      )
      return policyTerm / batch.length + entropyWeight * entropy(logits)
    }

    const analytic = policy.objectiveGradient(batch, entropyWeight)
    const numeric = numericGradient(policy.parameters, objective)

    expectClose(analytic, numeric, 1e-8)
  })
})

describe('softmax', () => {
  it('sums to one', () => {
    const probabilities = softmax([1, 2, 3])

    expect(probabilities.reduce((sum, value) => sum + value, 0)).toBeCloseTo(
      1,
      12,
    )
  })

  it('stays finite for large logits', () => {
    const probabilities = softmax([1000, 1000])

    expect(Array.from(probabilities)).toEqual([0.5, 0.5])
  })
})

describe('entropy', () => {
  it('is the log of the size for uniform genes', () => {
    const logits = [new Float64Array(4), new Float64Array(2)]

    expect(entropy(logits)).toBeCloseTo(Math.log(4) + Math.log(2), 12)
  })
})

describe('FactorisedPolicy', () => {
  it('starts uniform', () => {
    const policy = new FactorisedPolicy([4, 2])

    expect(policy.logProbabilities([[3, 1]])[0]).toBeCloseTo(Math.log(1 / 8))
  })

  it('keeps samples inside each gene', () => {
    const policy = new FactorisedPolicy([3, 1, 5])
    const samples = policy.sample(200, createRandom(3))

    for (const choices of samples) {
      expect(choices).toHaveLength(3)
      expect(choices[0]).toBeGreaterThanOrEqual(0)
      expect(choices[0]).toBeLessThan(3)
      expect(choices[1]).toBe(0)
      expect(choices[2]).toBeGreaterThanOrEqual(0)
      expect(choices[2]).toBeLessThan(5)
    }
  })
})

describe('sampleCategorical', () => {
  it('draws indices with their probabilities', () => {
    const random = createRandom(11)
    const counts = [0, 0, 0]
    const draws = 20_000
    for (let draw = 0; draw < draws; draw++) {
      counts[sampleCategorical([0.2, 0.5, 0.3], random)]!++
    }

    expect(counts[0]! / draws).toBeCloseTo(0.2, 1)
    expect(counts[1]! / draws).toBeCloseTo(0.5, 1)
    expect(counts[2]! / draws).toBeCloseTo(0.3, 1)
  })

  it('never draws an index of probability zero', () => {
    const random = createRandom(12)
    for (let draw = 0; draw < 1000; draw++) {
      expect(sampleCategorical([0, 1, 0], random)).toBe(1)
    }
  })
})
