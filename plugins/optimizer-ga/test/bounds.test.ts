import { createRandom, type IntegerGene, type Random } from '@nord/core'
import { describe, expect, it } from 'vitest'
import type { GeneticOptimizerOptions } from '../src/options.js'
import { createOptimizer, resultOf } from './helpers.js'

const SEEDS = 300

/**
 * Draws a random space of 1 to 6 genes, with negative, fixed and wide bounds.
 */
function randomGenes(random: Random): IntegerGene[] {
  const count = random.int(1, 6)
  return Array.from({ length: count }, (_, index) => {
    const min = random.int(-50, 50)
    const width = random.pick([0, 0, 1, 2, 7, 100])
    return { name: `gene${index}`, min, max: min + width }
  })
}

/** Draws random valid options that cover every method. */
function randomOptions(random: Random): GeneticOptimizerOptions {
  const population = random.int(1, 12)
  const selection = random.pick(['tournament', 'roulette'] as const)
  const mutation = random.pick(['uniform', 'creep'] as const)
  return {
    population,
    generations: random.int(1, 5),
    crossoverRate: random.pick([0, 0.5, 0.9, 1]),
    mutationRate: random.pick([0, 0.2, 1]),
    selection,
    ...(selection === 'tournament'
      ? { tournamentSize: random.int(1, population) }
      : {}),
    crossover: random.pick(['single-point', 'uniform'] as const),
    elitism: random.int(0, population - 1),
    mutation,
    ...(mutation === 'creep' ? { creepStep: random.int(1, 5) } : {}),
  }
}

describe('gene bounds', () => {
  it('keeps every gene an integer inside its bounds', () => {
    let checked = 0
    for (let seed = 0; seed < SEEDS; seed++) {
      const random = createRandom(seed)
      const genes = randomGenes(random)
      const optimizer = createOptimizer(randomOptions(random), seed, genes)

      while (!optimizer.done()) {
        const candidates = optimizer.ask()
        for (const candidate of candidates) {
          expect(candidate.genotype).toHaveLength(genes.length)
          candidate.genotype.forEach((gene, index) => {
            const { min, max } = genes[index]!
            const where = `seed ${seed}, ${candidate.id}, gene ${index}`
            expect(Number.isInteger(gene), where).toBe(true)
            expect(gene, where).toBeGreaterThanOrEqual(min)
            expect(gene, where).toBeLessThanOrEqual(max)
          })
          checked++
        }

        // Fitness values of every sign, ties included, exercise selection.
        const results = candidates.map((candidate) =>
          resultOf(candidate, random.pick([-1, 0, 0, 0.5, 1, random.next()])),
        )
        optimizer.tell(random.shuffle(results))
      }
    }

    expect(checked).toBeGreaterThan(SEEDS)
  }, 60_000)
})
