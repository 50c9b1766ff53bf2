import {
  type Candidate,
  checkResults,
  type IntegerGene,
  isNumberedBelow,
  type JsonValue,
  loadPopulation,
  type Optimizer,
  type Random,
  type Result,
  savePopulation,
} from '@nord/core'
import packageJson from '../package.json' with { type: 'json' }
import { Breeder, type Offspring, type Parent } from './breeding.js'
import type { Individual } from './individual.js'
import { OPTIMIZER_NAME } from './name.js'
import type { ResolvedGeneticOptions } from './options.js'
import { STATE_FORMAT } from './state.js'
import {
  parseSteadyStateState,
  type SteadyStateGeneticState,
} from './steady-state-state.js'
import { sampleGenotype } from './variation.js'

/** The steady-state genetic algorithm over integer genotypes. */
export interface SteadyStateGeneticOptimizer extends Optimizer {
  readonly mode: 'steady-state'
  /** The options in use, defaults applied. */
  readonly options: ResolvedGeneticOptions
  /**
   * Proposes up to `n` new candidates (default 1), fewer when the limit of
   * `population * generations` is near. The first `population` candidates,
   * and any asked before a first result arrives, are sampled uniformly.
   * Later ones are bred from the current population. Returns an empty array
   * once `done()` is true.
   */
  ask(n?: number): Candidate[]
  /**
   * Adds each result to the population in the order given, applying the
   * replacement rule once the population is full. Throws
   * `NORD_ERR_UNKNOWN_CANDIDATE`, `NORD_ERR_DUPLICATE_RESULT` or
   * `NORD_ERR_INVALID_FITNESS` without recording anything from the call.
   */
  tell(results: Result[]): void
  /** True once `population * generations` candidates were proposed. */
  done(): boolean
  state(): SteadyStateGeneticState
  /**
   * Replaces the whole state. An invalid state raises
   * `NORD_ERR_INVALID_STATE` and leaves the current state unchanged.
   */
  restore(state: JsonValue): void
}

type Member = Individual & Parent

const ID_PREFIX = 'c'

/**
 * The steady-state variant: no generations, each result joins the
 * population when it arrives, and children are bred with the same
 * operators as the generational variant.
 */
export class SteadyStateGeneticAlgorithm
  implements SteadyStateGeneticOptimizer
{
  readonly name = OPTIMIZER_NAME
  readonly version: string = packageJson.version
  readonly mode = 'steady-state'

  private proposed = 0
  /** Evaluated individuals from the oldest to the newest arrival. */
  private population: Member[] = []
  private pending = new Map<string, Individual>()
  private readonly breeder: Breeder

  constructor(
    readonly options: ResolvedGeneticOptions,
    private readonly genes: readonly IntegerGene[],
    private readonly random: Random,
  ) {
    this.breeder = new Breeder(options, genes, random)
  }

  ask(n = 1): Candidate[] {
    const count = Math.max(0, Math.min(n, this.limit() - this.proposed))
    const individuals: Individual[] = []
    let offspring: Offspring[] = []

    while (individuals.length < count) {
      const id = `${ID_PREFIX}${this.proposed}`
      if (
        this.proposed < this.options.population ||
        this.population.length === 0
      ) {
        individuals.push({
          id,
          genotype: sampleGenotype(this.genes, this.random),
          parents: [],
        })
      } else {
        if (offspring.length === 0)
          offspring = this.breeder.breedPair(this.population)
        const child = offspring.shift()!
        individuals.push({
          id,
          genotype: this.breeder.mutate(child.genotype),
          parents: child.parents,
        })
      }
      this.proposed++
    }

    for (const individual of individuals) {
      this.pending.set(individual.id, individual)
    }
    return individuals.map((individual) => ({
      id: individual.id,
      genotype: individual.genotype.slice(),
      parents: individual.parents.slice(),
    }))
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
      this.admit({ ...individual, fitness })
    }
  }

  done(): boolean {
    return this.proposed >= this.limit()
  }

  state(): SteadyStateGeneticState {
    return {
      format: STATE_FORMAT,
      variant: 'steady-state',
      proposed: this.proposed,
      ...savePopulation(this.population, this.pending.values()),
      random: this.random.getState(),
    }
  }

  restore(state: JsonValue): void {
    const parsed = parseSteadyStateState(
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

  private limit(): number {
    return this.options.population * this.options.generations
  }

  /** Adds an evaluated individual and drops one if the population overflows. */
  private admit(member: Member): void {
    this.population.push(member)
    if (this.population.length <= this.options.population) return

    const dropped =
      this.options.replacement === 'oldest' ? 0 : indexOfWorst(this.population)
    this.population.splice(dropped, 1)
  }
}

/** Returns the index of the least fit member; the oldest of equals comes first. */
function indexOfWorst(population: readonly Member[]): number {
  let worst = 0
  population.forEach((member, index) => {
    if (member.fitness < population[worst]!.fitness) worst = index
  })
  return worst
}
