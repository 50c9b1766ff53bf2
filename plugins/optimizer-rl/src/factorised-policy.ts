import type { Random } from '@nord/core'
import {
  type Choices,
  type Policy,
  type ScoredChoices,
  sampleCategorical,
} from './policy.js'

/**
 * A policy with one independent categorical distribution per gene: block `g`
 * of the parameters holds the softmax logits of gene `g`, one per value.
 * All logits start at 0, so the first samples are uniform.
 */
export class FactorisedPolicy implements Policy {
  readonly parameters: Float64Array[]

  /** `sizes[g]` is the number of values of gene `g`. */
  constructor(sizes: readonly number[]) {
    this.parameters = sizes.map((size) => new Float64Array(size))
  }

  sample(count: number, random: Random): Choices[] {
    const probabilities = this.parameters.map(softmax)
    const samples: Choices[] = []
    for (let sample = 0; sample < count; sample++) {
      samples.push(probabilities.map((gene) => sampleCategorical(gene, random)))
    }
    return samples
  }

  logProbabilities(samples: readonly Choices[]): number[] {
    return samples.map((choices) => logProbability(this.parameters, choices))
  }

  objectiveGradient(
    batch: readonly ScoredChoices[],
    entropyWeight: number,
  ): Float64Array[] {
    const gradient = entropyGradient(this.parameters).map((block) =>
      block.map((value) => entropyWeight * value),
    )

    for (const { choices, advantage } of batch) {
      const scale = advantage / batch.length
      const score = logProbabilityGradient(this.parameters, choices)
      score.forEach((block, gene) => {
        const target = gradient[gene]!
        for (let index = 0; index < block.length; index++) {
          target[index]! += scale * block[index]!
        }
      })
    }
    return gradient
  }
}

/** Returns the softmax of one block of logits, shifted by its maximum for stability. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let maximum = Number.NEGATIVE_INFINITY
  for (let index = 0; index < logits.length; index++) {
    maximum = Math.max(maximum, logits[index]!)
  }

  const result = new Float64Array(logits.length)
  let total = 0
  for (let index = 0; index < logits.length; index++) {
    result[index] = Math.exp(logits[index]! - maximum)
    total += result[index]!
  }
  for (let index = 0; index < result.length; index++) result[index]! /= total
  return result
}

/** Returns the log-probability of `choices`: the sum of each gene's log-softmax. */
export function logProbability(
  logits: readonly Float64Array[],
  choices: Choices,
): number {
  let sum = 0
  logits.forEach((block, gene) => {
    sum += Math.log(softmax(block)[choices[gene]!]!)
  })
  return sum
}

/**
 * Returns the gradient of `logProbability` with respect to the logits. For
 * each gene it is the one-hot vector of its choice minus the gene's
 * probabilities.
 */
export function logProbabilityGradient(
  logits: readonly Float64Array[],
  choices: Choices,
): Float64Array[] {
  return logits.map((block, gene) => {
    const gradient = softmax(block).map((probability) => -probability)
    gradient[choices[gene]!]! += 1
    return gradient
  })
}

/**
 * Returns the entropy of the whole policy in nats, which for independent
 * genes is the sum of each gene's entropy.
 */
export function entropy(logits: readonly Float64Array[]): number {
  let sum = 0
  for (const block of logits) {
    for (const probability of softmax(block)) {
      if (probability > 0) sum -= probability * Math.log(probability)
    }
  }
  return sum
}

/**
 * Returns the gradient of `entropy` with respect to the logits, which is
 * `-p_k (log p_k + H_g)` for value `k` of gene `g` with entropy `H_g`.
 */
export function entropyGradient(
  logits: readonly Float64Array[],
): Float64Array[] {
  return logits.map((block) => {
    const probabilities = softmax(block)
    let geneEntropy = 0
    for (const probability of probabilities) {
      if (probability > 0) geneEntropy -= probability * Math.log(probability)
    }
    return probabilities.map((probability) =>
      probability > 0
        ? -probability * (Math.log(probability) + geneEntropy)
        : 0,
    )
  })
}
