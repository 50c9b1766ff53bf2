/** The derived series that the figures plot: groups of candidates and best-so-far curves. */
import type { CandidateRecord, RunData } from './run-data.js'

/**
 * The x axis of the per-generation figures. Generational runs use their
 * generation numbers. Runs without them (steady-state optimizers) use blocks
 * of consecutive evaluations instead, `size` evaluations each.
 */
export interface Grouping {
  kind: 'generation' | 'block'
  /** Evaluations per block, or null for generations. */
  size: number | null
  /** The axis title. */
  title: string
  /** The group of a candidate: its generation, or its block counted from 0. */
  of(candidate: CandidateRecord): number
}

/** Blocks used when the configuration gives no population size. */
const DEFAULT_BLOCKS = 10

/** Chooses generations when every candidate has one, else blocks of evaluations. */
export function groupingOf(run: RunData): Grouping {
  const generational = run.candidates.every(
    (candidate) => candidate.generation !== null,
  )
  if (generational) {
    return {
      kind: 'generation',
      size: null,
      title: 'Generation',
      of: (candidate) => candidate.generation ?? 0,
    }
  }

  const size =
    populationOf(run) ??
    Math.max(1, Math.ceil(run.candidates.length / DEFAULT_BLOCKS))
  return {
    kind: 'block',
    size,
    title: `Block of ${size} evaluations`,
    of: (candidate) => Math.floor((candidate.evaluation - 1) / size),
  }
}

/** Reads `config.optimizer.options.population` when it is a positive integer. */
function populationOf(run: RunData): number | null {
  const optimizer = run.config?.optimizer
  if (optimizer === null || typeof optimizer !== 'object') return null
  if (Array.isArray(optimizer)) return null
  const options = optimizer.options
  if (options === null || typeof options !== 'object') return null
  if (Array.isArray(options)) return null
  const population = options.population
  return typeof population === 'number' &&
    Number.isSafeInteger(population) &&
    population > 0
    ? population
    : null
}

/** Candidates by group, in ascending group order. */
export function groupCandidates(
  run: RunData,
  grouping: Grouping,
): Map<number, CandidateRecord[]> {
  const groups = new Map<number, CandidateRecord[]>()
  const sorted = [...run.candidates].sort(
    (a, b) => grouping.of(a) - grouping.of(b),
  )
  for (const candidate of sorted) {
    const key = grouping.of(candidate)
    const members = groups.get(key) ?? []
    members.push(candidate)
    groups.set(key, members)
  }
  return groups
}

/** Returns the best `ok` accuracy up to and including each candidate, null before the first. */
export function bestSoFar(candidates: CandidateRecord[]): (number | null)[] {
  let best: number | null = null
  return candidates.map((candidate) => {
    const { accuracy } = candidate
    if (accuracy !== null && (best === null || accuracy > best)) {
      best = accuracy
    }
    return best
  })
}

/** Returns the best accuracy a run had reached at `seconds`, or null before its first `ok` result. */
export function bestAt(
  candidates: CandidateRecord[],
  best: (number | null)[],
  seconds: number,
): number | null {
  let value: number | null = null
  for (const [index, candidate] of candidates.entries()) {
    if (candidate.elapsed > seconds) break
    value = best[index] ?? null
  }
  return value
}

/** Counts candidates by status. */
export function statusCounts(candidates: CandidateRecord[]): {
  ok: number
  invalid: number
  failed: number
} {
  const counts = { ok: 0, invalid: 0, failed: 0 }
  for (const candidate of candidates) counts[candidate.status]++
  return counts
}

export function mean(values: number[]): number | null {
  if (values.length === 0) return null
  return values.reduce((sum, value) => sum + value, 0) / values.length
}

/** Rounds to `digits` decimals for the data files, keeping null. */
export function round(value: number | null, digits = 6): number | null {
  if (value === null) return null
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}
