/** Small fakes of the search loop's parts: a two-gene space, optimizers and evaluators. */

import type { Issue } from '../src/errors.js'
import type {
  Candidate,
  DescriptorJSON,
  Evaluation,
  EvaluationRequest,
  Evaluator,
  Genotype,
  Optimizer,
  Result,
  SearchSpace,
} from '../src/types.js'

/** Genes `filters` and `kernelSize`, decoded to a one-layer descriptor. */
export const fakeSpace: SearchSpace = {
  name: 'fake-space',
  genes: [
    { name: 'filters', min: 0, max: 9 },
    { name: 'kernelSize', min: 1, max: 9 },
  ],
  options: {},
  decode(genotype: Genotype): DescriptorJSON {
    return {
      layers: [
        {
          name: 'conv',
          type: 'conv2d',
          params: { filters: genotype[0]!, kernelSize: genotype[1]! },
        },
      ],
      connections: [],
    }
  },
}

/** Zero filters is invalid. */
export function fakeValidate(descriptor: DescriptorJSON): Issue[] {
  const filters = descriptor.layers[0]?.params.filters
  if (filters !== 0) return []
  return [
    {
      path: 'layers[0].params.filters',
      message: 'must be at least 1, got 0',
      code: 'NORD_ERR_INVALID_PARAM',
    },
  ]
}

export function fakeHash(descriptor: DescriptorJSON): string {
  const params = descriptor.layers[0]!.params
  return `conv-${params.filters}-${params.kernelSize}`
}

/** A generational optimizer that proposes fixed generations and records its asks and tells. */
export class ScriptedOptimizer implements Optimizer {
  readonly name = 'test:scripted'
  readonly version = '0.0.0'
  readonly mode: 'generational' | 'steady-state'
  readonly asks: (number | undefined)[] = []
  readonly tells: Result[][] = []
  private generation = 0

  constructor(
    private readonly generations: Genotype[][],
    mode: 'generational' | 'steady-state' = 'generational',
  ) {
    this.mode = mode
  }

  ask(n?: number): Candidate[] {
    this.asks.push(n)
    const genotypes = this.generations[this.generation] ?? []
    const generation = this.generation++
    return genotypes.map((genotype, index) => ({
      id: `g${generation}-${index}`,
      genotype: [...genotype],
      generation,
    }))
  }

  tell(results: Result[]): void {
    this.tells.push(results)
  }

  done(): boolean {
    return this.generation >= this.generations.length
  }

  state() {
    return { generation: this.generation }
  }

  restore(): void {}
}

/** A steady-state optimizer that proposes `n` new candidates per ask, forever. */
export class CountingOptimizer implements Optimizer {
  readonly name = 'test:counting'
  readonly version = '0.0.0'
  readonly mode = 'steady-state' as const
  readonly asks: (number | undefined)[] = []
  private next = 0

  ask(n = 1): Candidate[] {
    this.asks.push(n)
    return Array.from({ length: n }, () => {
      const index = this.next++
      return { id: `c${index}`, genotype: [1 + (index % 9), 1 + (index % 7)] }
    })
  }

  tell(): void {}

  state() {
    return null
  }

  restore(): void {}
}

/** Returns an `ok` evaluation with the given fitness. */
export function okEvaluation(fitness: number): Evaluation {
  return {
    status: 'ok',
    fitness,
    accuracy: fitness,
    loss: 1 - fitness,
    parameters: 10,
    flops: 20,
    seconds: 0.5,
    backend: 'cpu',
  }
}

/**
 * An evaluator that delegates to `behaviour` and records every request.
 * The default behaviour scores a candidate by its filters gene.
 */
export class RecordingEvaluator implements Evaluator {
  readonly name = 'test:recording'
  readonly requests: EvaluationRequest[] = []

  constructor(
    private readonly behaviour: (
      request: EvaluationRequest,
    ) => Promise<Evaluation> = async (request) =>
      okEvaluation(request.candidate.genotype[0]! / 10),
  ) {}

  evaluate(request: EvaluationRequest): Promise<Evaluation> {
    this.requests.push(request)
    return this.behaviour(request)
  }
}
