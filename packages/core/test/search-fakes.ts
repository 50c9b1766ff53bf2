/** Small fakes of the search loop's parts: a two-gene space, optimizers and evaluators. */

import type { Issue } from '../src/errors.js'
import { checkResults, isNumberedBelow } from '../src/optimizer/results.js'
import { createRandom, type Random } from '../src/random.js'
import type {
  Candidate,
  DescriptorJSON,
  Evaluation,
  EvaluationRequest,
  Evaluator,
  Genotype,
  JsonValue,
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

/**
 * A steady-state optimizer that proposes `n` new candidates per ask,
 * forever, and records the ids of each tell.
 */
export class CountingOptimizer implements Optimizer {
  readonly name = 'test:counting'
  readonly version = '0.0.0'
  readonly mode = 'steady-state' as const
  readonly asks: (number | undefined)[] = []
  readonly tells: string[][] = []
  private next = 0

  ask(n = 1): Candidate[] {
    this.asks.push(n)
    return Array.from({ length: n }, () => {
      const index = this.next++
      return { id: `c${index}`, genotype: [1 + (index % 9), 1 + (index % 7)] }
    })
  }

  tell(results: Result[]): void {
    this.tells.push(results.map((result) => result.candidate.id))
  }

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

interface AgingMember {
  [key: string]: JsonValue
  id: string
  genotype: number[]
  fitness: number
}

interface AgingState {
  [key: string]: JsonValue
  proposed: number
  population: AgingMember[]
  pending: { id: string; genotype: number[] }[]
  random: number[]
}

/**
 * A steady-state optimizer built like regularized evolution: it samples
 * `population` genotypes, then mutates one gene of the fitter of two
 * members drawn from the population, and the oldest member dies. Like the
 * real plugins, its state lists the pending candidates, and `tell` rejects
 * results of candidates that are not pending. Each ask also draws once, so
 * that asks of other sizes propose other candidates, as the genetic
 * algorithm's pairwise breeding does.
 */
export class AgingOptimizer implements Optimizer {
  readonly name = 'test:aging'
  readonly version = '0.0.0'
  readonly mode = 'steady-state' as const
  private readonly random: Random
  private proposed = 0
  private population: AgingMember[] = []
  private readonly pending = new Map<string, Genotype>()

  constructor(
    seed: number,
    private readonly size = 3,
  ) {
    this.random = createRandom(seed)
  }

  ask(n = 1): Candidate[] {
    const bias = this.random.int(0, 1)
    return Array.from({ length: n }, () => {
      const id = `c${this.proposed++}`
      const genotype = this.propose(bias)
      this.pending.set(id, genotype)
      return { id, genotype: [...genotype] }
    })
  }

  tell(results: Result[]): void {
    const fitnessById = checkResults(results, {
      name: this.name,
      isPending: (id) => this.pending.has(id),
      wasProposed: (id) => isNumberedBelow(id, 'c', this.proposed),
      pendingCount: () => this.pending.size,
    })
    for (const [id, fitness] of fitnessById) {
      const genotype = this.pending.get(id)!
      this.pending.delete(id)
      this.population.push({ id, genotype, fitness })
      if (this.population.length > this.size) this.population.shift()
    }
  }

  state(): AgingState {
    return {
      proposed: this.proposed,
      population: this.population.map((member) => structuredClone(member)),
      pending: [...this.pending].map(([id, genotype]) => ({
        id,
        genotype: [...genotype],
      })),
      random: this.random.getState(),
    }
  }

  restore(value: JsonValue): void {
    const state = structuredClone(value) as AgingState
    if (!Array.isArray(state?.pending)) throw new Error('not an aging state')
    this.proposed = state.proposed
    this.population = state.population
    this.pending.clear()
    for (const { id, genotype } of state.pending) {
      this.pending.set(id, genotype)
    }
    this.random.setState(state.random)
  }

  private propose(bias: number): Genotype {
    const genes = fakeSpace.genes
    if (this.proposed <= this.size || this.population.length === 0) {
      return genes.map((gene) => this.random.int(gene.min, gene.max))
    }
    const first = this.random.pick(this.population)
    const second = this.random.pick(this.population)
    const parent = second.fitness > first.fitness ? second : first
    const genotype = [...parent.genotype]
    const index = (this.random.int(0, genes.length - 1) + bias) % genes.length
    const gene = genes[index]!
    genotype[index] = this.random.int(gene.min, gene.max)
    return genotype
  }
}
