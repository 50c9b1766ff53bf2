import { isNordError } from '@nord/core'
import { describe, expect, it } from 'vitest'
import packageJson from '../package.json' with { type: 'json' }
import {
  createOptimizer,
  GENES,
  normalizedSum,
  resultOf,
  runGeneration,
} from './helpers.js'

function codeOf(action: () => unknown): string | undefined {
  try {
    action()
  } catch (error) {
    return isNordError(error) ? error.code : `not a NordError: ${error}`
  }
  return undefined
}

describe('createGeneticOptimizer', () => {
  it('names itself and reports the package version', () => {
    const optimizer = createOptimizer()

    expect(optimizer.name).toBe('nord:optimizer-ga')
    expect(optimizer.version).toBe(packageJson.version)
    expect(optimizer.mode).toBe('generational')
  })

  it('applies the defaults of the NORD paper', () => {
    const { options } = createOptimizer()

    expect(options.population).toBe(10)
    expect(options.generations).toBe(10)
    expect(options.crossoverRate).toBe(0.9)
    expect(options.mutationRate).toBe(0.2)
    expect(options.selection).toBe('tournament')
    expect(options.tournamentSize).toBe(2)
    expect(options.crossover).toBe('single-point')
    expect(options.elitism).toBe(0)
    expect(options.mutation).toBe('uniform')
  })

  it('keeps its own copy of the genes', () => {
    const genes = [{ name: 'width', min: 0, max: 3 }]
    const optimizer = createOptimizer({}, 1, genes)
    genes[0]!.max = 1000

    const values = optimizer.ask().map((candidate) => candidate.genotype[0]!)

    expect(Math.max(...values)).toBeLessThanOrEqual(3)
  })
})

describe('ask', () => {
  it('returns a whole generation with ids and no parents', () => {
    const candidates = createOptimizer({ population: 4 }).ask()

    expect(candidates.map((candidate) => candidate.id)).toEqual([
      'g0-0',
      'g0-1',
      'g0-2',
      'g0-3',
    ])
    expect(candidates.every((candidate) => candidate.generation === 0)).toBe(
      true,
    )
    expect(
      candidates.every((candidate) => candidate.parents?.length === 0),
    ).toBe(true)
  })

  it('ignores the requested count', () => {
    const optimizer = createOptimizer({ population: 6 })

    expect(optimizer.ask(2)).toHaveLength(6)
  })

  it('returns the pending generation again before a tell', () => {
    const optimizer = createOptimizer()

    const first = optimizer.ask()
    const second = optimizer.ask()

    expect(second).toEqual(first)
    expect(second[0]).not.toBe(first[0])
  })

  it('numbers bred generations and names their parents', () => {
    const optimizer = createOptimizer({ population: 5 })
    const parentIds = runGeneration(optimizer).map((candidate) => candidate.id)

    const children = optimizer.ask()

    expect(children.map((candidate) => candidate.id)).toEqual([
      'g1-0',
      'g1-1',
      'g1-2',
      'g1-3',
      'g1-4',
    ])
    for (const child of children) {
      expect(child.generation).toBe(1)
      expect(child.parents!.length).toBeGreaterThan(0)
      expect(child.parents!.every((id) => parentIds.includes(id))).toBe(true)
    }
  })

  it('returns nothing once done', () => {
    const optimizer = createOptimizer({ generations: 2 })
    runGeneration(optimizer)
    runGeneration(optimizer)

    expect(optimizer.ask()).toEqual([])
  })
})

