import { createRandom } from '@nord/core'
import { describe, expect, it } from 'vitest'
import type { GeneticOptimizerOptions } from '../src/options.js'
import { sampleGenotype } from '../src/variation.js'
import {
  createOptimizer,
  GENES,
  normalizedSum,
  runGeneration,
} from './helpers.js'

const SEEDS = Array.from({ length: 20 }, (_, index) => index + 1)
const POPULATION = 20
const GENERATIONS = 30

/**
 * The default rates (crossover 0.9, mutation 0.2) with elitism 1, the smallest
 * that keeps the best.
 */
const PAPER: GeneticOptimizerOptions = { population: POPULATION, elitism: 1 }

/** Stronger pressure: larger tournaments and one mutated gene per child. */
const TUNED: GeneticOptimizerOptions = {
  population: POPULATION,
  elitism: 1,
  tournamentSize: 3,
  mutationRate: 1 / GENES.length,
}

/** Returns the best fitness of each generation over a 30-generation run. */
function bestPerGeneration(
  options: GeneticOptimizerOptions,
  seed: number,
): number[] {
  const optimizer = createOptimizer(
    { ...options, generations: GENERATIONS },
    seed,
  )
  const best: number[] = []
  while (!optimizer.done()) {
    const candidates = runGeneration(optimizer)
    const fitness = candidates.map((c) => normalizedSum(c.genotype))
    best.push(Math.max(...fitness))
  }
  return best
}

/**
 * Returns the best of as many uniform samples as the genetic algorithm
 * evaluates.
 */
function randomSearchBest(seed: number): number {
  const random = createRandom(seed).derive('random-search')
  let best = 0
  for (let sample = 0; sample < POPULATION * GENERATIONS; sample++) {
    best = Math.max(best, normalizedSum(sampleGenotype(GENES, random)))
  }
  return best
}

function isNonDecreasing(values: number[]): boolean {
  return values.every(
    (value, index) => index === 0 || value >= values[index - 1]!,
  )
}

describe('convergence on a separable objective', () => {
  it('never loses the best individual with elitism', () => {
    for (const seed of SEEDS) {
      const best = bestPerGeneration(PAPER, seed)

      expect(isNonDecreasing(best), `seed ${seed}: ${best}`).toBe(true)
    }
  })

  it('beats random search of the same budget for most seeds', () => {
    const wins = SEEDS.filter(
      (seed) => bestPerGeneration(PAPER, seed).at(-1)! > randomSearchBest(seed),
    )

    expect(wins.length).toBeGreaterThanOrEqual(18)
  })

  it('gets within 5% of the optimum for most seeds', () => {
    const finals = SEEDS.map((seed) => bestPerGeneration(TUNED, seed).at(-1)!)

    const near = finals.filter((fitness) => fitness >= 0.95)
    expect(near.length, `final best values: ${finals}`).toBeGreaterThanOrEqual(
      16,
    )
  })

  it('improves with roulette, uniform crossover and creep', () => {
    const options: GeneticOptimizerOptions = {
      population: POPULATION,
      elitism: 1,
      selection: 'roulette',
      crossover: 'uniform',
      mutation: 'creep',
      creepStep: 2,
    }
    for (const seed of SEEDS) {
      const best = bestPerGeneration(options, seed)

      expect(best.at(-1)!, `seed ${seed}`).toBeGreaterThan(best[0]!)
    }
  })
})
