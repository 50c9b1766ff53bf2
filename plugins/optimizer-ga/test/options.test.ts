import { type Issue, isNordError, NordValidationError } from '@nord/core'
import { describe, expect, it } from 'vitest'
import { createGeneticOptimizer } from '../src/genetic-optimizer.js'
import { resolveGeneticOptions } from '../src/options.js'
import { GENES } from './helpers.js'

/** Runs `action` and returns the issues of the validation error it throws. */
function issuesOf(action: () => unknown): Issue[] {
  try {
    action()
  } catch (error) {
    if (error instanceof NordValidationError) return error.issues
    throw error
  }
  throw new Error('expected a NordValidationError, but nothing was thrown')
}

function pathsOf(options: unknown, genes: unknown = GENES): string[] {
  return issuesOf(() => resolveGeneticOptions(options, genes)).map(
    (issue) => issue.path,
  )
}

function messageAt(options: unknown, path: string): string | undefined {
  const issues = issuesOf(() => resolveGeneticOptions(options, GENES))
  return issues.find((issue) => issue.path === path)?.message
}

describe('resolveGeneticOptions', () => {
  it('accepts no options at all', () => {
    expect(resolveGeneticOptions(undefined, GENES).population).toBe(10)
  })

  it('keeps the options it is given', () => {
    const options = resolveGeneticOptions(
      {
        population: 30,
        generations: 5,
        crossoverRate: 0,
        mutationRate: 1,
        selection: 'tournament',
        tournamentSize: 30,
        crossover: 'uniform',
        elitism: 29,
        mutation: 'creep',
        creepStep: 3,
      },
      GENES,
    )

    expect(options).toEqual({
      variant: 'generational',
      population: 30,
      generations: 5,
      crossoverRate: 0,
      mutationRate: 1,
      selection: 'tournament',
      tournamentSize: 30,
      crossover: 'uniform',
      elitism: 29,
      mutation: 'creep',
      creepStep: 3,
      replacement: 'worst',
    })
  })

  it('treats an undefined option as absent', () => {
    const options = resolveGeneticOptions({ population: undefined }, GENES)

    expect(options.population).toBe(10)
  })

  it('reports every problem at once', () => {
    const paths = pathsOf(
      {
        population: 0,
        generations: 2.5,
        crossoverRate: 1.5,
        mutationRate: -0.1,
        selection: 'best',
        crossover: 'two-point',
        mutation: 'gaussian',
        creepStep: 0,
        populaton: 5,
      },
      [{ name: 'filters', min: 8, max: 4 }],
    )

    expect(paths).toEqual([
      'populaton',
      'population',
      'generations',
      'crossoverRate',
      'mutationRate',
      'selection',
      'crossover',
      'mutation',
      'creepStep',
      'creepStep',
      'space.genes[0]',
    ])
  })

  it('prefixes messages with the problem and the value', () => {
    expect(messageAt({ population: 0 }, 'population')).toBe(
      'must be a positive integer, got 0',
    )
    expect(messageAt({ crossoverRate: 1.5 }, 'crossoverRate')).toBe(
      'must be a number from 0 to 1, got 1.5',
    )
    expect(messageAt({ selection: 'best' }, 'selection')).toBe(
      "must be one of 'tournament', 'roulette', got 'best'",
    )
  })

  it('rejects a rate given as a string', () => {
    expect(pathsOf({ mutationRate: '0.2' })).toEqual(['mutationRate'])
  })

  it('rejects a tournament larger than the population', () => {
    expect(
      messageAt({ population: 4, tournamentSize: 5 }, 'tournamentSize'),
    ).toBe('must be at most population (4), got 5')
  })

  it('rejects a tournament of size 0', () => {
    expect(pathsOf({ tournamentSize: 0 })).toEqual(['tournamentSize'])
  })

  it('rejects elitism equal to the population', () => {
    expect(messageAt({ population: 6, elitism: 6 }, 'elitism')).toBe(
      'must be at most population - 1 (5), got 6',
    )
  })

  it('rejects negative elitism', () => {
    expect(pathsOf({ elitism: -1 })).toEqual(['elitism'])
  })

  it('rejects a tournament size with roulette selection', () => {
    expect(pathsOf({ selection: 'roulette', tournamentSize: 3 })).toEqual([
      'tournamentSize',
    ])
  })

  it('rejects a creep step with uniform mutation', () => {
    expect(pathsOf({ creepStep: 2 })).toEqual(['creepStep'])
  })

  it('names unknown keys and lists the valid ones', () => {
    const message = messageAt({ elitsm: 1 }, 'elitsm')

    expect(message).toMatch(/not an option of nord:optimizer-ga/)
    expect(message).toMatch(/population, generations, crossoverRate/)
  })

  it('rejects options that are not an object', () => {
    expect(pathsOf(7)).toEqual(['options'])
    expect(pathsOf([])).toEqual(['options'])
  })

  it('rejects inverted gene bounds', () => {
    const genes = [
      { name: 'layers', min: 1, max: 3 },
      { name: 'filters', min: 64, max: 8 },
    ]
    const issues = issuesOf(() => resolveGeneticOptions({}, genes))

    expect(issues).toHaveLength(1)
    expect(issues[0]!.path).toBe('space.genes[1]')
    expect(issues[0]!.code).toBe('NORD_ERR_INVALID_SPACE')
    expect(issues[0]!.message).toMatch(/min 64 > max 8 in gene 'filters'/)
  })

  it('rejects bounds that are not integers', () => {
    const genes = [{ name: 'rate', min: 0.5, max: 2 }]

    expect(pathsOf({}, genes)).toEqual(['space.genes[0].min'])
  })

  it('rejects an empty gene list', () => {
    expect(pathsOf({}, [])).toEqual(['space.genes'])
  })

  it('shrinks the default tournament for a population of 1', () => {
    const options = resolveGeneticOptions({ population: 1 }, GENES)

    expect(options.tournamentSize).toBe(1)
  })

  it('keeps an explicit tournament size for a population of 1', () => {
    expect(pathsOf({ population: 1, tournamentSize: 2 })).toEqual([
      'tournamentSize',
    ])
  })

  it('rejects a seed that is not a safe integer', () => {
    const issues = issuesOf(() => resolveGeneticOptions({}, GENES, 0.5))

    expect(issues.map((issue) => issue.path)).toEqual(['seed'])
  })

  it('freezes the resolved options', () => {
    expect(Object.isFrozen(resolveGeneticOptions({}, GENES))).toBe(true)
  })

  it('accepts a gene with equal bounds', () => {
    const genes = [{ name: 'fixed', min: 3, max: 3 }]

    expect(resolveGeneticOptions({}, genes).population).toBe(10)
  })
})

describe('createGeneticOptimizer validation', () => {
  it('throws a coded error naming the optimizer', () => {
    let caught: unknown
    try {
      createGeneticOptimizer(
        { population: 0 },
        { space: { genes: GENES }, seed: 1 },
      )
    } catch (error) {
      caught = error
    }

    expect(isNordError(caught)).toBe(true)
    expect((caught as Error & { code: string }).code).toBe(
      'NORD_ERR_INVALID_OPTION',
    )
    expect((caught as Error).message).toMatch(
      /nord:optimizer-ga configuration is invalid/,
    )
    expect((caught as Error).message).toMatch(
      /population: must be a positive integer, got 0/,
    )
  })
})
