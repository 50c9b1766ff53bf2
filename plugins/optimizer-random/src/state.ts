import {
  type AddStateIssue,
  checkCount,
  checkRandomState,
  checkSavedGenotype,
  formatValue,
  type IntegerGene,
  isPlainObject,
  startStateCheck,
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

/**
 * Checks that `value` is a state with genotypes that fit `genes`. Throws one
 * `NordValidationError` with code `NORD_ERR_INVALID_STATE` listing every
 * problem.
 */
export function parseRandomSearchState(
  value: unknown,
  genes: readonly IntegerGene[],
): RandomSearchState {
  const { state, add, throwIfAny } = startStateCheck(
    value,
    'nord:optimizer-random state',
    STATE_FORMAT,
  )

  checkCount('proposed', state.proposed, add)
  checkRandomState(state.random, add)
  checkPending(state.pending, genes, add)
  if (!Array.isArray(state.seen)) {
    add('seen', `must be an array of genotypes, got ${formatValue(state.seen)}`)
  } else {
    state.seen.forEach((genotype: unknown, index) => {
      checkSavedGenotype(`seen[${index}]`, genotype, genes, add)
    })
  }

  throwIfAny()
  return state as RandomSearchState
}

function checkPending(
  value: unknown,
  genes: readonly IntegerGene[],
  add: AddStateIssue,
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
    checkSavedGenotype(`${path}.genotype`, entry.genotype, genes, add)
  })
}
