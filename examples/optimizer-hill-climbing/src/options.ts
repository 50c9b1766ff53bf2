import {
  checkInteger,
  checkNumber,
  type IntegerGene,
  IssueList,
  isPlainObject,
  rejectUnknownKeys,
} from '@nord/core'

/** The options of the hill climber, as a user writes them. */
export interface HillClimbingOptions {
  /** The largest change of one gene in one move, in gene units. Default 3. */
  step?: number
  /**
   * The probability that each gene moves in a neighbour; one gene always
   * moves, so a neighbour never equals its origin. Default 0.5.
   */
  mutationRate?: number
  /**
   * Results in a row without improvement after which the climb restarts
   * from a uniformly sampled genotype; 0 never restarts. Default 10.
   */
  patience?: number
}

/** The options with defaults applied. */
export type ResolvedHillClimbingOptions = Readonly<
  Required<HillClimbingOptions>
>

export const DEFAULT_OPTIONS: ResolvedHillClimbingOptions = {
  step: 3,
  mutationRate: 0.5,
  patience: 10,
}

/**
 * Checks the options and the genes, and applies the defaults. Throws one
 * `NordValidationError` (`NORD_ERR_INVALID_OPTION`) that lists every problem
 * with its key path, such as `step` or `space.genes[1].max`.
 */
export function resolveOptions(
  options: unknown,
  genes: unknown,
): ResolvedHillClimbingOptions {
  const issues = new IssueList()
  const input = options ?? {}
  let resolved = DEFAULT_OPTIONS

  if (isPlainObject(input)) {
    // An empty path reports unknown keys by their own name, such as `steps`.
    rejectUnknownKeys('', input, Object.keys(DEFAULT_OPTIONS), issues)
    resolved = { ...DEFAULT_OPTIONS, ...withoutUndefined(input) }
    checkInteger('step', resolved.step, { min: 1 }, issues)
    checkNumber(
      'mutationRate',
      resolved.mutationRate,
      { min: 0, max: 1 },
      issues,
    )
    checkInteger('patience', resolved.patience, { min: 0 }, issues)
  } else {
    issues.add('options', `must be an object, got ${JSON.stringify(input)}`)
  }

  checkGenes(genes, issues)
  issues.throwIfAny('nord-optimizer-hill-climbing options')
  return Object.freeze(resolved)
}

function withoutUndefined(
  options: Record<string, unknown>,
): HillClimbingOptions {
  const entries = Object.entries(options).filter(([, v]) => v !== undefined)
  return Object.fromEntries(entries) as HillClimbingOptions
}

function checkGenes(genes: unknown, issues: IssueList): void {
  if (!Array.isArray(genes) || genes.length === 0) {
    issues.add('space.genes', 'must be a non-empty array of integer genes')
    return
  }
  genes.forEach((gene: Partial<IntegerGene> | undefined, index) => {
    const path = `space.genes[${index}]`
    const min = checkInteger(`${path}.min`, gene?.min, {}, issues)
    const max = checkInteger(`${path}.max`, gene?.max, {}, issues)
    if (min && max && gene!.max! < gene!.min!) {
      issues.add(`${path}.max`, `must be at least min (${gene!.min})`)
    }
  })
}
