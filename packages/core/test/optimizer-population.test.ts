import { describe, expect, it } from 'vitest'
import {
  loadPopulation,
  type Member,
  savePopulation,
} from '../src/optimizer/index.js'

const members: Member[] = [
  { id: 'c0', genotype: [1, 2], parents: [], fitness: 0.5 },
  { id: 'c1', genotype: [3, 4], parents: ['c0'], fitness: 0.75 },
]
const pending = [{ id: 'c2', genotype: [5, 6], parents: ['c1'] }]

describe('savePopulation', () => {
  it('saves members with fitness and pending individuals without', () => {
    const saved = savePopulation(members, pending)

    expect(saved.population.map((member) => member.fitness)).toEqual([
      0.5, 0.75,
    ])
    expect(saved.pending).toEqual([{ ...pending[0], fitness: null }])
  })

  it('copies genotypes instead of sharing them', () => {
    const saved = savePopulation(members, pending)
    saved.population[0]!.genotype[0] = 99
    saved.pending[0]!.parents.push('x')

    expect(members[0]!.genotype).toEqual([1, 2])
    expect(pending[0]!.parents).toEqual(['c1'])
  })
})

describe('loadPopulation', () => {
  it('round-trips through JSON', () => {
    const saved = JSON.parse(JSON.stringify(savePopulation(members, pending)))
    const loaded = loadPopulation(saved)

    expect(loaded.population).toEqual(members)
    expect([...loaded.pending.keys()]).toEqual(['c2'])
    expect(loaded.pending.get('c2')).toEqual(pending[0])
  })

  it('copies genotypes out of the saved state', () => {
    const saved = savePopulation(members, pending)
    const loaded = loadPopulation(saved)
    saved.population[1]!.genotype[1] = 0

    expect(loaded.population[1]!.genotype).toEqual([3, 4])
  })
})
