import {
  checkBoolean,
  checkInteger,
  formatValue,
  type IntegerGene,
  IssueList,
  isPlainObject,
  rejectUnknownKeys,
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

const OPTION_KEYS = Object.keys(DEFAULT_OPTIONS)

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
  checkGenes(genes, issues)
  if (!Number.isSafeInteger(seed)) {
    issues.add('seed', `must be a safe integer, got ${formatValue(seed)}`)
  }
  issues.throwIfAny('nord:optimizer-random configuration')
  return Object.freeze(resolved)
}

function checkOptions(
  options: unknown,
  issues: IssueList,
): ResolvedRandomSearchOptions {
  if (!isPlainObject(options)) {
    issues.add('options', `must be an object, got ${formatValue(options)}`)
    return DEFAULT_OPTIONS
  }

  rejectUnknownKeys('', options, OPTION_KEYS, issues)
  const merged = { ...DEFAULT_OPTIONS } as Record<string, unknown>
  for (const key of OPTION_KEYS) {
    if (options[key] !== undefined) merged[key] = options[key]
  }

  checkBoolean('unique', merged.unique, issues)
  if (merged.samples !== null) {
    checkInteger('samples', merged.samples, { min: 1 }, issues)
  }
  return merged as ResolvedRandomSearchOptions
}

/** Checks integer gene bounds: a non-empty list of safe integers with `min <= max`. */
export function checkGenes(genes: unknown, issues: IssueList): void {
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
