import {
  type Candidate,
  collectFitness,
  createRandom,
  type IntegerGene,
  type JsonValue,
  NordError,
  type Optimizer,
  type Random,
  type Result,
} from '@nord/core'
import packageJson from '../package.json' with { type: 'json' }
import { Breeder } from './breeding.js'
import {
  type Individual,
  loadIndividual,
  saveIndividual,
} from './individual.js'
import { OPTIMIZER_NAME } from './name.js'
import {
  type GeneticAlgorithmOptions,
  type GeneticOptimizerOptions,
  type ResolvedGeneticOptions,
  resolveGeneticOptions,
  type SteadyStateGeneticOptions,
  show,
} from './options.js'
import { type GeneticState, parseGeneticState, STATE_FORMAT } from './state.js'
import {
  SteadyStateGeneticAlgorithm,
  type SteadyStateGeneticOptimizer,
} from './steady-state-optimizer.js'
import { sampleGenotype } from './variation.js'

export { OPTIMIZER_NAME }

/** The factory's input from its host: the genes and a seed. */
export interface GeneticOptimizerContext {
  space: { readonly genes: readonly IntegerGene[] }
  /** The seed of the optimizer's random stream; only its low 32 bits matter. */
  seed: number
}

/** A generational genetic algorithm over integer genotypes. */
export interface GeneticOptimizer extends Optimizer {
  readonly mode: 'generational'
  /** The options in use, defaults applied. */
  readonly options: ResolvedGeneticOptions
  /**
   * Returns the pending generation, breeding it first when every result of the
   * previous one has arrived. `n` is ignored, because a generation always has
   * `population` candidates. Returns an empty array once `done()` is true.
   */
  ask(n?: number): Candidate[]
  /**
   * Records fitness values of pending candidates, in any order and over any
   * number of calls. The generation is complete when every candidate has
   * a result. Throws `NORD_ERR_UNKNOWN_CANDIDATE`, `NORD_ERR_DUPLICATE_RESULT`
   * or `NORD_ERR_INVALID_FITNESS` without recording anything from the call.
   */
  tell(results: Result[]): void
  /** True once `generations` generations are complete. */
  done(): boolean
  state(): GeneticState
  /**
   * Replaces the whole state. An invalid state raises
   * `NORD_ERR_INVALID_STATE` and leaves the current state unchanged.
   */
  restore(state: JsonValue): void
}

type ScoredIndividual = Individual & { fitness: number }

/**
 * Creates the genetic algorithm of the NORD paper (Kyriakides and
 * Margaritis, 2018): integer genes within bounds, a uniformly sampled first
 * generation, then selection, crossover and per-gene mutation. With
 * `variant: 'steady-state'` it returns the steady-state variant, which breeds
 * with the same operators. Throws a `NordValidationError` listing every
 * invalid option and gene bound.
 */
export function createGeneticOptimizer(
  options: SteadyStateGeneticOptions,
  context: GeneticOptimizerContext,
): SteadyStateGeneticOptimizer
export function createGeneticOptimizer(
  options: GeneticOptimizerOptions | undefined,
  context: GeneticOptimizerContext,
): GeneticOptimizer
export function createGeneticOptimizer(
  options: GeneticAlgorithmOptions | undefined,
  context: GeneticOptimizerContext,
): GeneticOptimizer | SteadyStateGeneticOptimizer
export function createGeneticOptimizer(
  options: GeneticAlgorithmOptions | undefined,
  context: GeneticOptimizerContext,
): GeneticOptimizer | SteadyStateGeneticOptimizer {
  const genes = context.space?.genes
  const resolved = resolveGeneticOptions(options, genes, context.seed)
  const ownGenes = genes.map(({ name, min, max }) => ({ name, min, max }))
  const random = createRandom(context.seed)
  if (resolved.variant === 'steady-state') {
    return new SteadyStateGeneticAlgorithm(resolved, ownGenes, random)
  }
  return new GeneticAlgorithm(resolved, ownGenes, random)
}

class GeneticAlgorithm implements GeneticOptimizer {
  readonly name = OPTIMIZER_NAME
  readonly version: string = packageJson.version
  readonly mode = 'generational'

  private generation = 0
  private population: ScoredIndividual[] = []
  private pending: Individual[] | null = null
  private readonly pendingFitness = new Map<string, number>()
  private readonly breeder: Breeder

  constructor(
    readonly options: ResolvedGeneticOptions,
    private readonly genes: readonly IntegerGene[],
    private readonly random: Random,
  ) {
    this.breeder = new Breeder(options, genes, random)
  }

