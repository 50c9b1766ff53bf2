import {
  type Candidate,
  type Evaluator,
  type JsonValue,
  runSearch,
  type SearchSpace,
} from '@nord/core'
import { runOptimizerConformance } from '@nord/core/testing'
import { describe, expect, it } from 'vitest'
import {
  createGeneticOptimizer,
  type SteadyStateGeneticOptimizer,
  type SteadyStateGeneticOptions,
} from '../src/index.js'
import { GENES, normalizedSum, resultOf } from './helpers.js'

function createSteadyState(
  options: Omit<SteadyStateGeneticOptions, 'variant'> = {},
  seed = 1,
): SteadyStateGeneticOptimizer {
  return createGeneticOptimizer(
    { variant: 'steady-state', ...options },
    { space: { genes: GENES }, seed },
  )
}

/** Asks for `count` candidates and tells each with `fitness` of its genotype. */
function evaluate(
  optimizer: SteadyStateGeneticOptimizer,
  count: number,
  fitness: (candidate: Candidate) => number = (candidate) =>
    normalizedSum(candidate.genotype),
): Candidate[] {
  const candidates = optimizer.ask(count)
  optimizer.tell(candidates.map((c) => resultOf(c, fitness(c))))
  return candidates
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

describe('steady-state conformance', () => {
  it.each(['worst', 'oldest'] as const)(
    'keeps the optimizer contract with %s replacement',
    async (replacement) => {
      const checks = await runOptimizerConformance(createGeneticOptimizer, {
        space: { genes: GENES },
        options: {
          variant: 'steady-state',
          population: 6,
          generations: 20,
          replacement,
        },
        invalidOptions: {
          options: { variant: 'steady-state', population: 0, elitism: 2 },
          paths: ['population', 'elitism'],
        },
      })

      expect(checks.every((check) => check.passed)).toBe(true)
    },
  )
})

describe('steady-state ask', () => {
  it('proposes one candidate without a count', () => {
    expect(createSteadyState().ask()).toHaveLength(1)
  })

  it('samples the first population without parents', () => {
    const optimizer = createSteadyState({ population: 5 })
    const first = optimizer.ask(5)

    expect(first.map((candidate) => candidate.id)).toEqual([
      'c0',
      'c1',
      'c2',
      'c3',
      'c4',
    ])
    for (const candidate of first) expect(candidate.parents).toEqual([])
  })

  it('breeds from the population once results arrive', () => {
    const optimizer = createSteadyState({ population: 5 })
    const first = evaluate(optimizer, 5)
    const children = optimizer.ask(3)
    const ids = new Set(first.map((candidate) => candidate.id))

    expect(children).toHaveLength(3)
    for (const child of children) {
      expect(child.parents?.length).toBeGreaterThan(0)
      for (const parent of child.parents ?? []) expect(ids).toContain(parent)
    }
  })

  it('copies parents when crossover and mutation are off', () => {
    const optimizer = createSteadyState({
      population: 4,
      crossoverRate: 0,
      mutationRate: 0,
    })
    const first = evaluate(optimizer, 4)
    const byId = new Map(first.map((c) => [c.id, c.genotype]))

    for (const child of optimizer.ask(6)) {
      expect(child.parents).toHaveLength(1)
      expect(child.genotype).toEqual(byId.get(child.parents![0]!))
    }
  })

  it('samples while no result has arrived', () => {
    const optimizer = createSteadyState({ population: 2 })
    const candidates = optimizer.ask(4)

    for (const candidate of candidates) expect(candidate.parents).toEqual([])
  })

  it('stops after population times generations candidates', () => {
    const optimizer = createSteadyState({ population: 3, generations: 2 })
    const first = optimizer.ask(4)
    const rest = optimizer.ask(4)

    expect(first).toHaveLength(4)
    expect(rest).toHaveLength(2)
    expect(optimizer.done()).toBe(true)
    expect(optimizer.ask(1)).toEqual([])
  })
})

describe('steady-state replacement', () => {
  it('keeps the fittest results with worst replacement', () => {
    const optimizer = createSteadyState({ population: 4 })
    const fitness = [0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 0.8]
    let index = 0
    for (let step = 0; step < fitness.length; step++) {
      evaluate(optimizer, 1, () => fitness[index++]!)
    }

    const kept = optimizer.state().population.map((saved) => saved.fitness)
    expect(kept).toEqual([0.5, 0.9, 0.7, 0.8])
  })

  it('drops the newcomer when it is the least fit', () => {
    const optimizer = createSteadyState({ population: 2 })
    evaluate(optimizer, 2, () => 0.6)
    const [newcomer] = evaluate(optimizer, 1, () => 0.1)

    const ids = optimizer.state().population.map((saved) => saved.id)
    expect(ids).not.toContain(newcomer!.id)
  })

  it('drops the oldest of equally fit individuals', () => {
    const optimizer = createSteadyState({ population: 3 })
    evaluate(optimizer, 3, () => 0.4)
    evaluate(optimizer, 1, () => 0.4)

    const ids = optimizer.state().population.map((saved) => saved.id)
    expect(ids).toEqual(['c1', 'c2', 'c3'])
  })

  it('keeps the latest arrivals with oldest replacement', () => {
    const optimizer = createSteadyState({
      population: 3,
      replacement: 'oldest',
    })
    const candidates = optimizer.ask(5)
    const order = [4, 0, 3, 1, 2]
    for (const index of order) {
      optimizer.tell([resultOf(candidates[index]!, 1 - index / 10)])
    }

    const ids = optimizer.state().population.map((saved) => saved.id)
    expect(ids).toEqual(['c3', 'c1', 'c2'])
  })
})

describe('steady-state tell', () => {
  it('rejects an id it never proposed', () => {
    const optimizer = createSteadyState()
    const [candidate] = optimizer.ask(1)

    expect(
      codeOf(() => optimizer.tell([resultOf({ ...candidate!, id: 'x' }, 1)])),
    ).toBe('NORD_ERR_UNKNOWN_CANDIDATE')
  })

  it('rejects a second result for a candidate', () => {
    const optimizer = createSteadyState()
    const [candidate] = evaluate(optimizer, 1)

    expect(codeOf(() => optimizer.tell([resultOf(candidate!, 1)]))).toBe(
      'NORD_ERR_DUPLICATE_RESULT',
    )
  })

  it('rejects a candidate twice in one call', () => {
    const optimizer = createSteadyState()
    const [candidate] = optimizer.ask(1)
    const result = resultOf(candidate!, 1)

    expect(codeOf(() => optimizer.tell([result, result]))).toBe(
      'NORD_ERR_DUPLICATE_RESULT',
    )
  })

  it('records nothing from a rejected call', () => {
    const optimizer = createSteadyState()
    const [first, second] = optimizer.ask(2)
    const before = optimizer.state()

    const code = codeOf(() =>
      optimizer.tell([resultOf(first!, 0.5), resultOf(second!, Number.NaN)]),
    )

    expect(code).toBe('NORD_ERR_INVALID_FITNESS')
    expect(optimizer.state()).toEqual(before)
  })
})

describe('steady-state restore', () => {
  function saved(state: unknown): JsonValue {
    return JSON.parse(JSON.stringify(state))
  }

  it('rejects a generational state', () => {
    const generational = createGeneticOptimizer(
      { population: 3 },
      { space: { genes: GENES }, seed: 1 },
    )
    const optimizer = createSteadyState({ population: 3 })

    expect(() => optimizer.restore(saved(generational.state()))).toThrow(
      /variant: must be 'steady-state'/,
    )
  })

  it('rejects a population larger than its option', () => {
    const large = createSteadyState({ population: 4 })
    evaluate(large, 4)
    const small = createSteadyState({ population: 2 })

    expect(() => small.restore(saved(large.state()))).toThrow(
      /population: holds 4 individuals, more than the population option \(2\)/,
    )
  })

  it('resumes with pending candidates', () => {
    const original = createSteadyState({ population: 4 }, 3)
    evaluate(original, 5)
    const pending = original.ask(2)
    const resumed = createSteadyState({ population: 4 }, 4)
    resumed.restore(saved(original.state()))

    for (const optimizer of [original, resumed]) {
      optimizer.tell(pending.map((candidate) => resultOf(candidate, 0.5)))
    }
    expect(resumed.ask(3)).toEqual(original.ask(3))
  })
})

describe('steady-state options', () => {
  function pathsOf(options: Record<string, unknown>): string[] {
    try {
      createGeneticOptimizer(options as never, {
        space: { genes: GENES },
        seed: 1,
      })
    } catch (error) {
      return (error as { issues: { path: string }[] }).issues.map(
        (issue) => issue.path,
      )
    }
    return []
  }

  it('rejects replacement in the generational variant', () => {
    expect(pathsOf({ replacement: 'oldest' })).toEqual(['replacement'])
  })

  it('rejects elitism in the steady-state variant', () => {
    expect(pathsOf({ variant: 'steady-state', elitism: 1 })).toEqual([
      'elitism',
    ])
  })

  it('accepts elitism 0 in the steady-state variant', () => {
    expect(pathsOf({ variant: 'steady-state', elitism: 0 })).toEqual([])
  })

  it('rejects an unknown variant and replacement together', () => {
    expect(pathsOf({ variant: 'island', replacement: 'random' })).toEqual([
      'variant',
      'replacement',
      'replacement',
    ])
  })
})

describe('steady-state search', () => {
  it('improves on its random start', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const optimizer = createSteadyState(
        { population: 10, generations: 30 },
        seed,
      )
      const fitness: number[] = []
      while (!optimizer.done()) {
        for (const candidate of evaluate(optimizer, 2)) {
          fitness.push(normalizedSum(candidate.genotype))
        }
      }
      const initial = Math.max(...fitness.slice(0, 10))
      const best = Math.max(...fitness)

      expect(best).toBeGreaterThan(initial)
      expect(best).toBeGreaterThan(0.85)
    }
  })

  it('runs in the search loop with concurrent evaluations', async () => {
    const space: SearchSpace = {
      name: 'synthetic',
      genes: GENES,
      options: {},
      decode: (genotype) => ({
        layers: [{ name: 'dense', type: 'dense', params: { units: genotype } }],
        connections: [],
      }),
    }
    const evaluator: Evaluator = {
      name: 'synthetic',
      async evaluate({ descriptor }) {
        const fitness = normalizedSum(
          descriptor.layers[0]!.params.units as number[],
        )
        return {
          status: 'ok',
          fitness,
          accuracy: fitness,
          loss: null,
          parameters: null,
          flops: null,
          seconds: 0,
        }
      },
    }
    const summary = await runSearch({
      optimizer: createSteadyState({ population: 8, generations: 10 }, 6),
      space,
      evaluator,
      seed: 6,
      budget: { evaluations: 200 },
      concurrency: 3,
      validate: () => [],
    })

    expect(summary.stopReason).toBe('optimizer-done')
    expect(summary.counts.candidates).toBe(80)
    expect(summary.best?.evaluation.fitness).toBeGreaterThan(0.7)
  })
})
