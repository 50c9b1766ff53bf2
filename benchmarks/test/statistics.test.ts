import { expect, describe as group, it } from 'vitest'
import {
  describe,
  mannWhitneyU,
  midranks,
  normalUpperTail,
} from '../src/statistics.js'

// Reference values from SciPy 1.17.1:
// scipy.stats.mannwhitneyu(x, y, alternative='two-sided', method=...).
const EXACT_CASES = [
  { x: [1, 2, 3], y: [4, 5, 6], u: 0, p: 0.1 },
  { x: [1, 2, 3, 4, 5], y: [6, 7, 8, 9, 10], u: 0, p: 0.007936507936507936 },
  {
    x: [0.81, 0.83, 0.79, 0.85],
    y: [0.8, 0.78, 0.77, 0.82],
    u: 13,
    p: 0.2,
  },
  {
    x: [3.1, 4.2, 5.3, 1.0, 2.2, 6.7],
    y: [7.5, 8.1, 2.5, 9.9, 6.1],
    u: 5,
    p: 0.08225108225108226,
  },
  {
    x: [0.5, 0.6, 0.7],
    y: [0.1, 0.2, 0.3, 0.4],
    u: 12,
    p: 0.05714285714285714,
  },
]

/** Computes the p-value by visiting every split of the pooled values into samples of the original sizes. */
function bruteForcePValue(x: number[], y: number[]): number {
  const pooled = [...x, ...y]
  const ranks = midranks(pooled)
  const n1 = x.length
  const meanU = (n1 * y.length) / 2
  const observed = Math.abs(
    ranks.slice(0, n1).reduce((sum, r) => sum + r, 0) -
      (n1 * (n1 + 1)) / 2 -
      meanU,
  )
  let total = 0
  let extreme = 0
  const visit = (start: number, chosen: number[]) => {
    if (chosen.length === n1) {
      const sum = chosen.reduce((acc, index) => acc + (ranks[index] ?? 0), 0)
      const u = sum - (n1 * (n1 + 1)) / 2
      total++
      if (Math.abs(u - meanU) >= observed - 1e-9) extreme++
      return
    }
    for (let index = start; index < pooled.length; index++) {
      visit(index + 1, [...chosen, index])
    }
  }
  visit(0, [])
  return extreme / total
}

group('describe', () => {
  it('computes mean and sample sd', () => {
    const result = describe([2, 4, 4, 4, 5, 5, 7, 9])
    expect(result.mean).toBe(5)
    expect(result.sd).toBeCloseTo(2.138089935299395, 12)
    expect(result.min).toBe(2)
    expect(result.max).toBe(9)
    expect(result.n).toBe(8)
  })

  it('gives sd 0 for one value', () => {
    expect(describe([0.7]).sd).toBe(0)
  })

  it('rejects an empty sample', () => {
    expect(() => describe([])).toThrow(RangeError)
  })
})

group('midranks', () => {
  it('shares ranks among ties', () => {
    expect(midranks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4])
  })

  it('keeps the input order', () => {
    expect(midranks([3, 1, 2])).toEqual([3, 1, 2])
  })
})

group('mannWhitneyU', () => {
  for (const { x, y, u, p } of EXACT_CASES) {
    it(`matches SciPy exact for ${x.length} vs ${y.length} values, U ${u}`, () => {
      const result = mannWhitneyU(x, y)
      expect(result.method).toBe('exact')
      expect(result.u).toBe(u)
      expect(result.p).toBeCloseTo(p, 12)
    })
  }

  it('is symmetric in its samples', () => {
    const { x, y } = EXACT_CASES[3] as (typeof EXACT_CASES)[number]
    const forward = mannWhitneyU(x, y)
    const backward = mannWhitneyU(y, x)
    expect(backward.p).toBeCloseTo(forward.p, 12)
    expect(backward.u).toBe(x.length * y.length - forward.u)
  })

  it('matches SciPy asymptotic on 25 vs 30 values', () => {
    const x = [
      0.807, 0.816, 0.807, 0.774, 0.818, 0.809, 0.789, 0.812, 0.807, 0.806,
      0.801, 0.811, 0.785, 0.797, 0.79, 0.812, 0.801, 0.794, 0.784, 0.795, 0.8,
      0.794, 0.826, 0.82, 0.746,
    ]
    const y = [
      0.772, 0.807, 0.802, 0.814, 0.814, 0.852, 0.788, 0.802, 0.851, 0.823,
      0.823, 0.8, 0.777, 0.813, 0.812, 0.785, 0.796, 0.809, 0.791, 0.808, 0.812,
      0.811, 0.8, 0.822, 0.828, 0.816, 0.794, 0.825, 0.8, 0.828,
    ]
    const result = mannWhitneyU(x, y, 'asymptotic')
    expect(result.u).toBe(271)
    expect(result.p).toBeCloseTo(0.07997557649532988, 6)
  })

  it('matches SciPy asymptotic with ties', () => {
    const result = mannWhitneyU(
      [1, 2, 2, 3, 3, 3, 4],
      [3, 4, 4, 5, 5, 6],
      'asymptotic',
    )
    expect(result.u).toBe(3.5)
    expect(result.p).toBeCloseTo(0.012999854364387305, 6)
  })

  it('stays exact with ties', () => {
    const x = [0.5, 0.5, 0.7, 0.8]
    const y = [0.5, 0.6, 0.6, 0.9, 0.4]
    const result = mannWhitneyU(x, y)
    expect(result.method).toBe('exact')
    expect(result.p).toBeCloseTo(bruteForcePValue(x, y), 12)
  })

  it('gives p 1 for equal samples', () => {
    expect(mannWhitneyU([0.8, 0.8], [0.8, 0.8]).p).toBe(1)
  })

  it('switches to asymptotic above 60 values', () => {
    const x = Array.from({ length: 31 }, (_, i) => i)
    const y = Array.from({ length: 30 }, (_, i) => i + 0.5)
    expect(mannWhitneyU(x, y).method).toBe('asymptotic')
  })

  it('rejects an empty sample', () => {
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError)
  })

  it('rejects a value that is not finite', () => {
    expect(() => mannWhitneyU([1, Number.NaN], [2])).toThrow(/not finite/)
  })
})

group('normalUpperTail', () => {
  it('matches the standard normal', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7)
    expect(normalUpperTail(1.959963984540054)).toBeCloseTo(0.025, 7)
    expect(normalUpperTail(-1)).toBeCloseTo(0.8413447460685429, 7)
  })
})
