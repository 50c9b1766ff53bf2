import type { Candidate, Genotype, IntegerGene, Result } from '@nord/core'
import type { ReinforceOptimizerOptions } from '../src/options.js'
import {
  createReinforceOptimizer,
  type ReinforceOptimizer,
} from '../src/reinforce-optimizer.js'

/** Six genes from 0 to 7, a small stand-in for a network-size space. */
export const GENES: IntegerGene[] = Array.from({ length: 6 }, (_, index) => ({
  name: `gene${index}`,
  min: 0,
  max: 7,
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

/** Returns the genotype with every gene at its maximum, the optimum of `normalizedSum`. */
export function maxima(genes: readonly IntegerGene[] = GENES): Genotype {
  return genes.map((gene) => gene.max)
}

export function createOptimizer(
  options: ReinforceOptimizerOptions = {},
  seed = 1,
  genes: readonly IntegerGene[] = GENES,
): Promise<ReinforceOptimizer> {
  return createReinforceOptimizer(options, { space: { genes }, seed })
}

/**
 * Builds a result with the evaluation fields the optimizer does not read set to
 * null.
 */
export function resultOf(
  candidate: Candidate,
  fitness: number,
  status: 'ok' | 'invalid' | 'failed' = 'ok',
): Result {
  return {
    candidate,
    evaluation: {
      status,
      fitness,
      accuracy: status === 'ok' ? fitness : null,
      loss: null,
      parameters: null,
      flops: null,
      seconds: 0,
    },
  }
}

/** Scores candidates with `objective`, `normalizedSum` unless given. */
export function score(
  candidates: Candidate[],
  objective: (genotype: Genotype) => number = (genotype) =>
    normalizedSum(genotype),
): Result[] {
  return candidates.map((candidate) =>
    resultOf(candidate, objective(candidate.genotype)),
  )
}

/**
 * Asks for one batch, scores it with `objective` and passes every result to
 * `tell()`. Returns the candidates.
 */
export function runBatch(
  optimizer: ReinforceOptimizer,
  objective?: (genotype: Genotype) => number,
): Candidate[] {
  const candidates = optimizer.ask()
  optimizer.tell(score(candidates, objective))
  return candidates
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length
}
