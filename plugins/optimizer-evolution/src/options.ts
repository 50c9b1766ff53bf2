import {
  checkInteger,
  checkIntegerGenes,
  checkSeed,
  IssueList,
  mergeOptions,
} from '@nord/core'

/** The options a user writes. Every option is optional. */
export interface EvolutionOptions {
  /** Individuals kept alive. Default 100. */
  population?: number
  /**
   * Individuals drawn uniformly, with replacement, from the population to
   * choose each parent, from 1 to `population`. Default 25, or `population`
   * when that is smaller.
   */
  sampleSize?: number
  /**
   * Candidates to propose in all, the initial population included, after
   * which `done()` is true; at least `population`. Default null: no limit,
   * so the search budget ends the run.
   */
  cycles?: number | null
}

/** The options with every default applied. */
export type ResolvedEvolutionOptions = Readonly<Required<EvolutionOptions>>

export const DEFAULT_OPTIONS: ResolvedEvolutionOptions = {
  population: 100,
  sampleSize: 25,
  cycles: null,
}

/**
 * Validates the options, the gene bounds and the seed, and applies the
 * defaults. Throws one `NordValidationError` listing every problem, each
 * prefixed by its key path (`sampleSize`, `space.genes[2].max`, `seed`).
 */
export function resolveEvolutionOptions(
  options: unknown,
  genes: unknown,
  seed: unknown,
): ResolvedEvolutionOptions {
  const issues = new IssueList()
  const resolved = checkOptions(options ?? {}, issues)
  checkIntegerGenes(genes, issues)
  checkSeed(seed, issues)
  issues.throwIfAny('nord:optimizer-evolution configuration')
  return Object.freeze(resolved)
}

function checkOptions(
  options: unknown,
  issues: IssueList,
): ResolvedEvolutionOptions {
  const merged = mergeOptions(options, DEFAULT_OPTIONS, issues)
  if (merged === undefined) return DEFAULT_OPTIONS

  const validPopulation = checkInteger(
    'population',
    merged.population,
    { min: 1 },
    issues,
  )
  const population = validPopulation ? (merged.population as number) : undefined
  const written = options as Record<string, unknown>
  if (written.sampleSize === undefined && population !== undefined) {
    // A population below 25 cannot hold the default sample.
    merged.sampleSize = Math.min(DEFAULT_OPTIONS.sampleSize, population)
  }

  checkInteger(
    'sampleSize',
    merged.sampleSize,
    { min: 1, max: population },
    issues,
  )
  if (merged.cycles !== null) {
    checkInteger('cycles', merged.cycles, { min: population ?? 1 }, issues)
  }
  return merged as ResolvedEvolutionOptions
}
