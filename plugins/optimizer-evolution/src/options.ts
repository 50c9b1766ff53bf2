import {
  checkInteger,
  formatValue,
  type IntegerGene,
  IssueList,
  isPlainObject,
  rejectUnknownKeys,
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

const OPTION_KEYS = Object.keys(DEFAULT_OPTIONS)

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
  checkGenes(genes, issues)
  if (!Number.isSafeInteger(seed)) {
    issues.add('seed', `must be a safe integer, got ${formatValue(seed)}`)
  }
  issues.throwIfAny('nord:optimizer-evolution configuration')
  return Object.freeze(resolved)
}

function checkOptions(
  options: unknown,
  issues: IssueList,
): ResolvedEvolutionOptions {
  if (!isPlainObject(options)) {
    issues.add('options', `must be an object, got ${formatValue(options)}`)
    return DEFAULT_OPTIONS
  }

  rejectUnknownKeys('', options, OPTION_KEYS, issues)
  const merged = { ...DEFAULT_OPTIONS } as Record<string, unknown>
  for (const key of OPTION_KEYS) {
    if (options[key] !== undefined) merged[key] = options[key]
  }

  const validPopulation = checkInteger(
    'population',
    merged.population,
    { min: 1 },
    issues,
  )
  const population = validPopulation ? (merged.population as number) : undefined
  if (options.sampleSize === undefined && population !== undefined) {
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

/** Checks integer gene bounds: a non-empty list of safe integers with `min <= max`. */
function checkGenes(genes: unknown, issues: IssueList): void {
  const code = 'NORD_ERR_INVALID_SPACE'
  if (!Array.isArray(genes) || genes.length === 0) {
    issues.add(
      'space.genes',
      `must be a non-empty array of integer genes, got ${formatValue(genes)}`,
      code,
    )
    return
  }

  genes.forEach((gene: Partial<IntegerGene> | null, index) => {
    const path = `space.genes[${index}]`
    const { min, max } = gene ?? {}
    for (const [key, value] of [
      ['min', min],
      ['max', max],
    ] as const) {
      if (!Number.isSafeInteger(value)) {
        issues.add(
          `${path}.${key}`,
          `must be an integer, got ${formatValue(value)}`,
          code,
        )
      }
    }
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
      issues.add(
        path,
        `bounds are inverted (min ${min} > max ${max} in gene ${formatValue(gene?.name)}). Swap them`,
        code,
      )
    }
  })
}
