import type { IssueList } from '../errors.js'
import {
  formatValue,
  isPlainObject,
  rejectUnknownKeys,
} from '../search/options.js'
import type { IntegerGene } from '../types.js'

/**
 * Merges the options a user wrote over `defaults`. Keys set to `undefined`
 * count as absent. Files an issue for each key not in `defaults`. Returns
 * undefined, after filing an issue at `options`, when `options` is not an
 * object.
 */
export function mergeOptions(
  options: unknown,
  defaults: object,
  issues: IssueList,
): Record<string, unknown> | undefined {
  if (!isPlainObject(options)) {
    issues.add('options', `must be an object, got ${formatValue(options)}`)
    return undefined
  }

  const keys = Object.keys(defaults)
  rejectUnknownKeys('', options, keys, issues)
  const merged = { ...defaults } as Record<string, unknown>
  for (const key of keys) {
    if (options[key] !== undefined) merged[key] = options[key]
  }
  return merged
}

/** Checks an optimizer's seed at the key `seed`: a safe integer. */
export function checkSeed(seed: unknown, issues: IssueList): void {
  if (!Number.isSafeInteger(seed)) {
    issues.add('seed', `must be a safe integer, got ${formatValue(seed)}`)
  }
}

/**
 * Checks integer gene bounds at `space.genes`: a non-empty list of safe
 * integers with `min <= max`. Files each problem with the code
 * `NORD_ERR_INVALID_SPACE`.
 */
export function checkIntegerGenes(genes: unknown, issues: IssueList): void {
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
