import {
  checkBoolean,
  checkInteger,
  checkIntegerGenes,
  checkSeed,
  IssueList,
  mergeOptions,
} from '@nord/core'

/** The options a user writes. Every option is optional. */
export interface RandomSearchOptions {
  /**
   * Skip genotypes already proposed in the run, so that no genotype is
   * proposed twice. Default true.
   */
  unique?: boolean
  /**
   * Candidates to propose in all, after which `done()` is true. Default
   * null: no limit, so the search budget or the size of the space ends the
   * run.
   */
  samples?: number | null
}

/** The options with every default applied. */
export type ResolvedRandomSearchOptions = Readonly<
  Required<RandomSearchOptions>
>

export const DEFAULT_OPTIONS: ResolvedRandomSearchOptions = {
  unique: true,
  samples: null,
}

/**
 * Validates the options, the gene bounds and the seed, and applies the
 * defaults. Throws one `NordValidationError` listing every problem, each
 * prefixed by its key path (`samples`, `space.genes[2].max`, `seed`).
 */
export function resolveRandomSearchOptions(
  options: unknown,
  genes: unknown,
  seed: unknown,
): ResolvedRandomSearchOptions {
  const issues = new IssueList()
  const resolved = checkOptions(options ?? {}, issues)
  checkIntegerGenes(genes, issues)
  checkSeed(seed, issues)
  issues.throwIfAny('nord:optimizer-random configuration')
  return Object.freeze(resolved)
}

function checkOptions(
  options: unknown,
  issues: IssueList,
): ResolvedRandomSearchOptions {
  const merged = mergeOptions(options, DEFAULT_OPTIONS, issues)
  if (merged === undefined) return DEFAULT_OPTIONS

  checkBoolean('unique', merged.unique, issues)
  if (merged.samples !== null) {
    checkInteger('samples', merged.samples, { min: 1 }, issues)
  }
  return merged as ResolvedRandomSearchOptions
}