describe('tell', () => {
  it('accepts results in any order', () => {
    const optimizer = createOptimizer({ population: 6 })
    const candidates = optimizer.ask()

    const results = candidates.map((candidate, index) =>
      resultOf(candidate, index / 10),
    )
    optimizer.tell(results.reverse())

    const fitness = optimizer.state().population.map((saved) => saved.fitness)
    expect(fitness).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5])
  })

  it('completes a generation over several calls', () => {
    const optimizer = createOptimizer({ population: 4 })
    const candidates = optimizer.ask()

    optimizer.tell([resultOf(candidates[2]!, 1), resultOf(candidates[0]!, 1)])
    const afterFirstCall = optimizer.state().generation
    optimizer.tell([resultOf(candidates[3]!, 1), resultOf(candidates[1]!, 1)])

    expect(afterFirstCall).toBe(0)
    expect(optimizer.state().generation).toBe(1)
    expect(optimizer.state().pending).toBeNull()
  })

  it('keeps the generation pending until every result arrives', () => {
    const optimizer = createOptimizer({ population: 4 })
    const candidates = optimizer.ask()
    optimizer.tell([resultOf(candidates[1]!, 0.5)])

    expect(optimizer.ask()).toEqual(candidates)
  })

  it('rejects unknown candidate ids', () => {
    const optimizer = createOptimizer({ population: 3 })
    const candidate = optimizer.ask()[0]!
    const stranger = { ...candidate, id: 'g7-0' }

    expect(codeOf(() => optimizer.tell([resultOf(stranger, 1)]))).toBe(
      'NORD_ERR_UNKNOWN_CANDIDATE',
    )
  })

  it('rejects a tell before any ask', () => {
    const optimizer = createOptimizer()
    const candidate = { id: 'g0-0', genotype: [1] }

    expect(codeOf(() => optimizer.tell([resultOf(candidate, 1)]))).toBe(
      'NORD_ERR_UNKNOWN_CANDIDATE',
    )
  })

  it('rejects ids of a completed generation', () => {
    const optimizer = createOptimizer({ population: 3 })
    const old = runGeneration(optimizer)
    optimizer.ask()

    expect(codeOf(() => optimizer.tell([resultOf(old[0]!, 1)]))).toBe(
      'NORD_ERR_UNKNOWN_CANDIDATE',
    )
  })

  it('rejects a duplicate result', () => {
    const optimizer = createOptimizer({ population: 3 })
    const candidate = optimizer.ask()[0]!
    optimizer.tell([resultOf(candidate, 1)])

    expect(codeOf(() => optimizer.tell([resultOf(candidate, 1)]))).toBe(
      'NORD_ERR_DUPLICATE_RESULT',
    )
    expect(
      codeOf(() =>
        optimizer.tell([resultOf(candidate, 1), resultOf(candidate, 1)]),
      ),
    ).toBe('NORD_ERR_DUPLICATE_RESULT')
  })

  it('rejects a fitness that is not finite', () => {
    const optimizer = createOptimizer({ population: 3 })
    const candidate = optimizer.ask()[0]!

    expect(
      codeOf(() => optimizer.tell([resultOf(candidate, Number.NaN)])),
    ).toBe('NORD_ERR_INVALID_FITNESS')
    expect(
      codeOf(() =>
        optimizer.tell([resultOf(candidate, Number.POSITIVE_INFINITY)]),
      ),
    ).toBe('NORD_ERR_INVALID_FITNESS')
  })

  it('records nothing from a rejected call', () => {
    const optimizer = createOptimizer({ population: 3 })
    const [first, second] = optimizer.ask()
    const before = optimizer.state()

    codeOf(() =>
      optimizer.tell([resultOf(first!, 1), resultOf(second!, Number.NaN)]),
    )

    expect(optimizer.state()).toEqual(before)
  })

  it('names the pending generation in the error', () => {
    const optimizer = createOptimizer({ population: 3 })
    const candidate = optimizer.ask()[0]!

    expect(() =>
      optimizer.tell([resultOf({ ...candidate, id: 'x' }, 1)]),
    ).toThrow(/generation 0 \(g0-0 to g0-2\)/)
  })
})

describe('done', () => {
  it('turns true after the configured generations', () => {
    const optimizer = createOptimizer({ generations: 3 })
    const states: boolean[] = []
    for (let generation = 0; generation < 3; generation++) {
      states.push(optimizer.done())
      runGeneration(optimizer)
    }

    expect(states).toEqual([false, false, false])
    expect(optimizer.done()).toBe(true)
  })
})

