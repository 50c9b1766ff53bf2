import { type JsonValue, runSearch } from '@nord/core'
import { describe, expect, it } from 'vitest'
import plugin, {
  createRandomSearch,
  type RandomSearchOptions,
} from '../src/index.js'
import {
  GENES,
  recordingLogger,
  resultOf,
  SMALL_GENES,
  syntheticSearch,
} from './helpers.js'

function createSearch(
  options: RandomSearchOptions = {},
  genes = GENES,
  seed = 1,
) {
  return createRandomSearch(options, { space: { genes }, seed })
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

describe('random search ask', () => {
  it('proposes one candidate without a count', () => {
    expect(createSearch().ask()).toHaveLength(1)
  })

  it('numbers candidates in the order proposed', () => {
    const search = createSearch()
    const ids = [...search.ask(2), ...search.ask(2)].map((c) => c.id)

    expect(ids).toEqual(['c0', 'c1', 'c2', 'c3'])
  })

  it('draws each gene value about equally often', () => {
    const genes = [{ name: 'only', min: -2, max: 2 }]
    const search = createSearch({ unique: false }, genes)
    const counts = new Map<number, number>()
    for (const candidate of search.ask(5000)) {
      const value = candidate.genotype[0]!
      counts.set(value, (counts.get(value) ?? 0) + 1)
    }

    expect([...counts.keys()].sort()).toEqual([-1, -2, 0, 1, 2])
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(850)
      expect(count).toBeLessThan(1150)
    }
  })

  it('repeats genotypes when unique is off', () => {
    const search = createSearch({ unique: false }, SMALL_GENES)
    const keys = search.ask(40).map((c) => c.genotype.join())

    expect(new Set(keys).size).toBeLessThan(40)
    expect(search.done()).toBe(false)
  })

  it('stops after the samples limit', () => {
    const search = createSearch({ samples: 5 })

    expect(search.ask(3)).toHaveLength(3)
    expect(search.ask(3)).toHaveLength(2)
    expect(search.done()).toBe(true)
    expect(search.ask(3)).toEqual([])
  })
})

describe('random search exhaustion', () => {
  it('proposes every genotype of a small space once', () => {
    const search = createSearch({}, SMALL_GENES)
    const keys = search.ask(100).map((c) => c.genotype.join())

    expect(keys).toHaveLength(12)
    expect(new Set(keys).size).toBe(12)
  })

  it('reports exhaustion through done', () => {
    const search = createSearch({}, SMALL_GENES)
    search.ask(11)

    expect(search.exhausted()).toBe(false)
    search.ask(1)
    expect(search.exhausted()).toBe(true)
    expect(search.done()).toBe(true)
    expect(search.ask(1)).toEqual([])
  })

  it('logs exhaustion once', () => {
    const logger = recordingLogger()
    const search = createRandomSearch(
      {},
      { space: { genes: SMALL_GENES }, seed: 3, logger },
    )
    search.ask(12)
    search.ask(4)

    expect(logger.messages).toEqual([
      'search space exhausted: every genotype was proposed',
    ])
  })

  it('gives every free genotype a chance near exhaustion', () => {
    const lastKeys = new Set<string>()
    for (let seed = 0; seed < 200; seed++) {
      const search = createSearch({}, SMALL_GENES, seed)
      const candidates = search.ask(12)
      lastKeys.add(candidates.at(-1)!.genotype.join())
    }

    expect(lastKeys.size).toBe(12)
  })

  it('keeps the proposed genotypes across restore', () => {
    const original = createSearch({}, SMALL_GENES, 4)
    const before = original.ask(7)
    const resumed = createSearch({}, SMALL_GENES, 5)
    resumed.restore(saved(original.state()))
    const after = resumed.ask(12)

    const keys = [...before, ...after].map((c) => c.genotype.join())
    expect(after).toHaveLength(5)
    expect(new Set(keys).size).toBe(12)
  })
})

