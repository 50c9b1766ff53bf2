import type {
  Candidate,
  DescriptorJSON,
  Evaluator,
  Genotype,
  IntegerGene,
  Logger,
  Result,
  SearchSpace,
} from '@nord/core'

/** Six genes from 0 to 9: a million genotypes. */
export const GENES: IntegerGene[] = Array.from({ length: 6 }, (_, index) => ({
  name: `gene${index}`,
  min: 0,
  max: 9,
}))

/** Three genes with 2 * 3 * 2 = 12 genotypes, small enough to exhaust. */
export const SMALL_GENES: IntegerGene[] = [
  { name: 'layers', min: 1, max: 2 },
  { name: 'filters', min: 4, max: 6 },
  { name: 'kernel', min: 3, max: 4 },
]

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

/** Creates a logger that keeps every message it receives. */
export function recordingLogger(): Logger & { messages: string[] } {
  const messages: string[] = []
  const keep = (message: string) => {
    messages.push(message)
  }
  return { messages, debug: keep, info: keep, warn: keep, error: keep }
}

/**
 * Builds a space whose descriptor carries the genotype in one dense layer,
 * and an evaluator that scores the mean gene scaled to [0, 1], so that the
 * search loop runs without training.
 */
export function syntheticSearch(genes: IntegerGene[]): {
  space: SearchSpace
  evaluator: Evaluator
} {
  const space: SearchSpace = {
    name: 'synthetic',
    genes,
    options: {},
    decode: (genotype: Genotype): DescriptorJSON => ({
      layers: [{ name: 'dense', type: 'dense', params: { units: genotype } }],
      connections: [],
    }),
  }
  const evaluator: Evaluator = {
    name: 'synthetic',
    async evaluate({ descriptor }) {
      const genotype = descriptor.layers[0]!.params.units as number[]
      const fitness =
        genotype.reduce(
          (sum, value, index) =>
            sum +
            (value - genes[index]!.min) /
              (genes[index]!.max - genes[index]!.min || 1),
          0,
        ) / genotype.length
      return {
        status: 'ok',
        fitness,
        accuracy: fitness,
        loss: null,
        parameters: null,
        flops: null,
        seconds: 0,
      }
    },
  }
  return { space, evaluator }
}
