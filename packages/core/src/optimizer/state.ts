import { IssueList } from '../errors.js'
import { formatValue, isPlainObject } from '../search/options.js'
import type { IntegerGene } from '../types.js'

/** Files one problem of a saved state, with the code `NORD_ERR_INVALID_STATE`. */
export type AddStateIssue = (path: string, message: string) => void

/** A saved optimizer state under check, as `startStateCheck` returns it. */
export interface StateCheck {
  /** The saved object, to read the optimizer's own fields from. */
  state: Record<string, unknown>
  add: AddStateIssue
  /** Throws one `NordValidationError` listing every problem filed so far. */
  throwIfAny(): void
}

/**
 * Starts checking a saved optimizer state: it must be an object whose
 * `format` is `format`. A value that is not an object throws at once,
 * because none of its fields can be read. Other problems collect until
 * `throwIfAny()`. `subject` names the state in the error, such as
 * `nord:optimizer-example state`.
 */
export function startStateCheck(
  value: unknown,
  subject: string,
  format: number,
): StateCheck {
  const issues = new IssueList()
  const add: AddStateIssue = (path, message) =>
    issues.add(path, message, 'NORD_ERR_INVALID_STATE')
  const throwIfAny = () => issues.throwIfAny(subject)

  if (!isPlainObject(value)) {
    add('state', `must be an object, got ${formatValue(value)}`)
    throwIfAny()
  }
  const state = value as Record<string, unknown>

  if (state.format !== format) {
    add('format', `must be ${format}, got ${formatValue(state.format)}`)
  }
  return { state, add, throwIfAny }
}

/** Checks a counter such as `proposed`: a safe integer >= 0. */
export function checkCount(
  path: string,
  value: unknown,
  add: AddStateIssue,
): void {
  if (!Number.isSafeInteger(value) || Number(value) < 0) {
    add(path, `must be an integer >= 0, got ${formatValue(value)}`)
  }
}

/** Checks one genotype: an integer within its bounds for each of `genes`. */
export function checkSavedGenotype(
  path: string,
  value: unknown,
  genes: readonly IntegerGene[],
  add: AddStateIssue,
): void {
  if (!Array.isArray(value) || value.length !== genes.length) {
    add(
      path,
      `must be an array of ${genes.length} genes, got ${formatValue(value)}`,
    )
    return
  }

  value.forEach((gene: unknown, index) => {
    const { min, max } = genes[index]!
    const inside =
      Number.isSafeInteger(gene) && Number(gene) >= min && Number(gene) <= max
    if (!inside) {
      add(
        `${path}[${index}]`,
        `must be an integer from ${min} to ${max}, got ${formatValue(gene)}`,
      )
    }
  })
}

/**
 * Checks the saved position of a random stream (`Random.getState()`) at the
 * key `random`: four 32-bit unsigned integers.
 */
export function checkRandomState(value: unknown, add: AddStateIssue): void {
  const words = Array.isArray(value) ? value : []
  const valid =
    words.length === 4 &&
    words.every((word) => Number.isInteger(word) && word >= 0 && word < 2 ** 32)
  if (!valid) {
    add(
      'random',
      `must be four 32-bit unsigned integers, got ${formatValue(value)}`,
    )
  }
}