  ask(_n?: number): Candidate[] {
    if (this.pending === null) {
      if (this.done()) return []
      this.pending = this.generation === 0 ? this.sample() : this.breed()
    }

    return this.pending.map((individual) => ({
      id: individual.id,
      genotype: individual.genotype.slice(),
      generation: this.generation,
      parents: individual.parents.slice(),
    }))
  }

  tell(results: Result[]): void {
    const fitnessById = collectFitness(results, OPTIMIZER_NAME, (id, inCall) =>
      this.checkCandidateId(id, inCall),
    )
    for (const [id, fitness] of fitnessById) {
      this.pendingFitness.set(id, fitness)
    }

    const pending = this.pending
    if (pending === null || this.pendingFitness.size < pending.length) return

    this.population = pending.map((individual) => ({
      ...individual,
      fitness: this.pendingFitness.get(individual.id)!,
    }))
    this.pending = null
    this.pendingFitness.clear()
    this.generation++
  }

  done(): boolean {
    return this.generation >= this.options.generations
  }

  state(): GeneticState {
    const pending = this.pending?.map((individual) =>
      saveIndividual(individual, this.pendingFitness.get(individual.id)),
    )
    return {
      format: STATE_FORMAT,
      generation: this.generation,
      population: this.population.map((individual) =>
        saveIndividual(individual, individual.fitness),
      ),
      pending: pending ?? null,
      random: this.random.getState(),
    }
  }

  restore(state: JsonValue): void {
    const parsed = parseGeneticState(state, this.genes)

    this.generation = parsed.generation
    this.population = parsed.population.map((saved) => ({
      ...loadIndividual(saved),
      fitness: saved.fitness!,
    }))
    this.pending = parsed.pending?.map(loadIndividual) ?? null
    this.pendingFitness.clear()
    for (const saved of parsed.pending ?? []) {
      if (saved.fitness !== null)
        this.pendingFitness.set(saved.id, saved.fitness)
    }
    this.random.setState(parsed.random)
  }

  private sample(): Individual[] {
    const individuals: Individual[] = []
    for (let index = 0; index < this.options.population; index++) {
      individuals.push({
        id: this.idOf(index),
        genotype: sampleGenotype(this.genes, this.random),
        parents: [],
      })
    }
    return individuals
  }

  /** Breeds the pending generation from the last complete one. */
  private breed(): Individual[] {
    const next: Individual[] = this.elites().map((elite, index) => ({
      id: this.idOf(index),
      genotype: elite.genotype.slice(),
      parents: [elite.id],
    }))

    while (next.length < this.options.population) {
      const children = this.breeder.breedPair(this.population)
      for (const child of children) {
        if (next.length === this.options.population) break
        next.push({
          id: this.idOf(next.length),
          genotype: this.breeder.mutate(child.genotype),
          parents: child.parents,
        })
      }
    }

    return next
  }

  /**
   * Returns the `elitism` fittest individuals. A tie goes to the lower index.
   */
  private elites(): ScoredIndividual[] {
    const ranked = this.population
      .map((individual, index) => ({ individual, index }))
      .sort(
        (a, b) =>
          b.individual.fitness - a.individual.fitness || a.index - b.index,
      )
    return ranked
      .slice(0, this.options.elitism)
      .map((entry) => entry.individual)
  }

  private checkCandidateId(
    id: unknown,
    inCall: ReadonlyMap<string, number>,
  ): void {
    const known = this.pending?.some((individual) => individual.id === id)
    if (typeof id !== 'string' || !known) {
      throw new NordError(
        'NORD_ERR_UNKNOWN_CANDIDATE',
        `${OPTIMIZER_NAME}: candidate ${show(id)} is not in the pending generation`,
        { value: id, hint: this.pendingHint() },
      )
    }

    if (inCall.has(id) || this.pendingFitness.has(id)) {
      throw new NordError(
        'NORD_ERR_DUPLICATE_RESULT',
        `${OPTIMIZER_NAME}: candidate ${id} already has a result in this generation`,
        { value: id, hint: 'Tell each candidate once per generation' },
      )
    }
  }

  private pendingHint(): string {
    const pending = this.pending
    if (pending === null || pending.length === 0) {
      return 'No generation is pending; call ask() first'
    }
    const first = pending[0]!.id
    const last = pending[pending.length - 1]!.id
    return `Tell only candidates of generation ${this.generation} (${first} to ${last})`
  }

  private idOf(index: number): string {
    return `g${this.generation}-${index}`
  }
}
