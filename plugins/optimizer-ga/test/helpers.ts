import type { Candidate, Genotype, IntegerGene, Result } from '@nord/core'
import {
  createGeneticOptimizer,
  type GeneticOptimizer,
} from '../src/genetic-optimizer.js'
import type { GeneticOptimizerOptions } from '../src/options.js'

/** Eight genes from 0 to 20, a small stand-in for a network-size space. */
export const GENES: IntegerGene[] = Array.from({ length: 8 }, (_, index) => ({
  name: `gene${index}`,
  min: 0,
  max: 20,
}))

/**
 * Returns the mean of the genes scaled to [0, 1]: separable, optimum 1 at the
 * maxima.
 */
export function normalizedSum(
  genotype: Genotype,
  genes: readonly IntegerGene[] = GENES,
): number {
  const scaled = genotype.map((value, index) => {
    const { min, max } = genes[index]!
    return max === min ? 1 : (value - min) / (max - min)
  })
  return scaled.reduce((sum, value) => sum + value, 0) / scaled.length
}

export function createOptimizer(
  options: GeneticOptimizerOptions = {},
  seed = 1,
  genes: IntegerGene[] = GENES,
): GeneticOptimizer {
  return createGeneticOptimizer(options, { space: { genes }, seed })
}

/**
 * Builds a result with the evaluation fields the optimizer does not read set to
 * null.
 */
export function resultOf(candidate: Candidate, fitness: number): Result {
  return {
    candidate,
    evaluation: {
      status: 'ok',
      fitness,
      accuracy: fitness,
      loss: null,
      parameters: null,
      flops: null,
      seconds: 0,
    },
  }
}

/**
 * Asks for one generation, scores it with `objective` and passes every result
 * to `tell()`.
 */
export function runGeneration(
  optimizer: GeneticOptimizer,
  objective: (genotype: Genotype) => number = (genotype) =>
    normalizedSum(genotype),
): Candidate[] {
  const candidates = optimizer.ask()
  optimizer.tell(
    candidates.map((candidate) =>
      resultOf(candidate, objective(candidate.genotype)),
    ),
  )
  return candidates
}
