import { type IntegerGene, IssueList } from '@nord/core'
import { show } from './options.js'

/** The state format this version writes and reads. */
export const STATE_FORMAT = 1

/**
 * One individual in a saved state; `fitness` is null until its result arrives.
 */
export type IndividualState = {
  id: string
  genotype: number[]
  /** Ids of the individuals it was bred from; empty in generation 0. */
  parents: string[]
  fitness: number | null
}

/** The plain JSON that `state()` returns and `restore()` accepts. */
export type GeneticState = {
  format: typeof STATE_FORMAT
  /**
   * Complete generations so far, which is also the number of the pending
   * generation or of the next one to ask for.
   */
  generation: number
  /**
   * The last complete generation, every fitness set; empty before the first.
   */
  population: IndividualState[]
  /** The generation returned by `ask()` that still lacks results, or null. */
  pending: IndividualState[] | null
  /** The position of the random stream (`Random.getState()`). */
  random: number[]
}

/**
 * Checks that `value` is a state this optimizer can resume from, with
 * genotypes that fit `genes`. Throws one `NordValidationError` with code
 * `NORD_ERR_INVALID_STATE` that lists every problem.
 */
export function parseGeneticState(
  value: unknown,
  genes: readonly IntegerGene[],
): GeneticState {
  const issues = new IssueList()
  const add = (path: string, message: string) =>
    issues.add(path, message, 'NORD_ERR_INVALID_STATE')

  if (!isRecord(value)) {
    add('state', `must be an object, got ${show(value)}`)
    issues.throwIfAny('nord:optimizer-ga state')
  }
  const state = value as Record<string, unknown>

  if (state.format !== STATE_FORMAT) {
    add('format', `must be ${STATE_FORMAT}, got ${show(state.format)}`)
  }
  if (!Number.isSafeInteger(state.generation) || Number(state.generation) < 0) {
    add('generation', `must be an integer >= 0, got ${show(state.generation)}`)
  }
  checkRandomState(state.random, add)

  checkIndividuals('population', state.population, genes, false, add)
  if (state.pending !== null) {
    checkIndividuals('pending', state.pending, genes, true, add)
  }
  const population = state.population
  if (Number(state.generation) > 0 && Array.isArray(population)) {
    if (population.length === 0) {
      add('population', 'must not be empty after the first generation')
    }
  }

  issues.throwIfAny('nord:optimizer-ga state')
  return state as GeneticState
}

/** Files one issue with the code `NORD_ERR_INVALID_STATE`. */
export type AddIssue = (path: string, message: string) => void

export function checkRandomState(value: unknown, add: AddIssue): void {
  const words = Array.isArray(value) ? value : []
  const valid =
    words.length === 4 &&
    words.every((word) => Number.isInteger(word) && word >= 0 && word < 2 ** 32)
  if (!valid) {
    add('random', `must be four 32-bit unsigned integers, got ${show(value)}`)
  }
}

/**
 * Checks an array of saved individuals: unique ids, parents, genotypes that
 * fit `genes`, and a finite fitness (or null when `pending`).
 */
export function checkIndividuals(
  path: string,
  value: unknown,
  genes: readonly IntegerGene[],
  pending: boolean,
  add: AddIssue,
): void {
  if (!Array.isArray(value)) {
    add(path, `must be an array, got ${show(value)}`)
    return
  }

  const ids = new Set<unknown>()
  value.forEach((individual: unknown, index) => {
    const at = `${path}[${index}]`
    if (!isRecord(individual)) {
      add(at, `must be an object, got ${show(individual)}`)
      return
    }

    const id = individual.id
    if (typeof id !== 'string' || id === '') {
      add(`${at}.id`, `must be a non-empty string, got ${show(id)}`)
    } else if (ids.has(id)) {
      add(`${at}.id`, `must be unique in ${path}, got ${show(id)} again`)
    }
    ids.add(id)
    checkParents(`${at}.parents`, individual.parents, add)
    checkGenotype(`${at}.genotype`, individual.genotype, genes, add)
    checkFitness(`${at}.fitness`, individual.fitness, pending, add)
  })
}

function checkParents(path: string, value: unknown, add: AddIssue): void {
  const valid =
    Array.isArray(value) && value.every((id) => typeof id === 'string')
  if (!valid) add(path, `must be an array of ids, got ${show(value)}`)
}

function checkGenotype(
  path: string,
  value: unknown,
  genes: readonly IntegerGene[],
  add: AddIssue,
): void {
  if (!Array.isArray(value) || value.length !== genes.length) {
    add(path, `must be an array of ${genes.length} genes, got ${show(value)}`)
    return
  }

  value.forEach((gene: unknown, index) => {
    const { min, max } = genes[index]!
    const inside =
      Number.isSafeInteger(gene) && Number(gene) >= min && Number(gene) <= max
    if (!inside) {
      add(
        `${path}[${index}]`,
        `must be an integer from ${min} to ${max}, got ${show(gene)}`,
      )
    }
  })
}

function checkFitness(
  path: string,
  value: unknown,
  pending: boolean,
  add: AddIssue,
): void {
  if (pending && value === null) return
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const expected = pending ? 'a finite number or null' : 'a finite number'
    add(path, `must be ${expected}, got ${show(value)}`)
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