describe('genotypes as values', () => {
  it('shares no array between candidates or with the state', () => {
    const optimizer = createOptimizer({ population: 8, elitism: 2 })
    runGeneration(optimizer)
    const candidates = optimizer.ask()
    const snapshot = structuredClone(candidates)
    const stateBefore = optimizer.state()

    candidates[0]!.genotype.fill(999)
    candidates[0]!.parents!.push('intruder')

    expect(candidates.slice(1)).toEqual(snapshot.slice(1))
    expect(optimizer.ask()).toEqual(snapshot)
    expect(optimizer.state()).toEqual(stateBefore)
  })

  it('gives every candidate its own array', () => {
    const optimizer = createOptimizer({ population: 12, crossoverRate: 0 })
    runGeneration(optimizer)
    const arrays = optimizer.ask().map((candidate) => candidate.genotype)

    expect(new Set(arrays).size).toBe(arrays.length)
  })

  it('ignores later changes to evaluated genotypes', () => {
    const optimizer = createOptimizer({ population: 4 })
    const candidates = optimizer.ask()
    const saved = optimizer.state().pending!.map((entry) => entry.genotype)

    const results = candidates.map((candidate) =>
      resultOf(candidate, normalizedSum(candidate.genotype)),
    )
    optimizer.tell(results)
    for (const candidate of candidates) candidate.genotype.fill(-1)

    const population = optimizer.state().population
    expect(population.map((entry) => entry.genotype)).toEqual(saved)
  })

  it('returns a copy of its state', () => {
    const optimizer = createOptimizer({ population: 4 })
    runGeneration(optimizer)
    const before = structuredClone(optimizer.state())

    optimizer.state().population[0]!.genotype[0] = 999

    expect(optimizer.state()).toEqual(before)
  })

  it('copies the state it restores', () => {
    const optimizer = createOptimizer({ population: 4 })
    runGeneration(optimizer)
    const saved = optimizer.state()
    const before = structuredClone(saved)

    optimizer.restore(saved)
    saved.population[0]!.genotype[0] = 999

    expect(optimizer.state()).toEqual(before)
  })
})

describe('elitism', () => {
  it('copies the best individuals unchanged to the front', () => {
    const optimizer = createOptimizer({
      population: 10,
      elitism: 3,
      mutationRate: 1,
    })
    const told = runGeneration(optimizer)
    const ranked = told
      .map((candidate) => ({
        candidate,
        fitness: normalizedSum(candidate.genotype),
      }))
      .sort((a, b) => b.fitness - a.fitness)

    const next = optimizer.ask()

    for (let index = 0; index < 3; index++) {
      expect(next[index]!.genotype).toEqual(ranked[index]!.candidate.genotype)
      expect(next[index]!.parents).toEqual([ranked[index]!.candidate.id])
    }
  })
})

describe('mutation through the optimizer', () => {
  it('breeds only parental genes at rate 0 without crossover', () => {
    const optimizer = createOptimizer({
      population: 10,
      crossoverRate: 0,
      mutationRate: 0,
    })
    const parents = runGeneration(optimizer)
    const parentGenotypes = parents.map((candidate) =>
      candidate.genotype.join(','),
    )

    for (const child of optimizer.ask()) {
      expect(parentGenotypes).toContain(child.genotype.join(','))
    }
  })

  it('keeps every gene inside the space at rate 1', () => {
    const optimizer = createOptimizer({ mutationRate: 1, population: 20 })
    runGeneration(optimizer)

    const genes = optimizer.ask().flatMap((candidate) => candidate.genotype)

    expect(genes.every((gene) => gene >= 0 && gene <= 20)).toBe(true)
  })
})

describe('generation zero', () => {
  it('samples each gene across its whole range', () => {
    const genes = [{ name: 'only', min: -2, max: 2 }]
    const optimizer = createOptimizer({ population: 200 }, 3, genes)

    const values = new Set(optimizer.ask().map((c) => c.genotype[0]))

    expect([...values].sort((a, b) => a! - b!)).toEqual([-2, -1, 0, 1, 2])
  })

  it('samples the genes of the default test space', () => {
    const values = createOptimizer({ population: 50 }).ask()

    expect(values.every((c) => c.genotype.length === GENES.length)).toBe(true)
  })
})
