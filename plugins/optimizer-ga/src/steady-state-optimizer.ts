import {
  type Candidate,
  type IntegerGene,
  type JsonValue,
  NordError,
  type Optimizer,
  type Random,
  type Result,
} from '@nord/core'
import packageJson from '../package.json' with { type: 'json' }
import { Breeder, type Offspring, type Parent } from './breeding.js'
import { OPTIMIZER_NAME } from './name.js'
import { type ResolvedGeneticOptions, show } from './options.js'
import { type IndividualState, STATE_FORMAT } from './state.js'
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

type Individual = Offspring & { id: string }
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
  private readonly pending = new Map<string, Individual>()
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
    const fitnessById = this.checkResults(results)
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
      population: this.population.map((member) =>
        saveIndividual(member, member.fitness),
      ),
      pending: [...this.pending.values()].map((individual) =>
        saveIndividual(individual, null),
      ),
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
    this.population = parsed.population.map((saved) => ({
      ...loadIndividual(saved),
      fitness: saved.fitness!,
    }))
    this.pending.clear()
    for (const saved of parsed.pending) {
      this.pending.set(saved.id, loadIndividual(saved))
    }
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

  /**
   * Returns the fitness of each result after checking every result of the
   * call, so that a rejected call records nothing.
   */
  private checkResults(results: Result[]): Map<string, number> {
    if (!Array.isArray(results)) {
      throw new NordError(
        'NORD_ERR_INVALID_RESULT',
        `${OPTIMIZER_NAME}: tell() expects an array of results, got ${show(results)}`,
        {
          value: results,
          hint: 'Pass the results of the candidates from ask()',
        },
      )
    }

    const fitnessById = new Map<string, number>()
    for (const result of results) {
      const id = result?.candidate?.id
      this.checkCandidateId(id, fitnessById)
      const fitness = result.evaluation?.fitness
      if (typeof fitness !== 'number' || !Number.isFinite(fitness)) {
        throw new NordError(
          'NORD_ERR_INVALID_FITNESS',
          `${OPTIMIZER_NAME}: candidate ${id} has fitness ${show(fitness)}, which is not a finite number`,
          {
            value: fitness,
            hint: 'Report invalid and failed candidates with the finite fitness FAILED_FITNESS (0)',
          },
        )
      }
      fitnessById.set(id, fitness)
    }
    return fitnessById
  }

  private checkCandidateId(
    id: unknown,
    inCall: Map<string, number>,
  ): asserts id is string {
    if (typeof id === 'string' && this.pending.has(id) && !inCall.has(id)) {
      return
    }
    if (typeof id === 'string' && (inCall.has(id) || this.wasProposed(id))) {
      throw new NordError(
        'NORD_ERR_DUPLICATE_RESULT',
        `${OPTIMIZER_NAME}: candidate ${id} already has a result`,
        { value: id, hint: 'Tell each candidate once' },
      )
    }
    throw new NordError(
      'NORD_ERR_UNKNOWN_CANDIDATE',
      `${OPTIMIZER_NAME}: candidate ${show(id)} was never proposed`,
      {
        value: id,
        hint: `Tell only candidates from ask(); ${this.pending.size} are waiting for results`,
      },
    )
  }

  /** True for an id this optimizer handed out, `c0` to `c<proposed - 1>`. */
  private wasProposed(id: string): boolean {
    const number = id.startsWith(ID_PREFIX) ? id.slice(ID_PREFIX.length) : ''
    return /^(0|[1-9]\d*)$/.test(number) && Number(number) < this.proposed
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

function saveIndividual(
  individual: Individual,
  fitness: number | null,
): IndividualState {
  return {
    id: individual.id,
    genotype: individual.genotype.slice(),
    parents: individual.parents.slice(),
    fitness,
  }
}

function loadIndividual(saved: IndividualState): Individual {
  return {
    id: saved.id,
    genotype: saved.genotype.slice(),
    parents: saved.parents.slice(),
  }
}
