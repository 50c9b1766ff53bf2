import { createRandom, type IntegerGene } from '@nord/core'
import { describe, expect, it } from 'vitest'
import { mutateOneGene } from '../src/variation.js'

const GENES: IntegerGene[] = [
  { name: 'a', min: 0, max: 3 },
  { name: 'fixed', min: 5, max: 5 },
  { name: 'b', min: -1, max: 1 },
]

describe('mutateOneGene', () => {
  it('changes exactly one gene within its bounds', () => {
    const random = createRandom(1)
    for (let trial = 0; trial < 500; trial++) {
      const parent = [random.int(0, 3), 5, random.int(-1, 1)]
      const child = mutateOneGene(parent, GENES, random)
      const changed = child.filter((value, index) => value !== parent[index])

      expect(changed).toHaveLength(1)
      expect(child[0]).toBeGreaterThanOrEqual(0)
      expect(child[0]).toBeLessThanOrEqual(3)
      expect(child[2]).toBeGreaterThanOrEqual(-1)
      expect(child[2]).toBeLessThanOrEqual(1)
    }
  })

  it('never changes a gene with one value', () => {
    const random = createRandom(2)
    for (let trial = 0; trial < 200; trial++) {
      expect(mutateOneGene([1, 5, 0], GENES, random)[1]).toBe(5)
    }
  })

  it('draws the other values of a gene about equally often', () => {
    const random = createRandom(3)
    const genes = [{ name: 'only', min: 0, max: 3 }]
    const counts = [0, 0, 0, 0]
    for (let trial = 0; trial < 3000; trial++) {
      counts[mutateOneGene([2], genes, random)[0]!]!++
    }

    expect(counts[2]).toBe(0)
    for (const value of [0, 1, 3]) {
      expect(counts[value]).toBeGreaterThan(850)
      expect(counts[value]).toBeLessThan(1150)
    }
  })

  it('returns an unchanged copy when no gene can change', () => {
    const genes = [{ name: 'fixed', min: 4, max: 4 }]
    const parent = [4]
    const child = mutateOneGene(parent, genes, createRandom(4))

    expect(child).toEqual([4])
    expect(child).not.toBe(parent)
  })
})
