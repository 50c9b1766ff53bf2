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

/** One individual in a saved state; `fitness` is null while it is pending. */
export type IndividualState = {
  id: string
  genotype: number[]
  /** The id of the parent it was mutated from; empty for sampled ones. */
  parents: string[]
  fitness: number | null
}

/** The plain JSON that `state()` returns and `restore()` accepts. */
export type EvolutionState = {
  format: typeof STATE_FORMAT
  /** Candidates proposed so far, which also numbers the next id. */
  proposed: number
  /** The living population from the oldest to the newest arrival. */
  population: IndividualState[]
  /** Proposed candidates without a result, in the order proposed. */
  pending: IndividualState[]
  /** The position of the random stream (`Random.getState()`). */
  random: number[]
}

/**
 * Checks that `value` is a state with genotypes that fit `genes` and at
 * most `size` living individuals. Throws one `NordValidationError` with
 * code `NORD_ERR_INVALID_STATE` listing every problem.
 */
export function parseEvolutionState(
  value: unknown,
  genes: readonly IntegerGene[],
  size: number,
): EvolutionState {
  const { state, add, throwIfAny } = startStateCheck(
    value,
    'nord:optimizer-evolution state',
    STATE_FORMAT,
  )

  checkCount('proposed', state.proposed, add)
  checkRandomState(state.random, add)
  checkIndividuals('population', state.population, genes, false, add)
  checkIndividuals('pending', state.pending, genes, true, add)

  const population = state.population
  if (Array.isArray(population) && population.length > size) {
    add(
      'population',
      `holds ${population.length} individuals, more than the population option (${size})`,
    )
  }

  throwIfAny()
  return state as EvolutionState
}

function checkIndividuals(
  path: string,
  value: unknown,
  genes: readonly IntegerGene[],
  pending: boolean,
  add: AddStateIssue,
): void {
  if (!Array.isArray(value)) {
    add(path, `must be an array, got ${formatValue(value)}`)
    return
  }

  const ids = new Set<string>()
  value.forEach((individual: unknown, index) => {
    const at = `${path}[${index}]`
    if (!isPlainObject(individual)) {
      add(at, `must be an object, got ${formatValue(individual)}`)
      return
    }

    const id = individual.id
    if (typeof id !== 'string' || id === '') {
      add(`${at}.id`, `must be a non-empty string, got ${formatValue(id)}`)
    } else if (ids.has(id)) {
      add(`${at}.id`, `must be unique in ${path}, got ${formatValue(id)} again`)
    } else {
      ids.add(id)
    }

    const parents = individual.parents
    if (
      !Array.isArray(parents) ||
      !parents.every((p) => typeof p === 'string')
    ) {
      add(
        `${at}.parents`,
        `must be an array of ids, got ${formatValue(parents)}`,
      )
    }
    checkSavedGenotype(`${at}.genotype`, individual.genotype, genes, add)
    checkFitness(`${at}.fitness`, individual.fitness, pending, add)
  })
}

function checkFitness(
  path: string,
  value: unknown,
  pending: boolean,
  add: AddStateIssue,
): void {
  if (pending) {
    if (value !== null)
      add(path, `must be null while pending, got ${formatValue(value)}`)
    return
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    add(path, `must be a finite number, got ${formatValue(value)}`)
  }
}
