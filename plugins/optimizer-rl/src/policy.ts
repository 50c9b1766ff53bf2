import type { Random } from '@nord/core'

/**
 * One sampled genotype in the policy's terms: the index of the chosen value
 * of each gene (`value - gene.min`).
 */
export type Choices = number[]

/** A sample of a batch with its advantage: reward minus baseline. */
export interface ScoredChoices {
  choices: Choices
  advantage: number
}

/**
 * A parametric distribution over genotypes that REINFORCE trains. The
 * parameters are plain arrays that the optimizer updates in place, saves and
 * restores, so a policy keeps no other state between calls.
 */
export interface Policy {
  /** The trainable parameters, as blocks of a fixed length each. */
  readonly parameters: Float64Array[]
  /** Draws `count` genotypes, every draw from `random`. */
  sample(count: number, random: Random): Choices[]
  /** The natural log of each genotype's probability under the policy. */
  logProbabilities(samples: readonly Choices[]): number[]
  /**
   * The gradient of the objective `J = mean(advantage * log p(choices)) +
   * entropyWeight * H` with respect to `parameters`, one array per block.
   * `H` is the policy's entropy in nats, exact or estimated on the batch.
   */
  objectiveGradient(
    batch: readonly ScoredChoices[],
    entropyWeight: number,
  ): Float64Array[]
}

/**
 * Draws an index with the given probabilities by inverting the cumulative sum
 * with one `random.next()`. The probabilities need not sum to exactly 1.
 */
export function sampleCategorical(
  probabilities: ArrayLike<number>,
  random: Random,
): number {
  let total = 0
  for (let index = 0; index < probabilities.length; index++) {
    total += probabilities[index]!
  }

  const target = random.next() * total
  let cumulative = 0
  let lastPositive = 0
  for (let index = 0; index < probabilities.length; index++) {
    const probability = probabilities[index]!
    if (probability > 0) lastPositive = index
    cumulative += probability
    if (target < cumulative) return index
  }

  // Rounding can leave `target` just above the last cumulative sum.
  return lastPositive
}
