import {
  formatValue,
  type IntegerGene,
  IssueList,
  isPlainObject,
} from '@nord/core'

/** The state format this version writes and reads. */
export const STATE_FORMAT = 1

/** A proposed candidate that has no result yet. */
export type PendingState = { id: string; genotype: number[] }

/** The plain JSON that `state()` returns and `restore()` accepts. */
export type RandomSearchState = {
  format: typeof STATE_FORMAT
  /** Candidates proposed so far, which also numbers the next id. */
  proposed: number
  /** Candidates without a result, in the order proposed. */
  pending: PendingState[]
  /**
   * Every genotype proposed so far, in the order proposed; empty when the
   * `unique` option is off.
   */
  seen: number[][]
  /** The position of the random stream (`Random.getState()`). */
  random: number[]
}

type AddIssue = (path: string, message: string) => void

/**
 * Checks that `value` is a state with genotypes that fit `genes`. Throws one
 * `NordValidationError` with code `NORD_ERR_INVALID_STATE` listing every
 * problem.
 */
export function parseRandomSearchState(
  value: unknown,
  genes: readonly IntegerGene[],
): RandomSearchState {
  const issues = new IssueList()
  const add: AddIssue = (path, message) =>
    issues.add(path, message, 'NORD_ERR_INVALID_STATE')
  const subject = 'nord:optimizer-random state'

  if (!isPlainObject(value)) {
    add('state', `must be an object, got ${formatValue(value)}`)
    issues.throwIfAny(subject)
  }
  const state = value as Record<string, unknown>

  if (state.format !== STATE_FORMAT) {
    add('format', `must be ${STATE_FORMAT}, got ${formatValue(state.format)}`)
  }
  if (!Number.isSafeInteger(state.proposed) || Number(state.proposed) < 0) {
    add(
      'proposed',
      `must be an integer >= 0, got ${formatValue(state.proposed)}`,
    )
  }
  checkRandomState(state.random, add)
  checkPending(state.pending, genes, add)
  if (!Array.isArray(state.seen)) {
    add('seen', `must be an array of genotypes, got ${formatValue(state.seen)}`)
  } else {
    state.seen.forEach((genotype: unknown, index) => {
      checkGenotype(`seen[${index}]`, genotype, genes, add)
    })
  }

  issues.throwIfAny(subject)
  return state as RandomSearchState
}

function checkPending(
  value: unknown,
  genes: readonly IntegerGene[],
  add: AddIssue,
): void {
  if (!Array.isArray(value)) {
    add('pending', `must be an array, got ${formatValue(value)}`)
    return
  }

  const ids = new Set<string>()
  value.forEach((entry: unknown, index) => {
    const path = `pending[${index}]`
    if (!isPlainObject(entry)) {
      add(path, `must be an object, got ${formatValue(entry)}`)
      return
    }
    const id = entry.id
    if (typeof id !== 'string' || id === '') {
      add(`${path}.id`, `must be a non-empty string, got ${formatValue(id)}`)
    } else if (ids.has(id)) {
      add(`${path}.id`, `must be unique, got ${formatValue(id)} again`)
    } else {
      ids.add(id)
    }
    checkGenotype(`${path}.genotype`, entry.genotype, genes, add)
  })
}

export function checkGenotype(
  path: string,
  value: unknown,
  genes: readonly IntegerGene[],
  add: AddIssue,
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

function checkRandomState(value: unknown, add: AddIssue): void {
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
