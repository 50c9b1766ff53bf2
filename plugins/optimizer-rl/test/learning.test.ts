import { describe, expect, it } from 'vitest'
import { softmax } from '../src/factorised-policy.js'
import {
  createOptimizer,
  GENES,
  maxima,
  mean,
  normalizedSum,
  runBatch,
} from './helpers.js'

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
const UPDATES = 30
const OPTIONS = { batchSize: 8, learningRate: 0.1 }

/** Returns the mean reward of each batch over `UPDATES` updates. */
async function batchMeans(seed: number): Promise<number[]> {
  const optimizer = await createOptimizer(OPTIONS, seed)
  const means: number[] = []
  for (let update = 0; update < UPDATES; update++) {
    const candidates = runBatch(optimizer)
    means.push(mean(candidates.map(({ genotype }) => normalizedSum(genotype))))
  }
  return means
}

describe('factorised policy on a separable objective', () => {
  it('raises the mean reward for most seeds', async () => {
    let improved = 0
    for (const seed of SEEDS) {
      const means = await batchMeans(seed)
      if (mean(means.slice(-5)) > mean(means.slice(0, 5)) + 0.05) improved++
    }

    expect(improved).toBeGreaterThanOrEqual(8)
  })

  it('moves probability mass to each gene maximum', async () => {
    const optimizer = await createOptimizer(OPTIONS, 3)
    for (let update = 0; update < UPDATES; update++) runBatch(optimizer)
    const probabilities = optimizer.state().parameters.map(softmax)

    const uniform = 1 / (GENES[0]!.max - GENES[0]!.min + 1)
    const atMaxima = probabilities.map((gene) => gene[gene.length - 1]!)
    const above = atMaxima.filter((probability) => probability > uniform)
    expect(above.length).toBeGreaterThanOrEqual(GENES.length - 1)
    expect(mean(atMaxima)).toBeGreaterThan(2 * uniform)
  })

  it('makes the optimum more likely', async () => {
    const optimizer = await createOptimizer(OPTIONS, 4)
    const before = optimizer.logProbability(maxima())
    for (let update = 0; update < UPDATES; update++) runBatch(optimizer)

    expect(optimizer.logProbability(maxima())).toBeGreaterThan(before + 1)
  })

  it('learns nothing from equal rewards without entropy', async () => {
    const optimizer = await createOptimizer({ entropyWeight: 0 }, 5)
    for (let update = 0; update < 5; update++) runBatch(optimizer, () => 0.5)

    const logits = optimizer.state().parameters.flat()
    expect(logits.every((logit) => logit === 0)).toBe(true)
  })
})
