import { createRandom, type IntegerGene } from '@nord/core'
import { describe, expect, it } from 'vitest'
import {
  crossSinglePoint,
  crossUniform,
  mutateCreep,
  mutateUniform,
  sampleGenotype,
} from '../src/variation.js'

const LENGTH = 9
const FIRST = Array.from({ length: LENGTH }, (_, index) => index)
const SECOND = Array.from({ length: LENGTH }, (_, index) => 100 + index)
const WIDE: IntegerGene[] = Array.from({ length: LENGTH }, (_, index) => ({
  name: `gene${index}`,
  min: 0,
  max: 99,
}))

describe('crossSinglePoint', () => {
  it('returns a prefix of one parent and the suffix of the other', () => {
    const random = createRandom(1)
    for (let trial = 0; trial < 200; trial++) {
      const [one, two] = crossSinglePoint(FIRST, SECOND, random)

      const cut = one.findIndex((gene, index) => gene !== FIRST[index])
      expect(cut).toBeGreaterThanOrEqual(1)
      expect(one).toEqual([...FIRST.slice(0, cut), ...SECOND.slice(cut)])
      expect(two).toEqual([...SECOND.slice(0, cut), ...FIRST.slice(cut)])
    }
  })

  it('cuts at every inner point over many trials', () => {
    const random = createRandom(2)
    const cuts = new Set<number>()
    for (let trial = 0; trial < 500; trial++) {
      const [one] = crossSinglePoint(FIRST, SECOND, random)
      cuts.add(one.findIndex((gene, index) => gene !== FIRST[index]))
    }

    expect([...cuts].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('copies genotypes of a single gene', () => {
    const [one, two] = crossSinglePoint([4], [7], createRandom(3))

    expect(one).toEqual([4])
    expect(two).toEqual([7])
  })

  it('leaves the parents untouched', () => {
    const first = FIRST.slice()
    const [one] = crossSinglePoint(first, SECOND, createRandom(4))
    one[0] = -5

    expect(first).toEqual(FIRST)
  })
})

describe('crossUniform', () => {
  it('takes each gene from one parent and gives the sibling the other', () => {
    const random = createRandom(5)
    for (let trial = 0; trial < 200; trial++) {
      const [one, two] = crossUniform(FIRST, SECOND, random)

      for (let index = 0; index < LENGTH; index++) {
        const pair = [one[index], two[index]].sort((a, b) => a! - b!)
        expect(pair).toEqual([FIRST[index], SECOND[index]])
      }
    }
  })

  it('swaps about half of the genes', () => {
    const random = createRandom(6)
    let swapped = 0
    const trials = 2000
    for (let trial = 0; trial < trials; trial++) {
      const [one] = crossUniform(FIRST, SECOND, random)
      swapped += one.filter((gene, index) => gene !== FIRST[index]).length
    }

    const genes = trials * LENGTH
    const sd = Math.sqrt(genes * 0.25)
    expect(Math.abs(swapped - genes / 2)).toBeLessThanOrEqual(5 * sd)
  })
})

describe('mutateUniform', () => {
  it('leaves genes unchanged at rate 0', () => {
    const random = createRandom(7)
    for (let trial = 0; trial < 100; trial++) {
      expect(mutateUniform(FIRST, WIDE, 0, random)).toEqual(FIRST)
    }
  })

  it('changes most genes at rate 1', () => {
    // A resample can draw the old value again, with probability 1/100 here.
    const random = createRandom(8)
    let changed = 0
    const trials = 200
    for (let trial = 0; trial < trials; trial++) {
      const mutated = mutateUniform(FIRST, WIDE, 1, random)
      changed += mutated.filter((gene, index) => gene !== FIRST[index]).length
    }

    expect(changed / (trials * LENGTH)).toBeGreaterThan(0.95)
  })

  it('mutates each gene with the given probability', () => {
    const random = createRandom(9)
    const genes = Array.from({ length: 1000 }, (_, index) => ({
      name: `gene${index}`,
      min: 0,
      max: 1_000_000,
    }))
    const genotype = genes.map(() => 0)

    const mutated = mutateUniform(genotype, genes, 0.2, random)
    const changed = mutated.filter((gene) => gene !== 0).length

    const sd = Math.sqrt(1000 * 0.2 * 0.8)
    expect(Math.abs(changed - 200)).toBeLessThanOrEqual(5 * sd)
  })

  it('returns a new array', () => {
    const genotype = FIRST.slice()
    const mutated = mutateUniform(genotype, WIDE, 0, createRandom(10))

    expect(mutated).not.toBe(genotype)
  })
})

describe('mutateCreep', () => {
  it('moves genes by at most the step and within bounds', () => {
    const genes = [
      { name: 'low', min: 0, max: 10 },
      { name: 'mid', min: 0, max: 10 },
      { name: 'high', min: 0, max: 10 },
    ]
    const genotype = [0, 5, 10]
    const random = createRandom(11)

    for (let trial = 0; trial < 500; trial++) {
      const mutated = mutateCreep(genotype, genes, 1, 3, random)
      for (let index = 0; index < genotype.length; index++) {
        const gene = mutated[index]!
        expect(Math.abs(gene - genotype[index]!)).toBeLessThanOrEqual(3)
        expect(gene).toBeGreaterThanOrEqual(0)
        expect(gene).toBeLessThanOrEqual(10)
      }
    }
  })

  it('always moves a gene inside its bounds at rate 1', () => {
    const genes = [{ name: 'mid', min: 0, max: 10 }]
    const random = createRandom(12)

    for (let trial = 0; trial < 200; trial++) {
      expect(mutateCreep([5], genes, 1, 2, random)[0]).not.toBe(5)
    }
  })

  it('reaches both directions and every distance', () => {
    const genes = [{ name: 'mid', min: 0, max: 10 }]
    const random = createRandom(13)
    const seen = new Set<number>()
    for (let trial = 0; trial < 500; trial++) {
      seen.add(mutateCreep([5], genes, 1, 2, random)[0]!)
    }

    expect([...seen].sort((a, b) => a - b)).toEqual([3, 4, 6, 7])
  })

  it('leaves genes unchanged at rate 0', () => {
    expect(mutateCreep(FIRST, WIDE, 0, 5, createRandom(14))).toEqual(FIRST)
  })
})

describe('sampleGenotype', () => {
  it('draws every gene within its bounds', () => {
    const genes = [
      { name: 'negative', min: -5, max: -1 },
      { name: 'fixed', min: 7, max: 7 },
      { name: 'wide', min: 0, max: 1000 },
    ]
    const random = createRandom(15)

    for (let trial = 0; trial < 500; trial++) {
      const [negative, fixed, wide] = sampleGenotype(genes, random)
      expect(negative).toBeGreaterThanOrEqual(-5)
      expect(negative).toBeLessThanOrEqual(-1)
      expect(fixed).toBe(7)
      expect(wide).toBeGreaterThanOrEqual(0)
      expect(wide).toBeLessThanOrEqual(1000)
    }
  })
})
