import { describe, expect, it } from 'vitest'
import { IssueList, type NordError } from '../src/errors.js'
import {
  checkCount,
  checkIntegerGenes,
  checkRandomState,
  checkResults,
  checkSavedGenotype,
  checkSeed,
  collectFitness,
  isNumberedBelow,
  mergeOptions,
  startStateCheck,
} from '../src/optimizer/index.js'
import type { Result } from '../src/types.js'

const NAME = 'nord:optimizer-test'
const GENES = [
  { name: 'width', min: 1, max: 4 },
  { name: 'depth', min: 0, max: 2 },
]

function result(id: unknown, fitness: unknown): Result {
  return {
    candidate: { id, genotype: [1, 0] },
    evaluation: { status: 'ok', fitness },
  } as unknown as Result
}

/** A ledger over ids `c0` to `c<proposed - 1>`, with `pending` still open. */
function ledger(pending: string[], proposed: number) {
  return {
    name: NAME,
    isPending: (id: string) => pending.includes(id),
    wasProposed: (id: string) => isNumberedBelow(id, 'c', proposed),
    pendingCount: () => pending.length,
  }
}

function thrown(action: () => unknown): NordError | undefined {
  try {
    action()
  } catch (error) {
    return error as NordError
  }
  return undefined
}

function messages(issues: IssueList): string[] {
  return issues.issues.map((issue) => `${issue.path}: ${issue.message}`)
}

function collect(): { add: (p: string, m: string) => void; list: string[] } {
  const list: string[] = []
  return { add: (path, message) => list.push(`${path}: ${message}`), list }
}

describe('checkResults', () => {
  it('returns the fitness of each pending candidate', () => {
    const fitness = checkResults(
      [result('c0', 0.5), result('c1', 0)],
      ledger(['c0', 'c1'], 2),
    )

    expect([...fitness]).toEqual([
      ['c0', 0.5],
      ['c1', 0],
    ])
  })

  it('rejects a value that is not an array', () => {
    const error = thrown(() => checkResults('c0', ledger(['c0'], 1)))

    expect(error?.code).toBe('NORD_ERR_INVALID_RESULT')
    expect(error?.message).toContain(
      `${NAME}: tell() expects an array of results, got 'c0'`,
    )
  })

  it('rejects an id that was never proposed', () => {
    const error = thrown(() =>
      checkResults([result('c5', 1)], ledger(['c0'], 1)),
    )

    expect(error?.code).toBe('NORD_ERR_UNKNOWN_CANDIDATE')
    expect(error?.message).toContain(
      `${NAME}: candidate 'c5' was never proposed`,
    )
  })

  it('rejects an id told twice in one call', () => {
    const error = thrown(() =>
      checkResults([result('c0', 1), result('c0', 2)], ledger(['c0'], 1)),
    )

    expect(error?.code).toBe('NORD_ERR_DUPLICATE_RESULT')
  })

  it('rejects an id told in an earlier call', () => {
    const error = thrown(() => checkResults([result('c0', 1)], ledger([], 1)))

    expect(error?.code).toBe('NORD_ERR_DUPLICATE_RESULT')
    expect(error?.message).toContain(
      `${NAME}: candidate c0 already has a result`,
    )
  })

  it.each([Number.NaN, Number.POSITIVE_INFINITY, '1', undefined])(
    'rejects the fitness %s',
    (fitness) => {
      const error = thrown(() =>
        checkResults([result('c0', fitness)], ledger(['c0'], 1)),
      )

      expect(error?.code).toBe('NORD_ERR_INVALID_FITNESS')
    },
  )
})

describe('collectFitness', () => {
  it('rejects the call when the id check throws for a later result', () => {
    const seen: string[] = []
    const error = thrown(() =>
      collectFitness([result('a', 1), result('b', 2)], NAME, (id) => {
        seen.push(String(id))
        if (id === 'b') throw new Error('unknown b')
      }),
    )

    expect(error?.message).toBe('unknown b')
    expect(seen).toEqual(['a', 'b'])
  })

  it('passes the ids accepted earlier in the call', () => {
    const earlier: string[][] = []
    collectFitness([result('a', 1), result('b', 2)], NAME, (_id, inCall) => {
      earlier.push([...inCall.keys()])
    })

    expect(earlier).toEqual([[], ['a']])
  })
})

describe('isNumberedBelow', () => {
  it.each([
    ['c0', true],
    ['c2', true],
    ['c3', false],
    ['c01', false],
    ['c-1', false],
    ['d0', false],
    ['c', false],
  ])('reads %s against 3 proposed as %s', (id, expected) => {
    expect(isNumberedBelow(id, 'c', 3)).toBe(expected)
  })
})

