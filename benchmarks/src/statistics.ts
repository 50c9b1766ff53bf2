/**
 * Descriptive statistics and the two-sided Mann–Whitney U test, written
 * here without a dependency and checked in the tests against SciPy 1.17
 * (`scipy.stats.mannwhitneyu`).
 */

/** Mean, sample standard deviation, minimum and maximum of a sample. */
export interface Description {
  n: number
  mean: number
  /** Sample standard deviation (n - 1 in the denominator); 0 when n is 1. */
  sd: number
  min: number
  max: number
}

/** The outcome of a two-sided Mann–Whitney U test. */
export interface MannWhitneyResult {
  /** U of the first sample: pairs where it is larger, plus half the ties. */
  u: number
  /** Two-sided p-value in [0, 1]. */
  p: number
  /** `exact`: the permutation distribution; `asymptotic`: the normal approximation. */
  method: 'exact' | 'asymptotic'
}

export type MannWhitneyMethod = 'auto' | 'exact' | 'asymptotic'

/**
 * Largest combined sample size for which `auto` computes the exact
 * distribution. The counting takes about n1 × n2 × (n1 + n2) steps, so 60
 * stays under a second.
 */
export const EXACT_LIMIT = 60

/**
 * Describes a sample.
 *
 * @throws RangeError when the sample is empty.
 */
export function describe(values: readonly number[]): Description {
  if (values.length === 0) throw new RangeError('describe: the sample is empty')
  const n = values.length
  const mean = values.reduce((sum, value) => sum + value, 0) / n
  const squares = values.reduce((sum, value) => sum + (value - mean) ** 2, 0)
  return {
    n,
    mean,
    sd: n > 1 ? Math.sqrt(squares / (n - 1)) : 0,
    min: Math.min(...values),
    max: Math.max(...values),
  }
}

/**
 * Runs the two-sided Mann–Whitney U test of `x` against `y`.
 *
 * `exact` counts every way to split the pooled midranks into samples of
 * these sizes, so it stays exact with ties. The p-value is the probability
 * that U lies at least as far from its mean n1 n2 / 2 as the observed U.
 * Without ties this equals SciPy's `method='exact'`. `asymptotic` is the
 * normal approximation with the tie correction of the variance and a
 * continuity correction of 0.5, as SciPy's `method='asymptotic'`. `auto`
 * (the default) is exact up to `EXACT_LIMIT` values in all.
 *
 * @throws RangeError when a sample is empty or contains a value that is not finite.
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  method: MannWhitneyMethod = 'auto',
): MannWhitneyResult {
  checkSample('x', x)
  checkSample('y', y)

  const ranks = midranks([...x, ...y])
  const rankSumX = ranks.slice(0, x.length).reduce((sum, r) => sum + r, 0)
  const u = rankSumX - (x.length * (x.length + 1)) / 2
  const useExact =
    method === 'exact' ||
    (method === 'auto' && x.length + y.length <= EXACT_LIMIT)

  if (useExact) {
    return { u, p: exactPValue(ranks, x.length, u), method: 'exact' }
  }
  return { u, p: asymptoticPValue(ranks, x.length, u), method: 'asymptotic' }
}

function checkSample(name: string, values: readonly number[]): void {
  if (values.length === 0) {
    throw new RangeError(`mannWhitneyU: ${name} is empty`)
  }
  if (!values.every(Number.isFinite)) {
    throw new RangeError(
      `mannWhitneyU: ${name} contains a value that is not finite (NaN or infinite)`,
    )
  }
}

/** Ranks from 1, where tied values share the mean of their ranks. */
export function midranks(values: readonly number[]): number[] {
  const order = values
    .map((value, index) => ({ value, index }))
    .sort((a, b) => a.value - b.value)
  const ranks = new Array<number>(values.length).fill(0)

  let start = 0
  while (start < order.length) {
    let end = start
    while (
      end + 1 < order.length &&
      order[end + 1]?.value === order[start]?.value
    ) {
      end++
    }
    const rank = (start + end) / 2 + 1
    for (let k = start; k <= end; k++) ranks[order[k]?.index ?? 0] = rank
    start = end + 1
  }
  return ranks
}

/**
 * Counts, for every subset of `n1` of the pooled ranks, its rank sum, and
 * returns the share of subsets whose U is at least as far from the mean as
 * the observed one. Ranks are doubled so that midranks are integers.
 */
function exactPValue(ranks: number[], n1: number, u: number): number {
  const doubled = ranks.map((rank) => Math.round(rank * 2))
  const maxSum = doubled.reduce((sum, rank) => sum + rank, 0)

  // counts[k][s]: subsets of size k of the ranks seen so far with doubled sum s.
  const counts = Array.from(
    { length: n1 + 1 },
    () => new Float64Array(maxSum + 1),
  )
  ;(counts[0] as Float64Array)[0] = 1
  for (const rank of doubled) {
    for (let k = n1; k >= 1; k--) {
      const row = counts[k] as Float64Array
      const previous = counts[k - 1] as Float64Array
      for (let s = maxSum; s >= rank; s--) {
        row[s] = (row[s] ?? 0) + (previous[s - rank] ?? 0)
      }
    }
  }

  const n2 = ranks.length - n1
  const meanU = (n1 * n2) / 2
  const distance = Math.abs(u - meanU)
  const offset = n1 * (n1 + 1)
  const row = counts[n1] as Float64Array
  let total = 0
  let extreme = 0
  for (let s = 0; s <= maxSum; s++) {
    const count = row[s] ?? 0
    if (count === 0) continue
    total += count
    const uOfSum = (s - offset) / 2
    // A small tolerance keeps the observed U itself among the extremes.
    if (Math.abs(uOfSum - meanU) >= distance - 1e-9) extreme += count
  }
  return Math.min(1, extreme / total)
}

function asymptoticPValue(ranks: number[], n1: number, u: number): number {
  const n = ranks.length
  const n2 = n - n1
  const meanU = (n1 * n2) / 2

  const tieCounts = new Map<number, number>()
  for (const rank of ranks) tieCounts.set(rank, (tieCounts.get(rank) ?? 0) + 1)
  let tieTerm = 0
  for (const t of tieCounts.values()) tieTerm += t ** 3 - t

  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)))
  if (variance <= 0) return 1
  const z = (Math.abs(u - meanU) - 0.5) / Math.sqrt(variance)
  return Math.min(1, 2 * normalUpperTail(Math.max(0, z)))
}

/** P(Z > z) of the standard normal distribution. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2)
}

/**
 * The complementary error function, from the Chebyshev fit of Numerical
 * Recipes (3rd edition, section 6.2.2), with a relative error below 1.2e-7.
 */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x))
  const polynomial =
    -x * x -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t *
                          (-1.13520398 +
                            t *
                              (1.48851587 +
                                t * (-0.82215223 + t * 0.17087277))))))))
  const value = t * Math.exp(polynomial)
  return x >= 0 ? value : 2 - value
}
