import { type IntegerGene, IssueList } from '@nord/core'
import { show } from './options.js'
import {
  checkIndividuals,
  checkRandomState,
  type IndividualState,
  isRecord,
  STATE_FORMAT,
} from './state.js'

/** The plain JSON that the steady-state variant's `state()` returns. */
export type SteadyStateGeneticState = {
  format: typeof STATE_FORMAT
  variant: 'steady-state'
  /** Candidates proposed so far, which also numbers the next id. */
  proposed: number
  /** The evaluated population from the oldest to the newest arrival. */
  population: IndividualState[]
  /** Proposed candidates without a result, in the order proposed. */
  pending: IndividualState[]
  /** The position of the random stream (`Random.getState()`). */
  random: number[]
}

/**
 * Checks that `value` is a steady-state state with genotypes that fit
 * `genes` and at most `size` individuals in the population. Throws one
 * `NordValidationError` with code `NORD_ERR_INVALID_STATE` listing every
 * problem.
 */
export function parseSteadyStateState(
  value: unknown,
  genes: readonly IntegerGene[],
  size: number,
): SteadyStateGeneticState {
  const issues = new IssueList()
  const add = (path: string, message: string) =>
    issues.add(path, message, 'NORD_ERR_INVALID_STATE')
  const subject = 'nord:optimizer-ga steady-state state'

  if (!isRecord(value)) {
    add('state', `must be an object, got ${show(value)}`)
    issues.throwIfAny(subject)
  }
  const state = value as Record<string, unknown>

  if (state.format !== STATE_FORMAT) {
    add('format', `must be ${STATE_FORMAT}, got ${show(state.format)}`)
  }
  if (state.variant !== 'steady-state') {
    add(
      'variant',
      `must be 'steady-state', got ${show(state.variant)}. Restore a generational state into a generational optimizer`,
    )
  }
  if (!Number.isSafeInteger(state.proposed) || Number(state.proposed) < 0) {
    add('proposed', `must be an integer >= 0, got ${show(state.proposed)}`)
  }
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

  issues.throwIfAny(subject)
  return state as SteadyStateGeneticState
}
