import {
  type Candidate,
  checkResults,
  createRandom,
  type Individual,
  type IntegerGene,
  isNumberedBelow,
  type JsonValue,
  loadPopulation,
  type Member,
  type Optimizer,
  type Random,
  type Result,
  savePopulation,
} from '@nord/core'
import packageJson from '../package.json' with { type: 'json' }
import {
  type EvolutionOptions,
  type ResolvedEvolutionOptions,
  resolveEvolutionOptions,
} from './options.js'
import {
  type EvolutionState,
  parseEvolutionState,
  STATE_FORMAT,
} from './state.js'
import { mutateOneGene, sampleGenotype } from './variation.js'

/** The plugin name that logs, errors and run configurations use. */
export const OPTIMIZER_NAME = 'nord:optimizer-evolution'

/** The factory's input from its host: the genes and a seed. */
export interface EvolutionContext {
  space: { readonly genes: readonly IntegerGene[] }
  /** The seed of the optimizer's random stream; only its low 32 bits matter. */
  seed: number
}

/** Regularized evolution over integer genotypes. */
export interface EvolutionOptimizer extends Optimizer {
  readonly mode: 'steady-state'
  /** The options in use, defaults applied. */
  readonly options: ResolvedEvolutionOptions
  /**
   * Proposes up to `n` candidates (default 1), fewer when `cycles` is near.
   * The first `population` candidates, and any asked before a first result
   * arrives, are sampled uniformly. Each later one is a mutated copy of the
   * fittest of `sampleSize` individuals drawn from the living population.
   * Returns an empty array once `done()` is true.
   */
  ask(n?: number): Candidate[]
  /**
   * Adds each result to the population in the order given; once the
   * population exceeds `population`, the oldest individual dies. Throws
   * `NORD_ERR_UNKNOWN_CANDIDATE`, `NORD_ERR_DUPLICATE_RESULT` or
   * `NORD_ERR_INVALID_FITNESS` without recording anything from the call.
   */
  tell(results: Result[]): void
  /** True once `cycles` candidates were proposed; never without `cycles`. */
  done(): boolean
  state(): EvolutionState
  /**
   * Replaces the whole state. An invalid state raises
   * `NORD_ERR_INVALID_STATE` and leaves the current state unchanged.
   */
  restore(state: JsonValue): void
}

const ID_PREFIX = 'c'

/**
 * Creates regularized evolution, also called aging evolution (Real,
 * Aggarwal, Huang and Le, "Regularized Evolution for Image Classifier
 * Architecture Search", AAAI 2019): tournament selection on a sample of the
 * population, one-gene mutation, and removal of the oldest individual
 * instead of the worst. Throws a `NordValidationError` listing every invalid
 * option and gene bound.
 */
export function createEvolution(
  options: EvolutionOptions | undefined,
  context: EvolutionContext,
): EvolutionOptimizer {
  const genes = context.space?.genes
  const resolved = resolveEvolutionOptions(options, genes, context.seed)
  const ownGenes = genes.map(({ name, min, max }) => ({ name, min, max }))
  return new RegularizedEvolution(
    resolved,
    ownGenes,
    createRandom(context.seed),
  )
}

class RegularizedEvolution implements EvolutionOptimizer {
  readonly name = OPTIMIZER_NAME
  readonly version: string = packageJson.version
  readonly mode = 'steady-state'

  private proposed = 0
  /** The living individuals from the oldest to the newest arrival. */
  private population: Member[] = []
  private pending = new Map<string, Individual>()

  constructor(
    readonly options: ResolvedEvolutionOptions,
    private readonly genes: readonly IntegerGene[],
    private readonly random: Random,
  ) {}

  ask(n = 1): Candidate[] {
    const candidates: Candidate[] = []
    while (candidates.length < n && !this.done()) {
      const individual = this.next(`${ID_PREFIX}${this.proposed}`)
      this.proposed++
      this.pending.set(individual.id, individual)
      candidates.push({
        id: individual.id,
        genotype: individual.genotype.slice(),
        parents: individual.parents.slice(),
      })
    }
    return candidates
  }

  tell(results: Result[]): void {
    const fitnessById = checkResults(results, {
      name: OPTIMIZER_NAME,
      isPending: (id) => this.pending.has(id),
      wasProposed: (id) => isNumberedBelow(id, ID_PREFIX, this.proposed),
      pendingCount: () => this.pending.size,
    })

    for (const [id, fitness] of fitnessById) {
      const individual = this.pending.get(id)!
      this.pending.delete(id)
      this.population.push({ ...individual, fitness })
      if (this.population.length > this.options.population) {
        this.population.shift()
      }
    }
  }

  done(): boolean {
    const { cycles } = this.options
    return cycles !== null && this.proposed >= cycles
  }

  state(): EvolutionState {
    return {
      format: STATE_FORMAT,
      proposed: this.proposed,
      ...savePopulation(this.population, this.pending.values()),
      random: this.random.getState(),
    }
  }

  restore(state: JsonValue): void {
    const parsed = parseEvolutionState(
      state,
      this.genes,
      this.options.population,
    )

    this.proposed = parsed.proposed
    const { population, pending } = loadPopulation(parsed)
    this.population = population
    this.pending = pending
    this.random.setState(parsed.random)
  }

  /** Samples the initial population, then mutates tournament winners. */
  private next(id: string): Individual {
    const sampling =
      this.proposed < this.options.population || this.population.length === 0
    if (sampling) {
      return {
        id,
        genotype: sampleGenotype(this.genes, this.random),
        parents: [],
      }
    }

    const parent = this.selectParent()
    return {
      id,
      genotype: mutateOneGene(parent.genotype, this.genes, this.random),
      parents: [parent.id],
    }
  }

  /**
   * Returns the fittest of `sampleSize` individuals drawn uniformly with
   * replacement from the living population; the first drawn wins a tie.
   */
  private selectParent(): Member {
    let best = this.random.pick(this.population)
    for (let draw = 1; draw < this.options.sampleSize; draw++) {
      const contender = this.random.pick(this.population)
      if (contender.fitness > best.fitness) best = contender
    }
    return best
  }
}
