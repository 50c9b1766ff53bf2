import { describe, expect, it } from 'vitest'
import { GenotypeIndex, insertSorted, nthFree } from '../src/genotype-index.js'
import { SMALL_GENES } from './helpers.js'

describe('GenotypeIndex', () => {
  it('counts the genotypes of the space', () => {
    expect(new GenotypeIndex(SMALL_GENES).size).toBe(12)
  })

  it('numbers every genotype once', () => {
    const index = new GenotypeIndex(SMALL_GENES)
    const genotypes = Array.from({ length: 12 }, (_, i) => index.genotypeAt(i))

    expect(new Set(genotypes.map((genotype) => genotype.join())).size).toBe(12)
    genotypes.forEach((genotype, i) => {
      expect(index.indexOf(genotype)).toBe(i)
    })
  })

  it('varies the last gene fastest', () => {
    const index = new GenotypeIndex(SMALL_GENES)

    expect(index.genotypeAt(0)).toEqual([1, 4, 3])
    expect(index.genotypeAt(1)).toEqual([1, 4, 4])
    expect(index.genotypeAt(11)).toEqual([2, 6, 4])
  })
})

describe('nthFree', () => {
  it.each([
    [0, [], 0],
    [0, [0, 1], 2],
    [1, [0, 2], 3],
    [2, [2], 3],
    [1, [2], 1],
    [3, [1, 3, 4], 6],
  ])('finds free number %i among taken %j', (rank, taken, expected) => {
    expect(nthFree(rank, taken)).toBe(expected)
  })
})

describe('insertSorted', () => {
  it('keeps the array sorted', () => {
    const sorted: number[] = []
    for (const value of [5, 1, 9, 3, 7, 0]) insertSorted(sorted, value)

    expect(sorted).toEqual([0, 1, 3, 5, 7, 9])
  })
})
