import {
  type Candidate,
  checkResults,
  createRandom,
  type Genotype,
  type IntegerGene,
  isNumberedBelow,
  type JsonValue,
  type Logger,
  type Optimizer,
  type Random,
  type Result,
  silentLogger,
} from '@nord/core'
import packageJson from '../package.json' with { type: 'json' }
import {
  GenotypeIndex,
  insertSorted,
  nthFree,
  sampleGenotype,
} from './genotype-index.js'
import {
  type RandomSearchOptions,
  type ResolvedRandomSearchOptions,
  resolveRandomSearchOptions,
} from './options.js'
import {
  parseRandomSearchState,
  type RandomSearchState,
  STATE_FORMAT,
} from './state.js'

/** The plugin name that logs, errors and run configurations use. */
export const OPTIMIZER_NAME = 'nord:optimizer-random'

/** The factory's input from its host: the genes, a seed and a logger. */
export interface RandomSearchContext {
  space: { readonly genes: readonly IntegerGene[] }
  /** The seed of the optimizer's random stream; only its low 32 bits matter. */
  seed: number
  /** Receives the message that the space is exhausted. Default: silent. */
  logger?: Logger
}

/** Uniform random search over integer genotypes. */
export interface RandomSearchOptimizer extends Optimizer {
  readonly mode: 'steady-state'
  /** The options in use, defaults applied. */
  readonly options: ResolvedRandomSearchOptions
  /** How many genotypes the space holds, the product of the gene ranges. */
  readonly spaceSize: number
  /**
   * Proposes up to `n` candidates (default 1), each gene drawn uniformly
   * within its bounds. With `unique`, a genotype already proposed is never
   * proposed again, so fewer than `n` come back once the space runs out.
   * Returns an empty array once `done()` is true.
   */
  ask(n?: number): Candidate[]
  /**
   * Accepts results in any order and grouping; random search does not use
   * the fitness. Throws `NORD_ERR_UNKNOWN_CANDIDATE`,
   * `NORD_ERR_DUPLICATE_RESULT` or `NORD_ERR_INVALID_FITNESS` without
   * recording anything from the call.
   */
  tell(results: Result[]): void
  /**
   * True once `samples` candidates were proposed, or, with `unique`, once
   * every genotype of the space was proposed.
   */
  done(): boolean
  /** True when `unique` is on and every genotype of the space was proposed. */
  exhausted(): boolean
  state(): RandomSearchState
  /**
   * Replaces the whole state. An invalid state raises
   * `NORD_ERR_INVALID_STATE` and leaves the current state unchanged.
   */
  restore(state: JsonValue): void
}

const ID_PREFIX = 'c'

/**
 * Creates a random search: the baseline that every design method should
 * beat. Throws a `NordValidationError` listing every invalid option and gene
 * bound.
 */
export function createRandomSearch(
  options: RandomSearchOptions | undefined,
  context: RandomSearchContext,
): RandomSearchOptimizer {
  const genes = context.space?.genes
  const resolved = resolveRandomSearchOptions(options, genes, context.seed)
  const ownGenes = genes.map(({ name, min, max }) => ({ name, min, max }))
  return new RandomSearch(
    resolved,
    ownGenes,
    createRandom(context.seed),
    context.logger ?? silentLogger,
  )
}

class RandomSearch implements RandomSearchOptimizer {
  readonly name = OPTIMIZER_NAME
  readonly version: string = packageJson.version
  readonly mode = 'steady-state'
  readonly spaceSize: number

  private proposed = 0
  private readonly pending = new Map<string, Genotype>()
  /** Keys of the genotypes proposed so far, with `unique` only. */
  private readonly seen = new Map<string, Genotype>()
  /** Sorted indices of `seen`, built once sampling switches to exact draws. */
  private seenIndices: number[] | null = null
  private readonly index: GenotypeIndex
  private exhaustionLogged = false

  constructor(
    readonly options: ResolvedRandomSearchOptions,
    private readonly genes: readonly IntegerGene[],
    private readonly random: Random,
    private readonly logger: Logger,
  ) {
    this.index = new GenotypeIndex(genes)
    this.spaceSize = this.index.size
  }

  ask(n = 1): Candidate[] {
    const candidates: Candidate[] = []
    while (candidates.length < n && !this.done()) {
      const genotype = this.options.unique
        ? this.drawUnseen()
        : sampleGenotype(this.genes, this.random)
      const id = `${ID_PREFIX}${this.proposed}`
      this.proposed++
      this.pending.set(id, genotype)
      candidates.push({ id, genotype: genotype.slice() })
    }

    if (this.exhausted()) this.logExhaustion()
    return candidates
  }

  tell(results: Result[]): void {
    const fitnessById = checkResults(results, {
      name: OPTIMIZER_NAME,
      isPending: (id) => this.pending.has(id),
      wasProposed: (id) => isNumberedBelow(id, ID_PREFIX, this.proposed),
      pendingCount: () => this.pending.size,
    })
    for (const id of fitnessById.keys()) this.pending.delete(id)
  }

  done(): boolean {
    const { samples } = this.options
    return (samples !== null && this.proposed >= samples) || this.exhausted()
  }

  exhausted(): boolean {
    return this.options.unique && this.seen.size >= this.spaceSize
  }

  state(): RandomSearchState {
    return {
      format: STATE_FORMAT,
      proposed: this.proposed,
      pending: [...this.pending].map(([id, genotype]) => ({
        id,
        genotype: genotype.slice(),
      })),
      seen: [...this.seen.values()].map((genotype) => genotype.slice()),
      random: this.random.getState(),
    }
  }

  restore(state: JsonValue): void {
    const parsed = parseRandomSearchState(state, this.genes)

    this.proposed = parsed.proposed
    this.pending.clear()
    for (const { id, genotype } of parsed.pending) {
      this.pending.set(id, genotype.slice())
    }
    this.seen.clear()
    this.seenIndices = null
    for (const genotype of parsed.seen) this.markSeen(genotype.slice())
    this.random.setState(parsed.random)
  }

  /**
   * Draws uniformly among the genotypes not yet proposed. While at most half
   * the space was proposed it redraws on a repeat, which takes two draws at
   * most on average. Past half, it draws a rank among the free genotypes and
   * finds that genotype from the sorted indices of the proposed ones, so
   * the last free genotypes cost no more than the first.
   */
  private drawUnseen(): Genotype {
    let genotype: Genotype
    if (this.seen.size * 2 <= this.spaceSize) {
      do {
        genotype = sampleGenotype(this.genes, this.random)
      } while (this.seen.has(keyOf(genotype)))
    } else {
      this.seenIndices ??= [...this.seen.values()]
        .map((seen) => this.index.indexOf(seen))
        .sort((a, b) => a - b)
      const free = this.spaceSize - this.seen.size
      const rank = this.random.int(0, free - 1)
      genotype = this.index.genotypeAt(nthFree(rank, this.seenIndices))
    }
    this.markSeen(genotype)
    return genotype
  }

  private markSeen(genotype: Genotype): void {
    this.seen.set(keyOf(genotype), genotype)
    if (this.seenIndices !== null) {
      insertSorted(this.seenIndices, this.index.indexOf(genotype))
    }
  }

  private logExhaustion(): void {
    if (this.exhaustionLogged) return
    this.exhaustionLogged = true
    this.logger.info('search space exhausted: every genotype was proposed', {
      optimizer: OPTIMIZER_NAME,
      genotypes: this.spaceSize,
    })
  }
}

function keyOf(genotype: Genotype): string {
  return genotype.join(',')
}
