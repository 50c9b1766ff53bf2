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
import type { AdamState } from './adam.js'
import type { ControllerKind } from './options.js'

/** The state format this version writes and reads. */
export const STATE_FORMAT = 1

/** A proposed candidate that has no result yet. */
export type PendingSampleState = {
  id: string
  genotype: number[]
  /** Policy updates before it was sampled. */
  generation: number
}

/** A candidate with a result, waiting for its batch to fill up. */
export type ScoredSampleState = {
  id: string
  genotype: number[]
  reward: number
}

/** The plain JSON that `state()` returns and `restore()` accepts. */
export type ReinforceState = {
  format: typeof STATE_FORMAT
  controller: ControllerKind
  /** The policy's parameter blocks. */
  parameters: number[][]
  adam: AdamState
  /** The moving-average baseline, or null before the first update. */
  baseline: number | null
  /** Policy updates so far. */
  updates: number
  /** Candidates proposed so far, which also numbers the next one. */
  proposed: number
  /** Candidates without a result, in the order they were proposed. */
  pending: PendingSampleState[]
  /** Results not yet used by an update, in the order they arrived. */
  scored: ScoredSampleState[]
  /** The position of the sampling stream (`Random.getState()`). */
  random: number[]
}

/** The controller, genes and block sizes that a saved state must match. */
export interface StateShape {
  controller: ControllerKind
  genes: readonly IntegerGene[]
  /** The length of each parameter block. */
  blockSizes: readonly number[]
}

const SUBJECT = 'nord:optimizer-rl state'

/**
 * Checks that `value` is a state this optimizer can resume from: the same
 * controller, parameter blocks of the same sizes and genotypes that fit the
 * genes. Throws one `NordValidationError` with code `NORD_ERR_INVALID_STATE`
 * that lists every problem.
 */
export function parseReinforceState(
  value: unknown,
  shape: StateShape,
): ReinforceState {
  const { state, add, throwIfAny } = startStateCheck(
    value,
    SUBJECT,
    STATE_FORMAT,
  )

  if (state.controller !== shape.controller) {
    add(
      'controller',
      `must be ${formatValue(shape.controller)}, the controller of this optimizer, got ${formatValue(state.controller)}`,
    )
  }
  checkBlocks('parameters', state.parameters, shape.blockSizes, add)
  checkAdam(state.adam, shape.blockSizes, add)
  checkCounters(state, add)
  checkRandomState(state.random, add)
  checkSamples(state, shape.genes, add)

  throwIfAny()
  return state as ReinforceState
}

function checkBlocks(
  path: string,
  value: unknown,
  sizes: readonly number[],
  add: AddStateIssue,
  minimum = Number.NEGATIVE_INFINITY,
): void {
  if (!Array.isArray(value) || value.length !== sizes.length) {
    add(
      path,
      `must be an array of ${sizes.length} blocks, got ${formatValue(value)}`,
    )
    return
  }

  value.forEach((block: unknown, index) => {
    const size = sizes[index]!
    const valid =
      Array.isArray(block) &&
      block.length === size &&
      block.every(
        (entry) =>
          typeof entry === 'number' &&
          Number.isFinite(entry) &&
          entry >= minimum,
      )
    if (!valid) {
      const kind = minimum === 0 ? 'finite numbers >= 0' : 'finite numbers'
      add(
        `${path}[${index}]`,
        `must be ${size} ${kind}, got ${formatValue(block)}`,
      )
    }
  })
}

function checkAdam(
  value: unknown,
  sizes: readonly number[],
  add: AddStateIssue,
): void {
  if (!isPlainObject(value)) {
    add('adam', `must be an object, got ${formatValue(value)}`)
    return
  }
  checkCount('adam.step', value.step, add)
  checkBlocks('adam.firstMoment', value.firstMoment, sizes, add)
  checkBlocks('adam.secondMoment', value.secondMoment, sizes, add, 0)
}

function checkCounters(
  state: Record<string, unknown>,
  add: AddStateIssue,
): void {
  const baseline = state.baseline
  if (
    baseline !== null &&
    !(typeof baseline === 'number' && Number.isFinite(baseline))
  ) {
    add(
      'baseline',
      `must be a finite number or null, got ${formatValue(baseline)}`,
    )
  }
  for (const key of ['updates', 'proposed']) {
    checkCount(key, state[key], add)
  }
  if (isCount(state.updates) && state.updates > 0 !== (baseline !== null)) {
    add(
      'baseline',
      'must be null before the first update and a number after it',
    )
  }
}

/**
 * Checks the pending and scored samples: ids of the form `s<index>` below
 * `proposed`, each id once across both lists, genotypes within the genes.
 */
function checkSamples(
  state: Record<string, unknown>,
  genes: readonly IntegerGene[],
  add: AddStateIssue,
): void {
  const proposed = isCount(state.proposed) ? state.proposed : undefined
  const updates = isCount(state.updates) ? state.updates : undefined
  const ids = new Set<string>()

  for (const key of ['pending', 'scored'] as const) {
    const list = state[key]
    if (!Array.isArray(list)) {
      add(key, `must be an array, got ${formatValue(list)}`)
      continue
    }

    list.forEach((sample: unknown, index) => {
      const path = `${key}[${index}]`
      if (!isPlainObject(sample)) {
        add(path, `must be an object, got ${formatValue(sample)}`)
        return
      }
      checkSampleId(`${path}.id`, sample.id, proposed, ids, add)
      checkSavedGenotype(`${path}.genotype`, sample.genotype, genes, add)
      if (key === 'pending') {
        const generation = sample.generation
        const valid =
          isCount(generation) &&
          (updates === undefined || generation <= updates)
        if (!valid) {
          add(
            `${path}.generation`,
            `must be an integer from 0 to updates (${updates}), got ${formatValue(generation)}`,
          )
        }
      } else if (
        !(typeof sample.reward === 'number' && Number.isFinite(sample.reward))
      ) {
        add(
          `${path}.reward`,
          `must be a finite number, got ${formatValue(sample.reward)}`,
        )
      }
    })
  }
}

function checkSampleId(
  path: string,
  id: unknown,
  proposed: number | undefined,
  seen: Set<string>,
  add: AddStateIssue,
): void {
  const index = typeof id === 'string' ? sampleIndex(id) : undefined
  if (index === undefined || (proposed !== undefined && index >= proposed)) {
    add(
      path,
      `must be 's<index>' with an index below proposed (${proposed}), got ${formatValue(id)}`,
    )
    return
  }
  if (seen.has(id as string)) {
    add(
      path,
      `must be unique in pending and scored, got ${formatValue(id)} again`,
    )
  }
  seen.add(id as string)
}

/** Returns the index in a candidate id `s<index>`, or undefined for other ids. */
export function sampleIndex(id: string): number | undefined {
  const match = /^s(0|[1-9]\d*)$/.exec(id)
  if (match === null) return undefined
  const index = Number(match[1])
  return Number.isSafeInteger(index) ? index : undefined
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}