describe('startStateCheck', () => {
  it('throws at once for a value that is not an object', () => {
    const error = thrown(() => startStateCheck([1], 'test state', 1))

    expect(error?.code).toBe('NORD_ERR_INVALID_STATE')
    expect(error?.message).toContain('state: must be an object, got [1]')
  })

  it('collects a wrong format until throwIfAny', () => {
    const check = startStateCheck({ format: 2 }, 'test state', 1)
    check.add('proposed', 'must be an integer >= 0, got -1')
    const error = thrown(() => check.throwIfAny())

    expect(error?.message).toContain('format: must be 1, got 2')
    expect(error?.message).toContain('proposed: must be an integer >= 0')
  })

  it('files state issues with NORD_ERR_INVALID_STATE', () => {
    const check = startStateCheck({ format: 2 }, 'test state', 1)
    const error = thrown(() => check.throwIfAny()) as NordError & {
      issues: { code: string }[]
    }

    expect(error.issues.map((issue) => issue.code)).toEqual([
      'NORD_ERR_INVALID_STATE',
    ])
  })

  it('returns the state when the format matches', () => {
    const check = startStateCheck({ format: 1, proposed: 3 }, 'test state', 1)

    expect(check.state.proposed).toBe(3)
    expect(() => check.throwIfAny()).not.toThrow()
  })
})

describe('saved state fields', () => {
  it.each([-1, 1.5, '2'])('rejects the count %s', (value) => {
    const { add, list } = collect()
    checkCount('proposed', value, add)

    expect(list).toHaveLength(1)
    expect(list[0]).toMatch(/^proposed: must be an integer >= 0, got /)
  })

  it('accepts the count 0', () => {
    const { add, list } = collect()
    checkCount('proposed', 0, add)

    expect(list).toEqual([])
  })

  it('reports each gene outside its bounds', () => {
    const { add, list } = collect()
    checkSavedGenotype('pending[0].genotype', [5, -1], GENES, add)

    expect(list).toEqual([
      'pending[0].genotype[0]: must be an integer from 1 to 4, got 5',
      'pending[0].genotype[1]: must be an integer from 0 to 2, got -1',
    ])
  })

  it('reports a genotype of the wrong length', () => {
    const { add, list } = collect()
    checkSavedGenotype('seen[0]', [1], GENES, add)

    expect(list).toEqual(['seen[0]: must be an array of 2 genes, got [1]'])
  })

  it.each([[[1, 2, 3]], [[1, 2, 3, 2 ** 32]], [[1, 2, 3, -1]], [null]])(
    'rejects the random state %j',
    (value) => {
      const { add, list } = collect()
      checkRandomState(value, add)

      expect(list).toHaveLength(1)
      expect(list[0]).toMatch(/^random: must be four 32-bit unsigned integers/)
    },
  )

  it('accepts four 32-bit words', () => {
    const { add, list } = collect()
    checkRandomState([0, 1, 2, 2 ** 32 - 1], add)

    expect(list).toEqual([])
  })
})

describe('mergeOptions', () => {
  const defaults = { population: 10, cycles: null }

  it('lays the written options over the defaults', () => {
    const issues = new IssueList()

    expect(mergeOptions({ population: 4 }, defaults, issues)).toEqual({
      population: 4,
      cycles: null,
    })
    expect(issues.empty).toBe(true)
  })

  it('treats undefined as absent', () => {
    const issues = new IssueList()

    expect(mergeOptions({ population: undefined }, defaults, issues)).toEqual(
      defaults,
    )
  })

  it('reports unknown keys by their own name', () => {
    const issues = new IssueList()
    mergeOptions({ populaton: 4 }, defaults, issues)

    expect(issues.issues.map((issue) => issue.path)).toEqual(['populaton'])
  })

  it('returns undefined for options that are not an object', () => {
    const issues = new IssueList()

    expect(mergeOptions([1], defaults, issues)).toBeUndefined()
    expect(messages(issues)).toEqual(['options: must be an object, got [1]'])
  })
})

describe('checkSeed', () => {
  it('rejects a fractional seed', () => {
    const issues = new IssueList()
    checkSeed(1.5, issues)

    expect(messages(issues)).toEqual(['seed: must be a safe integer, got 1.5'])
  })
})

describe('checkIntegerGenes', () => {
  it('accepts integer bounds with min <= max', () => {
    const issues = new IssueList()
    checkIntegerGenes(GENES, issues)

    expect(issues.empty).toBe(true)
  })

  it('rejects an empty list', () => {
    const issues = new IssueList()
    checkIntegerGenes([], issues)

    expect(messages(issues)).toEqual([
      'space.genes: must be a non-empty array of integer genes, got []',
    ])
  })

  it('reports every bad bound with NORD_ERR_INVALID_SPACE', () => {
    const issues = new IssueList()
    checkIntegerGenes(
      [
        { name: 'a', min: 0.5, max: 'x' },
        { name: 'b', min: 3, max: 1 },
      ],
      issues,
    )

    expect(messages(issues)).toEqual([
      'space.genes[0].min: must be an integer, got 0.5',
      "space.genes[0].max: must be an integer, got 'x'",
      "space.genes[1]: bounds are inverted (min 3 > max 1 in gene 'b'). Swap them",
    ])
    expect(
      issues.issues.every((i) => i.code === 'NORD_ERR_INVALID_SPACE'),
    ).toBe(true)
  })
})
