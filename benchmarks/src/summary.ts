/** Per-method statistics and pairwise tests over the runs of a suite. */
import { METHODS, type MethodId } from './methods.js'
import type { RunResult } from './run-one.js'
import { type Description, describe, mannWhitneyU } from './statistics.js'

/** The p-value below which the report calls one method better. */
export const SIGNIFICANCE_LEVEL = 0.05

/** One method over its seeds: one row of `summary.csv`. */
export interface MethodSummary {
  method: MethodId
  label: string
  runs: number
  /**
   * Best test accuracy per run over the seeds. A run in which no candidate
   * trained counts as 0, so a method is not rewarded for failing.
   */
  bestAccuracy: Description
  /** Runs in which no candidate trained. */
  runsWithoutOk: number
  /** The search's wall-clock seconds per run. */
  seconds: Description
  /** Mean candidates evaluated per run, cache hits included. */
  evaluations: number
  /** Invalid candidates (networks that cannot be built) over all runs. */
  invalid: number
  /** Failed evaluations over all runs. */
  failed: number
}

/** A two-sided Mann–Whitney U test of two methods' best accuracies. */
export interface Comparison {
  a: MethodId
  b: MethodId
  /** Mean best accuracy of `a` minus that of `b`. */
  meanDifference: number
  /** U of `a`. */
  u: number
  p: number
  test: 'mann-whitney-u exact' | 'mann-whitney-u asymptotic'
  /** `a` or `b` when p < 0.05 (the one with the higher mean), else null. */
  better: MethodId | null
  /** One sentence for the report. */
  verdict: string
}

/** Returns the best accuracy of a run for the statistics: 0 when none trained. */
export function scoredAccuracy(run: RunResult): number {
  return run.bestAccuracy ?? 0
}

/** Summarises each method's runs, in the order of `methods`. */
export function summarizeMethods(
  methods: MethodId[],
  runs: RunResult[],
): MethodSummary[] {
  return methods
    .map((method) => ({
      method,
      own: runs.filter((run) => run.method === method),
    }))
    .filter(({ own }) => own.length > 0)
    .map(({ method, own }) => ({
      method,
      label: METHODS[method].label,
      runs: own.length,
      bestAccuracy: describe(own.map(scoredAccuracy)),
      runsWithoutOk: own.filter((run) => run.bestAccuracy === null).length,
      seconds: describe(own.map((run) => run.seconds)),
      evaluations:
        own.reduce((sum, run) => sum + run.evaluations, 0) / own.length,
      invalid: own.reduce((sum, run) => sum + run.invalid, 0),
      failed: own.reduce((sum, run) => sum + run.failed, 0),
    }))
}

/** Tests every pair of methods, each pair once in the order of `methods`. */
export function compareMethods(
  methods: MethodId[],
  runs: RunResult[],
): Comparison[] {
  const samples = new Map<MethodId, number[]>()
  for (const method of methods) {
    const values = runs
      .filter((run) => run.method === method)
      .map(scoredAccuracy)
    if (values.length > 0) samples.set(method, values)
  }

  const present = methods.filter((method) => samples.has(method))
  const comparisons: Comparison[] = []
  for (const [index, a] of present.entries()) {
    for (const b of present.slice(index + 1)) {
      comparisons.push(
        compare(a, b, samples.get(a) ?? [], samples.get(b) ?? []),
      )
    }
  }
  return comparisons
}

function compare(
  a: MethodId,
  b: MethodId,
  x: number[],
  y: number[],
): Comparison {
  const result = mannWhitneyU(x, y)
  const meanDifference = describe(x).mean - describe(y).mean
  const significant = result.p < SIGNIFICANCE_LEVEL && meanDifference !== 0
  let better: MethodId | null = null
  if (significant) better = meanDifference > 0 ? a : b
  return {
    a,
    b,
    meanDifference,
    u: result.u,
    p: result.p,
    test: `mann-whitney-u ${result.method}`,
    better,
    verdict: verdictOf(a, b, better, result.p),
  }
}

function verdictOf(
  a: MethodId,
  b: MethodId,
  better: MethodId | null,
  p: number,
): string {
  const pText = `p = ${p.toPrecision(3)}`
  if (better === null) {
    return `${METHODS[a].label} vs ${METHODS[b].label}: the difference is not significant (${pText})`
  }
  const worse = better === a ? b : a
  return `${METHODS[better].label} finds better networks than ${METHODS[worse].label} (${pText} < ${SIGNIFICANCE_LEVEL})`
}
