import { createRandom } from '@nord/core'
import { describe, expect, it } from 'vitest'
import { selectByRoulette, selectByTournament } from '../src/selection.js'

const DRAWS = 20_000

function countSelections(select: () => number, size: number): number[] {
  const counts = new Array<number>(size).fill(0)
  for (let draw = 0; draw < DRAWS; draw++) counts[select()]!++
  return counts
}

/**
 * Returns the largest deviation from the expected count that a test allows:
 * five standard deviations of a binomial with `DRAWS` trials and probability
 * `p`, plus one draw so that p = 0 and p = 1 demand exact counts.
 */
function tolerance(p: number): number {
  return 5 * Math.sqrt(DRAWS * p * (1 - p)) + 1
}

describe('selectByTournament', () => {
  it('always picks the fitter of two when both are drawn', () => {
    const random = createRandom(5)
    const counts = countSelections(
      () => selectByTournament([0.2, 0.9], 2, random),
      2,
    )

    expect(counts).toEqual([0, DRAWS])
  })

  it('picks ranks with the binomial frequencies of size 2', () => {
    // Five individuals, fittest at index 2. Drawing two distinct ones, the
    // individual of rank r (1 = fittest) wins when the other one is less
    // fit: p(r) = (5 - r) / C(5, 2) = [0.4, 0.3, 0.2, 0.1, 0].
    const fitness = [0.5, 0.1, 0.9, 0.3, 0.7]
    const expected = [0.2, 0, 0.4, 0.1, 0.3]
    const random = createRandom(11)

    const counts = countSelections(
      () => selectByTournament(fitness, 2, random),
      fitness.length,
    )

    for (let index = 0; index < fitness.length; index++) {
      const p = expected[index]!
      const deviation = Math.abs(counts[index]! - DRAWS * p)
      expect(deviation, `index ${index}`).toBeLessThanOrEqual(tolerance(p))
    }
  })

  it('picks the fittest always when the whole population competes', () => {
    const random = createRandom(2)
    const counts = countSelections(
      () => selectByTournament([3, 1, 4, 1, 5], 5, random),
      5,
    )

    expect(counts[4]).toBe(DRAWS)
  })

  it('picks uniformly with a tournament of one', () => {
    const random = createRandom(8)
    const counts = countSelections(
      () => selectByTournament([1, 2, 3, 4], 1, random),
      4,
    )

    for (const count of counts) {
      expect(Math.abs(count - DRAWS / 4)).toBeLessThanOrEqual(tolerance(0.25))
    }
  })
})

describe('selectByRoulette', () => {
  it('picks in proportion to fitness', () => {
    const fitness = [1, 2, 3, 4]
    const random = createRandom(21)

    const counts = countSelections(() => selectByRoulette(fitness, random), 4)

    for (let index = 0; index < fitness.length; index++) {
      const p = fitness[index]! / 10
      const deviation = Math.abs(counts[index]! - DRAWS * p)
      expect(deviation, `index ${index}`).toBeLessThanOrEqual(tolerance(p))
    }
  })

  it('picks uniformly when every fitness is zero', () => {
    const random = createRandom(4)

    const counts = countSelections(() => selectByRoulette([0, 0, 0], random), 3)

    for (const count of counts) {
      expect(Math.abs(count - DRAWS / 3)).toBeLessThanOrEqual(tolerance(1 / 3))
    }
  })

  it('never picks a zero fitness when another is positive', () => {
    const random = createRandom(9)

    const counts = countSelections(() => selectByRoulette([0, 1, 0], random), 3)

    expect(counts).toEqual([0, DRAWS, 0])
  })

  it('shifts negative fitness so the lowest weighs nothing', () => {
    const fitness = [-1, 0, 1]
    const random = createRandom(13)

    const counts = countSelections(() => selectByRoulette(fitness, random), 3)

    expect(counts[0]).toBe(0)
    expect(Math.abs(counts[1]! - DRAWS / 3)).toBeLessThanOrEqual(
      tolerance(1 / 3),
    )
    expect(Math.abs(counts[2]! - (DRAWS * 2) / 3)).toBeLessThanOrEqual(
      tolerance(2 / 3),
    )
  })
})
