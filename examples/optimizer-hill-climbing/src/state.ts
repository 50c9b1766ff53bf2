import { type IntegerGene, IssueList, isPlainObject } from '@nord/core'

/** The state format this version writes and reads. */
export const STATE_FORMAT = 1

/** A genotype on the climb, with the fitness it scored. */
export type ScoredState = { id: string; genotype: number[]; fitness: number }

/** The plain JSON that `state()` returns and `restore()` accepts. */
export type HillClimbingState = {
  format: typeof STATE_FORMAT
  /** Candidates proposed so far; the next id is `h<issued>`. */
  issued: number
  /** The current genotype and its fitness; null before the first result and after a restart. */
  current: ScoredState | null
  /** Results in a row that did not improve on `current`. */
  stale: number
  /** Candidates proposed whose results have not arrived. */
  outstanding: { id: string; genotype: number[] }[]
  /** The position of the random stream (`Random.getState()`). */
  random: number[]
}

/**
 * Checks that `value` is a state of this optimizer for `genes`. Throws one
 * `NordValidationError` with code `NORD_ERR_INVALID_STATE` that lists every
 * problem.
 */
export function parseState(
  value: unknown,
  genes: readonly IntegerGene[],
): HillClimbingState {
  const issues = new IssueList()
  const add = (path: string, message: string) =>
    issues.add(path, message, 'NORD_ERR_INVALID_STATE')
  const subject = 'nord-optimizer-hill-climbing state'

  if (!isPlainObject(value)) {
    add('state', `must be an object, got ${JSON.stringify(value)}`)
    issues.throwIfAny(subject)
  }
  const state = value as Record<string, unknown>
  if (state.format !== STATE_FORMAT) {
    add(
      'format',
      `must be ${STATE_FORMAT}, got ${JSON.stringify(state.format)}`,
    )
  }
  checkCount('issued', state.issued, add)
  checkCount('stale', state.stale, add)
  checkRandom(state.random, add)

  if (state.current !== null) {
    const current = state.current as Record<string, unknown> | undefined
    checkEntry('current', current, genes, add)
    if (!Number.isFinite(current?.fitness)) {
      add('current.fitness', 'must be a finite number')
    }
  }
  if (Array.isArray(state.outstanding)) {
    state.outstanding.forEach((entry, index) => {
      checkEntry(`outstanding[${index}]`, entry, genes, add)
    })
  } else {
    add('outstanding', 'must be an array')
  }

  issues.throwIfAny(subject)
  return state as HillClimbingState
}

type AddIssue = (path: string, message: string) => void

function checkCount(path: string, value: unknown, add: AddIssue): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    add(path, `must be an integer >= 0, got ${JSON.stringify(value)}`)
  }
}

function checkRandom(value: unknown, add: AddIssue): void {
  const valid =
    Array.isArray(value) &&
    value.length === 4 &&
    value.every((word) => Number.isInteger(word) && word >= 0 && word < 2 ** 32)
  if (!valid) add('random', 'must be four 32-bit unsigned integers')
}

function checkEntry(
  path: string,
  value: unknown,
  genes: readonly IntegerGene[],
  add: AddIssue,
): void {
  if (!isPlainObject(value)) {
    add(path, 'must be an object with an id and a genotype')
    return
  }
  if (typeof value.id !== 'string' || value.id === '') {
    add(`${path}.id`, 'must be a non-empty string')
  }
  const genotype = value.genotype
  if (!Array.isArray(genotype) || genotype.length !== genes.length) {
    add(`${path}.genotype`, `must be an array of ${genes.length} genes`)
    return
  }
  genotype.forEach((gene: unknown, index) => {
    const { min, max } = genes[index]!
    const inside =
      Number.isSafeInteger(gene) &&
      (gene as number) >= min &&
      (gene as number) <= max
    if (!inside) {
      add(
        `${path}.genotype[${index}]`,
        `must be an integer from ${min} to ${max}`,
      )
    }
  })
}
