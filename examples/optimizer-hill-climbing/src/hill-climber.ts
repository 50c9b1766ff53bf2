import {
  type Candidate,
  createRandom,
  type Genotype,
  type IntegerGene,
  type JsonValue,
  NordError,
  type Optimizer,
  type Random,
  type Result,
} from '@nord/core'
import packageJson from '../package.json' with { type: 'json' }
import {
  type HillClimbingOptions,
  type ResolvedHillClimbingOptions,
  resolveOptions,
} from './options.js'
import {
  type HillClimbingState,
  parseState,
  type ScoredState,
  STATE_FORMAT,
} from './state.js'

/** The plugin name that logs, errors and run configurations use. */
export const OPTIMIZER_NAME = 'nord-optimizer-hill-climbing'

/** The factory's input from its host: the genes and a seed. */
export interface HillClimberContext {
  space: { readonly genes: readonly IntegerGene[] }
  /** The seed of the optimizer's random stream; only its low 32 bits matter. */
  seed: number
}

/** A stochastic hill climber over integer genotypes. */
export interface HillClimber extends Optimizer {
  readonly mode: 'steady-state'
  readonly options: ResolvedHillClimbingOptions
  /**
   * Proposes `n` candidates (default 1): uniformly sampled genotypes before
   * the first result and after a restart, neighbours of the current
   * genotype otherwise.
   */
  ask(n?: number): Candidate[]
  /**
   * Moves to each result that beats the current fitness, in the order
   * given. Throws `NORD_ERR_UNKNOWN_CANDIDATE` or `NORD_ERR_INVALID_FITNESS`
   * without recording anything from the call.
   */
  tell(results: Result[]): void
  state(): HillClimbingState
  /** Replaces the whole state; an invalid one raises `NORD_ERR_INVALID_STATE`. */
  restore(state: JsonValue): void
}

/**
 * Creates a hill climber. Throws a `NordValidationError` that lists every
 * invalid option and gene bound.
 */
export function createHillClimber(
  options: HillClimbingOptions | undefined,
  context: HillClimberContext,
): HillClimber {
  const genes = context.space?.genes
  const resolved = resolveOptions(options, genes)
  const ownGenes = genes.map(({ name, min, max }) => ({ name, min, max }))
  return new StochasticHillClimber(
    resolved,
    ownGenes,
    createRandom(context.seed),
  )
}

class StochasticHillClimber implements HillClimber {
  readonly name = OPTIMIZER_NAME
  readonly version: string = packageJson.version
  readonly mode = 'steady-state'

  private issued = 0
  private current: ScoredState | null = null
  private stale = 0
  private readonly outstanding = new Map<string, Genotype>()

  constructor(
    readonly options: ResolvedHillClimbingOptions,
    private readonly genes: readonly IntegerGene[],
    private readonly random: Random,
  ) {}

  ask(n = 1): Candidate[] {
    const candidates: Candidate[] = []
    for (let index = 0; index < n; index++) {
      const id = `h${this.issued++}`
      const genotype =
        this.current === null
          ? this.sample()
          : this.neighbour(this.current.genotype)
      this.outstanding.set(id, genotype)
      candidates.push({
        id,
        genotype: genotype.slice(),
        parents: this.current === null ? [] : [this.current.id],
      })
    }
    return candidates
  }

  tell(results: Result[]): void {
    const accepted = this.checkResults(results)
    for (const { id, fitness } of accepted) {
      const genotype = this.outstanding.get(id)!
      this.outstanding.delete(id)
      this.climb(id, genotype, fitness)
    }
  }

  state(): HillClimbingState {
    return {
      format: STATE_FORMAT,
      issued: this.issued,
      current:
        this.current === null
          ? null
          : { ...this.current, genotype: this.current.genotype.slice() },
      stale: this.stale,
      outstanding: [...this.outstanding].map(([id, genotype]) => ({
        id,
        genotype: genotype.slice(),
      })),
      random: this.random.getState(),
    }
  }

  restore(state: JsonValue): void {
    const parsed = parseState(state, this.genes)
    this.issued = parsed.issued
    this.current =
      parsed.current === null
        ? null
        : { ...parsed.current, genotype: parsed.current.genotype.slice() }
    this.stale = parsed.stale
    this.outstanding.clear()
    for (const { id, genotype } of parsed.outstanding) {
      this.outstanding.set(id, genotype.slice())
    }
    this.random.setState(parsed.random)
  }

  /** Moves to a better genotype, or counts one more failure and restarts after `patience`. */
  private climb(id: string, genotype: Genotype, fitness: number): void {
    if (this.current === null || fitness > this.current.fitness) {
      this.current = { id, genotype, fitness }
      this.stale = 0
      return
    }

    this.stale++
    const { patience } = this.options
    if (patience > 0 && this.stale >= patience) {
      this.current = null
      this.stale = 0
    }
  }

  private sample(): Genotype {
    return this.genes.map(({ min, max }) => this.random.int(min, max))
  }

  /**
   * Moves each gene by 1 to `step` up or down with probability
   * `mutationRate`, and one random gene always, staying within the bounds.
   */
  private neighbour(origin: Genotype): Genotype {
    const forced = this.random.int(0, this.genes.length - 1)
    return origin.map((gene, index) => {
      const moves =
        index === forced || this.random.chance(this.options.mutationRate)
      return moves ? this.move(gene, this.genes[index]!) : gene
    })
  }

  /** Returns another value within `step` of `gene` and its bounds, or `gene` for a one-value gene. */
  private move(gene: number, { min, max }: IntegerGene): number {
    const low = Math.max(min, gene - this.options.step)
    const high = Math.min(max, gene + this.options.step)
    if (low === high) return gene
    // Draw from the range without `gene`, then shift past it.
    const drawn = this.random.int(low, high - 1)
    return drawn >= gene ? drawn + 1 : drawn
  }

  /** Checks every result of a call before any is recorded. */
  private checkResults(results: Result[]): { id: string; fitness: number }[] {
    if (!Array.isArray(results)) {
      throw new NordError(
        'NORD_ERR_INVALID_RESULT',
        `${OPTIMIZER_NAME}: tell() expects an array of results`,
        { value: results, hint: 'Pass the results of candidates from ask()' },
      )
    }

    const seen = new Set<string>()
    return results.map((result) => {
      const id = result?.candidate?.id
      if (typeof id !== 'string' || !this.outstanding.has(id) || seen.has(id)) {
        throw new NordError(
          'NORD_ERR_UNKNOWN_CANDIDATE',
          `${OPTIMIZER_NAME}: candidate ${JSON.stringify(id)} was not proposed or already has a result`,
          { value: id, hint: 'Tell each candidate from ask() once' },
        )
      }
      seen.add(id)

      const fitness = result.evaluation?.fitness
      if (typeof fitness !== 'number' || !Number.isFinite(fitness)) {
        throw new NordError(
          'NORD_ERR_INVALID_FITNESS',
          `${OPTIMIZER_NAME}: candidate ${id} has fitness ${String(fitness)}, which is not a finite number`,
          {
            value: fitness,
            hint: 'Report failed candidates with the finite fitness FAILED_FITNESS (0)',
          },
        )
      }
      return { id, fitness }
    })
  }
}
