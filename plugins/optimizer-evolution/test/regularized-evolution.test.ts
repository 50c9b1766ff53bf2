import { type Candidate, type JsonValue, runSearch } from '@nord/core'
import { describe, expect, it } from 'vitest'
import plugin, {
  createEvolution,
  type EvolutionOptimizer,
  type EvolutionOptions,
} from '../src/index.js'
import { GENES, resultOf, syntheticSearch } from './helpers.js'

function createOptimizer(
  options: EvolutionOptions = {},
  seed = 1,
): EvolutionOptimizer {
  return createEvolution(options, { space: { genes: GENES }, seed })
}

function scaledMean(genotype: number[]): number {
  return genotype.reduce((sum, value) => sum + value / 9, 0) / genotype.length
}

/** Asks for `count` candidates and tells each with `fitness`. */
function evaluate(
  optimizer: EvolutionOptimizer,
  count: number,
  fitness: (candidate: Candidate) => number = (candidate) =>
    scaledMean(candidate.genotype),
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

function saved(state: unknown): JsonValue {
  return JSON.parse(JSON.stringify(state))
}

function livingIds(optimizer: EvolutionOptimizer): string[] {
  return optimizer.state().population.map((individual) => individual.id)
}

describe('regularized evolution ask', () => {
  it('proposes one candidate without a count', () => {
    expect(createOptimizer().ask()).toHaveLength(1)
  })

  it('samples the initial population without parents', () => {
    const optimizer = createOptimizer({ population: 5 })
    const initial = optimizer.ask(5)

    expect(initial.map((c) => c.id)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4'])
    for (const candidate of initial) expect(candidate.parents).toEqual([])
  })

  it('samples while no result has arrived', () => {
    const optimizer = createOptimizer({ population: 2 })

    for (const candidate of optimizer.ask(5)) {
      expect(candidate.parents).toEqual([])
    }
  })

  it('mutates one gene of a living parent', () => {
    const optimizer = createOptimizer({ population: 6, sampleSize: 2 })
    evaluate(optimizer, 6)
    const living = new Map(
      optimizer.state().population.map((i) => [i.id, i.genotype]),
    )

    for (const child of optimizer.ask(20)) {
      const parent = living.get(child.parents![0]!)!
      const changed = child.genotype.filter((v, i) => v !== parent[i])

      expect(child.parents).toHaveLength(1)
      expect(changed).toHaveLength(1)
    }
  })

  it('picks the fittest of its sample as parent', () => {
    const optimizer = createOptimizer({ population: 3, sampleSize: 3 })
    const fitness = new Map([
      ['c0', 0.1],
      ['c1', 0.9],
      ['c2', 0.5],
    ])
    evaluate(optimizer, 3, (c) => fitness.get(c.id)!)
    const counts = new Map<string, number>()
    for (const child of optimizer.ask(900)) {
      const parent = child.parents![0]!
      counts.set(parent, (counts.get(parent) ?? 0) + 1)
    }

    // With three draws with replacement, the best of three is drawn with
    // probability 1 - (2/3)^3 = 19/27, and the worst wins only when it is
    // drawn three times: (1/3)^3 = 1/27.
    expect(counts.get('c1')).toBeGreaterThan(560)
    expect(counts.get('c1')).toBeLessThan(700)
    expect(counts.get('c0')).toBeLessThan(60)
  })

  it('stops after cycles candidates', () => {
    const optimizer = createOptimizer({ population: 3, cycles: 5 })

    expect(optimizer.ask(4)).toHaveLength(4)
    expect(optimizer.ask(4)).toHaveLength(1)
    expect(optimizer.done()).toBe(true)
    expect(optimizer.ask(1)).toEqual([])
  })

  it('never stops without cycles', () => {
    const optimizer = createOptimizer({ population: 3 })
    evaluate(optimizer, 500)

    expect(optimizer.done()).toBe(false)
  })
})

describe('regularized evolution aging', () => {
  it('removes the oldest individual, not the worst', () => {
    const optimizer = createOptimizer({ population: 3 })
    const fitness = [1, 0.1, 0.2, 0]
    let index = 0
    for (let step = 0; step < 4; step++) {
      evaluate(optimizer, 1, () => fitness[index++]!)
    }

    expect(livingIds(optimizer)).toEqual(['c1', 'c2', 'c3'])
  })

  it('ages individuals by arrival of their results', () => {
    const optimizer = createOptimizer({ population: 3 })
    const candidates = optimizer.ask(5)
    for (const index of [3, 0, 4, 2, 1]) {
      optimizer.tell([resultOf(candidates[index]!, 0.5)])
    }

    expect(livingIds(optimizer)).toEqual(['c4', 'c2', 'c1'])
  })
})

describe('regularized evolution tell', () => {
  it('rejects an id it never proposed', () => {
    const optimizer = createOptimizer()
    const [candidate] = optimizer.ask(1)

    expect(
      codeOf(() => optimizer.tell([resultOf({ ...candidate!, id: 'c7' }, 1)])),
    ).toBe('NORD_ERR_UNKNOWN_CANDIDATE')
  })

  it('rejects a second result', () => {
    const optimizer = createOptimizer()
    const [candidate] = evaluate(optimizer, 1)

    expect(codeOf(() => optimizer.tell([resultOf(candidate!, 1)]))).toBe(
      'NORD_ERR_DUPLICATE_RESULT',
    )
  })

  it('records nothing from a rejected call', () => {
    const optimizer = createOptimizer()
    const [first, second] = optimizer.ask(2)
    const before = optimizer.state()

    const code = codeOf(() =>
      optimizer.tell([resultOf(first!, 0.5), resultOf(second!, Number.NaN)]),
    )

    expect(code).toBe('NORD_ERR_INVALID_FITNESS')
    expect(optimizer.state()).toEqual(before)
  })
})

describe('regularized evolution state', () => {
  it('resumes with pending candidates', () => {
    const original = createOptimizer({ population: 4, sampleSize: 2 }, 3)
    evaluate(original, 6)
    const pending = original.ask(2)
    const resumed = createOptimizer({ population: 4, sampleSize: 2 }, 4)
    resumed.restore(saved(original.state()))

    for (const optimizer of [original, resumed]) {
      optimizer.tell(pending.map((candidate) => resultOf(candidate, 0.5)))
    }
    expect(resumed.ask(3)).toEqual(original.ask(3))
  })

  it('rejects a population larger than its option', () => {
    const large = createOptimizer({ population: 4 })
    evaluate(large, 4)
    const small = createOptimizer({ population: 2 })

    expect(() => small.restore(saved(large.state()))).toThrow(
      /population: holds 4 individuals, more than the population option \(2\)/,
    )
  })

  it('rejects a pending individual with a fitness', () => {
    const optimizer = createOptimizer()
    optimizer.ask(1)
    const state = saved(optimizer.state()) as {
      pending: { fitness: unknown }[]
    }
    state.pending[0]!.fitness = 0.5

    expect(() => optimizer.restore(state as JsonValue)).toThrow(
      /pending\[0\]\.fitness: must be null while pending, got 0.5/,
    )
  })
})

describe('regularized evolution options', () => {
  function pathsOf(options: unknown): string[] {
    try {
      createEvolution(options as EvolutionOptions, {
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

  it('applies the defaults', () => {
    expect(createOptimizer().options).toEqual({
      population: 100,
      sampleSize: 25,
      cycles: null,
    })
  })

  it('shrinks the default sample to a small population', () => {
    expect(createOptimizer({ population: 10 }).options.sampleSize).toBe(10)
  })

  it('rejects a sample larger than the population', () => {
    expect(pathsOf({ population: 10, sampleSize: 11 })).toEqual(['sampleSize'])
  })

  it('rejects fewer cycles than the population', () => {
    expect(pathsOf({ population: 10, cycles: 9 })).toEqual(['cycles'])
  })

  it('lists every invalid option at once', () => {
    expect(
      pathsOf({ population: -1, sampleSize: 'all', cycles: 0, age: 3 }),
    ).toEqual(['age', 'population', 'sampleSize', 'cycles'])
  })
})

describe('regularized evolution search', () => {
  it('improves on its initial population', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const optimizer = createOptimizer(
        { population: 20, sampleSize: 5, cycles: 400 },
        seed,
      )
      const fitness: number[] = []
      while (!optimizer.done()) {
        for (const candidate of evaluate(optimizer, 4)) {
          fitness.push(scaledMean(candidate.genotype))
        }
      }
      const initial = Math.max(...fitness.slice(0, 20))
      const best = Math.max(...fitness)

      expect(best).toBeGreaterThan(initial)
      expect(best).toBeGreaterThan(0.9)
    }
  })

  it('runs in the search loop with concurrent evaluations', async () => {
    const { space, evaluator } = syntheticSearch(GENES)
    const silent = () => undefined
    const optimizer = await plugin.create(
      { population: 10, sampleSize: 3 },
      {
        space,
        seed: 2,
        logger: { debug: silent, info: silent, warn: silent, error: silent },
      },
    )
    const summary = await runSearch({
      optimizer,
      space,
      evaluator,
      seed: 2,
      budget: { evaluations: 60 },
      concurrency: 4,
      validate: () => [],
    })

    expect(summary.stopReason).toBe('evaluations')
    expect(summary.counts.evaluated).toBe(60)
    expect(summary.best?.evaluation.fitness).toBeGreaterThan(0.6)
  })
})

describe('regularized evolution plugin', () => {
  it('declares an optimizer for core 0.1', () => {
    expect(plugin.kind).toBe('optimizer')
    expect(plugin.name).toBe('nord:optimizer-evolution')
    expect(plugin.core).toBe('^0.1.0')
  })
})
