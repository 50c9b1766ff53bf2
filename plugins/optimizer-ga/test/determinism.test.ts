import type { Candidate, JsonValue } from '@nord/core'
import { describe, expect, it } from 'vitest'
import type { GeneticOptimizerOptions } from '../src/options.js'
import {
  createOptimizer,
  normalizedSum,
  resultOf,
  runGeneration,
} from './helpers.js'

const OPTIONS: GeneticOptimizerOptions = {
  population: 8,
  generations: 6,
  elitism: 1,
}

function runAll(options: GeneticOptimizerOptions, seed: number): Candidate[][] {
  const optimizer = createOptimizer(options, seed)
  const generations: Candidate[][] = []
  while (!optimizer.done()) generations.push(runGeneration(optimizer))
  return generations
}

/**
 * Returns the state after a JSON round trip, as a run directory would store it.
 */
function saved(state: JsonValue): JsonValue {
  return JSON.parse(JSON.stringify(state))
}

describe('determinism', () => {
  it('repeats every generation for the same seed', () => {
    expect(runAll(OPTIONS, 42)).toEqual(runAll(OPTIONS, 42))
  })

  it('repeats roulette, uniform crossover and creep for the same seed', () => {
    const options: GeneticOptimizerOptions = {
      ...OPTIONS,
      selection: 'roulette',
      crossover: 'uniform',
      mutation: 'creep',
      creepStep: 2,
    }

    expect(runAll(options, 7)).toEqual(runAll(options, 7))
  })

  it('differs between seeds', () => {
    const first = runAll(OPTIONS, 1)
    const second = runAll(OPTIONS, 2)

    expect(first[0]).not.toEqual(second[0])
    expect(first.at(-1)).not.toEqual(second.at(-1))
  })
})

describe('restore', () => {
  it('resumes after a complete generation', () => {
    const original = createOptimizer(OPTIONS, 9)
    runGeneration(original)
    runGeneration(original)
    const resumed = createOptimizer(OPTIONS, 9)
    resumed.restore(saved(original.state()))

    while (!original.done()) {
      expect(resumed.ask()).toEqual(original.ask())
      runGeneration(original)
      runGeneration(resumed)
    }
    expect(resumed.done()).toBe(true)
  })

  it('resumes a generation without results', () => {
    const original = createOptimizer(OPTIONS, 10)
    runGeneration(original)
    const pending = original.ask()
    const resumed = createOptimizer(OPTIONS, 10)
    resumed.restore(saved(original.state()))

    expect(resumed.ask()).toEqual(pending)
    runGeneration(original)
    runGeneration(resumed)
    expect(resumed.ask()).toEqual(original.ask())
  })

  it('resumes a partly evaluated generation', () => {
    const original = createOptimizer(OPTIONS, 11)
    runGeneration(original)
    const pending = original.ask()
    const results = pending.map((candidate) =>
      resultOf(candidate, normalizedSum(candidate.genotype)),
    )
    original.tell(results.slice(0, 3))
    const resumed = createOptimizer(OPTIONS, 11)
    resumed.restore(saved(original.state()))

    resumed.tell(results.slice(3))
    original.tell(results.slice(3))

    expect(resumed.state()).toEqual(original.state())
    expect(resumed.ask()).toEqual(original.ask())
  })

  it('rejects a result recorded before saving', () => {
    const original = createOptimizer(OPTIONS, 12)
    const [first] = original.ask()
    original.tell([resultOf(first!, 0.5)])
    const resumed = createOptimizer(OPTIONS, 12)
    resumed.restore(saved(original.state()))

    expect(() => resumed.tell([resultOf(first!, 0.5)])).toThrow(
      /already has a result/,
    )
  })

  it('resumes a fresh optimizer', () => {
    const original = createOptimizer(OPTIONS, 13)
    const resumed = createOptimizer(OPTIONS, 99)
    resumed.restore(saved(original.state()))

    expect(resumed.ask()).toEqual(original.ask())
  })

  it('saves generation, population, pending and the random state', () => {
    const optimizer = createOptimizer(OPTIONS, 14)
    runGeneration(optimizer)
    optimizer.ask()

    const state = optimizer.state()

    expect(state.format).toBe(1)
    expect(state.generation).toBe(1)
    expect(state.population).toHaveLength(8)
    expect(state.population.every((entry) => entry.fitness !== null)).toBe(true)
    expect(state.pending).toHaveLength(8)
    expect(state.pending!.every((entry) => entry.fitness === null)).toBe(true)
    expect(state.random).toHaveLength(4)
  })
})

describe('restore validation', () => {
  function pathsOf(state: unknown): string[] {
    const optimizer = createOptimizer(OPTIONS, 1)
    try {
      optimizer.restore(state as JsonValue)
    } catch (error) {
      const issues = (error as { issues?: { path: string }[] }).issues ?? []
      return issues.map((issue) => issue.path)
    }
    return []
  }

  function validState(): Record<string, unknown> {
    const optimizer = createOptimizer(OPTIONS, 1)
    runGeneration(optimizer)
    optimizer.ask()
    return saved(optimizer.state()) as Record<string, unknown>
  }

  it('accepts its own state', () => {
    expect(pathsOf(validState())).toEqual([])
  })

  it('rejects a state that is not an object', () => {
    expect(pathsOf('nope')).toEqual(['state'])
  })

  it('lists every problem of a damaged state', () => {
    const state = validState()
    const population = state.population as Record<string, unknown>[]
    const pending = state.pending as Record<string, unknown>[]
    state.format = 2
    state.random = [1, 2, 3]
    population[0]!.genotype = [1, 2]
    population[1]!.fitness = null
    ;(pending[2]!.genotype as number[])[3] = 21
    pending[3]!.id = pending[4]!.id

    expect(pathsOf(state)).toEqual([
      'format',
      'random',
      'population[0].genotype',
      'population[1].fitness',
      'pending[2].genotype[3]',
      'pending[4].id',
    ])
  })

  it('rejects an empty population after generation 0', () => {
    const state = validState()
    state.population = []

    expect(pathsOf(state)).toEqual(['population'])
  })

  it('keeps the old state after a rejected restore', () => {
    const optimizer = createOptimizer(OPTIONS, 3)
    runGeneration(optimizer)
    const before = optimizer.state()

    expect(() => optimizer.restore({ format: 1 })).toThrow(
      /nord:optimizer-ga state is invalid/,
    )
    expect(optimizer.state()).toEqual(before)
  })
})