describe('random search tell', () => {
  it('accepts results in any order and grouping', () => {
    const search = createSearch()
    const [a, b, c] = search.ask(3)
    search.tell([resultOf(c!, 0.1)])
    search.tell([resultOf(a!, 0.2), resultOf(b!, 0.3)])

    expect(search.state().pending).toEqual([])
  })

  it('rejects an unknown id', () => {
    const search = createSearch()
    const [candidate] = search.ask(1)

    expect(
      codeOf(() => search.tell([resultOf({ ...candidate!, id: 'c9' }, 0)])),
    ).toBe('NORD_ERR_UNKNOWN_CANDIDATE')
  })

  it('rejects a second result', () => {
    const search = createSearch()
    const [candidate] = search.ask(1)
    search.tell([resultOf(candidate!, 0.5)])

    expect(codeOf(() => search.tell([resultOf(candidate!, 0.5)]))).toBe(
      'NORD_ERR_DUPLICATE_RESULT',
    )
  })

  it('rejects a non-finite fitness and records nothing', () => {
    const search = createSearch()
    const [first, second] = search.ask(2)
    const code = codeOf(() =>
      search.tell([resultOf(first!, 0.5), resultOf(second!, Infinity)]),
    )

    expect(code).toBe('NORD_ERR_INVALID_FITNESS')
    expect(search.state().pending).toHaveLength(2)
  })

  it('rejects something other than an array', () => {
    expect(codeOf(() => createSearch().tell({} as never))).toBe(
      'NORD_ERR_INVALID_RESULT',
    )
  })
})

describe('random search state', () => {
  it('rejects an invalid state listing every problem', () => {
    const search = createSearch({}, SMALL_GENES)
    const error = (() => {
      try {
        search.restore({
          format: 2,
          proposed: -1,
          pending: [{ id: '', genotype: [1, 4, 9] }],
          seen: [[0, 0]],
          random: [1, 2, 3],
        })
      } catch (thrown) {
        return thrown as { code: string; issues: { path: string }[] }
      }
      return undefined
    })()

    expect(error?.code).toBe('NORD_ERR_INVALID_STATE')
    expect(error?.issues.map((issue) => issue.path)).toEqual([
      'format',
      'proposed',
      'random',
      'pending[0].id',
      'pending[0].genotype[2]',
      'seen[0]',
    ])
  })

  it('leaves the state unchanged after a rejected restore', () => {
    const search = createSearch()
    search.ask(3)
    const before = search.state()

    expect(() => search.restore({ format: 1 })).toThrow(/proposed/)
    expect(search.state()).toEqual(before)
  })
})

describe('random search options', () => {
  function pathsOf(options: unknown, genes: unknown = GENES): string[] {
    try {
      createRandomSearch(options as RandomSearchOptions, {
        space: { genes: genes as typeof GENES },
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
    expect(createSearch().options).toEqual({ unique: true, samples: null })
  })

  it('lists every invalid option at once', () => {
    expect(pathsOf({ unique: 1, samples: 1.5, size: 3 })).toEqual([
      'size',
      'unique',
      'samples',
    ])
  })

  it('rejects inverted gene bounds', () => {
    expect(pathsOf({}, [{ name: 'g', min: 3, max: 1 }])).toEqual([
      'space.genes[0]',
    ])
  })

  it('rejects an options value that is not an object', () => {
    expect(pathsOf([])).toEqual(['options'])
  })
})

describe('random search plugin', () => {
  it('declares an optimizer for core 0.1', () => {
    expect(plugin.kind).toBe('optimizer')
    expect(plugin.name).toBe('nord:optimizer-random')
    expect(plugin.core).toBe('^0.1.0')
  })

  it('runs in the search loop without repeating a genotype', async () => {
    const { space, evaluator } = syntheticSearch(SMALL_GENES)
    const optimizer = await plugin.create(
      {},
      {
        space,
        seed: 8,
        logger: recordingLogger(),
      },
    )
    const summary = await runSearch({
      optimizer,
      space,
      evaluator,
      seed: 8,
      budget: { evaluations: 50 },
      concurrency: 3,
      validate: () => [],
    })

    expect(summary.stopReason).toBe('optimizer-done')
    expect(summary.counts.evaluated).toBe(12)
    expect(summary.counts.cacheHits).toBe(0)
  })
})
