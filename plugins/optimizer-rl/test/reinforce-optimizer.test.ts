import { createRandom, isNordError, type Result } from '@nord/core'
import { describe, expect, it } from 'vitest'
import {
  createOptimizer,
  GENES,
  normalizedSum,
  resultOf,
  runBatch,
  score,
} from './helpers.js'

/** Returns the `code` of the error `action` throws. */
function codeOf(action: () => unknown): string | undefined {
  try {
    action()
  } catch (error) {
    if (isNordError(error)) return error.code
    throw error
  }
  return undefined
}

describe('ask', () => {
  it('proposes batchSize candidates without a count', async () => {
    const optimizer = await createOptimizer({ batchSize: 5 })

    expect(optimizer.ask()).toHaveLength(5)
  })

  it('proposes the requested count', async () => {
    const optimizer = await createOptimizer({ batchSize: 5 })

    expect(optimizer.ask(3)).toHaveLength(3)
    expect(optimizer.ask(0)).toEqual([])
  })

  it('numbers candidates and their policy version', async () => {
    const optimizer = await createOptimizer({ batchSize: 2 })
    const first = optimizer.ask(3)
    optimizer.tell(score(first.slice(0, 2)))
    const second = optimizer.ask(1)

    expect(first.map((candidate) => candidate.id)).toEqual(['s0', 's1', 's2'])
    expect(first.map((candidate) => candidate.generation)).toEqual([0, 0, 0])
    expect(second[0]!.id).toBe('s3')
    expect(second[0]!.generation).toBe(1)
  })

  it('keeps genes inside their bounds', async () => {
    const genes = [
      { name: 'layers', min: 1, max: 3 },
      { name: 'fixed', min: 5, max: 5 },
      { name: 'filters', min: -4, max: 4 },
    ]
    const optimizer = await createOptimizer({ batchSize: 4 }, 3, genes)
    for (let round = 0; round < 20; round++) {
      const candidates = runBatch(optimizer, (genotype) => genotype[0]! / 3)
      for (const { genotype } of candidates) {
        expect(genotype[0]).toBeGreaterThanOrEqual(1)
        expect(genotype[0]).toBeLessThanOrEqual(3)
        expect(genotype[1]).toBe(5)
        expect(genotype[2]).toBeGreaterThanOrEqual(-4)
        expect(genotype[2]).toBeLessThanOrEqual(4)
        expect(genotype.every(Number.isInteger)).toBe(true)
      }
    }
  })

  it('rejects a count that is not a whole number', async () => {
    const optimizer = await createOptimizer()

    expect(codeOf(() => optimizer.ask(-1))).toBe('NORD_ERR_INVALID_COUNT')
    expect(codeOf(() => optimizer.ask(1.5))).toBe('NORD_ERR_INVALID_COUNT')
  })

  it('hands out copies of genotypes', async () => {
    const optimizer = await createOptimizer({ batchSize: 1 })
    const [candidate] = optimizer.ask(1)
    const before = optimizer.state().pending[0]!.genotype.slice()
    candidate!.genotype[0] = 99

    expect(optimizer.state().pending[0]!.genotype).toEqual(before)
  })
})

describe('samples limit', () => {
  it('stops proposing at the limit', async () => {
    const optimizer = await createOptimizer({ batchSize: 4, samples: 10 })

    expect(optimizer.ask(6)).toHaveLength(6)
    expect(optimizer.ask(6)).toHaveLength(4)
    expect(optimizer.ask(6)).toEqual([])
  })

  it('is done once every proposed candidate has a result', async () => {
    const optimizer = await createOptimizer({ batchSize: 4, samples: 6 })
    const candidates = optimizer.ask(6)
    optimizer.tell(score(candidates.slice(0, 5)))

    expect(optimizer.done()).toBe(false)
    optimizer.tell(score(candidates.slice(5)))
    expect(optimizer.done()).toBe(true)
  })

  it('is never done without a limit', async () => {
    const optimizer = await createOptimizer({ batchSize: 2 })
    runBatch(optimizer)

    expect(optimizer.done()).toBe(false)
  })
})

describe('tell', () => {
  it('updates the policy once per full batch', async () => {
    const optimizer = await createOptimizer({ batchSize: 4 })
    const candidates = optimizer.ask(10)
    optimizer.tell(score(candidates.slice(0, 3)))

    expect(optimizer.state().updates).toBe(0)
    optimizer.tell(score(candidates.slice(3, 9)))
    expect(optimizer.state().updates).toBe(2)
    expect(optimizer.state().scored.map((sample) => sample.id)).toEqual(['s8'])
  })

  it('starts the baseline at the first batch mean', async () => {
    const optimizer = await createOptimizer({ batchSize: 3 })
    const candidates = optimizer.ask(3)
    optimizer.tell([
      resultOf(candidates[0]!, 0.2),
      resultOf(candidates[1]!, 0.4),
      resultOf(candidates[2]!, 0.9),
    ])

    expect(optimizer.state().baseline).toBeCloseTo(0.5, 12)
  })

  it('moves the baseline by the decay', async () => {
    const optimizer = await createOptimizer({
      batchSize: 1,
      baselineDecay: 0.75,
    })
    optimizer.tell([resultOf(optimizer.ask(1)[0]!, 0.4)])
    optimizer.tell([resultOf(optimizer.ask(1)[0]!, 0.8)])

    expect(optimizer.state().baseline).toBeCloseTo(0.75 * 0.4 + 0.25 * 0.8, 12)
  })

  it('rewards invalid and failed candidates with 0', async () => {
    const telling = async (fitness: number, status: 'ok' | 'failed') => {
      const optimizer = await createOptimizer({ batchSize: 2 }, 8)
      const [first, second] = optimizer.ask(2)
      optimizer.tell([
        resultOf(first!, 0.6),
        resultOf(second!, fitness, status),
      ])
      return optimizer.state()
    }

    const failed = await telling(0.9, 'failed')
    const zero = await telling(0, 'ok')

    expect(failed).toEqual(zero)
  })

  it('gives the same state for any order inside a batch', async () => {
    const inOrder = await createOptimizer({ batchSize: 6 }, 4)
    const shuffled = await createOptimizer({ batchSize: 6 }, 4)
    const results = score(inOrder.ask(6))
    shuffled.ask(6)

    inOrder.tell(results)
    const reordered = createRandom(5).shuffle(results)
    shuffled.tell(reordered.slice(0, 1))
    shuffled.tell(reordered.slice(1, 4))
    shuffled.tell(reordered.slice(4))

    expect(reordered).not.toEqual(results)
    expect(shuffled.state()).toEqual(inOrder.state())
    expect(shuffled.ask()).toEqual(inOrder.ask())
  })

  it('accepts results across batches in uneven groups', async () => {
    const optimizer = await createOptimizer({ batchSize: 4 }, 6)
    const random = createRandom(7)
    const outstanding: Result[] = []
    let told = 0

    for (let round = 0; round < 12; round++) {
      outstanding.push(...score(optimizer.ask(random.int(1, 5))))
      const group = random.shuffle(outstanding).slice(0, random.int(0, 4))
      optimizer.tell(group)
      told += group.length
      for (const result of group)
        outstanding.splice(outstanding.indexOf(result), 1)
    }

    const state = optimizer.state()
    expect(state.updates).toBe(Math.floor(told / 4))
    expect(state.scored).toHaveLength(told % 4)
    expect(state.pending).toHaveLength(outstanding.length)
  })

  it('rejects a candidate it did not propose', async () => {
    const optimizer = await createOptimizer()
    const [candidate] = optimizer.ask(1)

    const foreign = { ...candidate!, id: 'g0-1' }
    const ahead = { ...candidate!, id: 's5' }
    expect(codeOf(() => optimizer.tell([resultOf(foreign, 1)]))).toBe(
      'NORD_ERR_UNKNOWN_CANDIDATE',
    )
    expect(codeOf(() => optimizer.tell([resultOf(ahead, 1)]))).toBe(
      'NORD_ERR_UNKNOWN_CANDIDATE',
    )
  })

  it('rejects a second result for a candidate', async () => {
    const optimizer = await createOptimizer({ batchSize: 1 })
    const [candidate] = optimizer.ask(1)
    optimizer.tell([resultOf(candidate!, 0.5)])

    expect(codeOf(() => optimizer.tell([resultOf(candidate!, 0.5)]))).toBe(
      'NORD_ERR_DUPLICATE_RESULT',
    )
  })

  it('rejects the same candidate twice in one call', async () => {
    const optimizer = await createOptimizer()
    const [candidate] = optimizer.ask(1)
    const result = resultOf(candidate!, 0.5)

    expect(codeOf(() => optimizer.tell([result, result]))).toBe(
      'NORD_ERR_DUPLICATE_RESULT',
    )
  })

  it('rejects a fitness that is not finite', async () => {
    const optimizer = await createOptimizer()
    const [candidate] = optimizer.ask(1)

    expect(
      codeOf(() => optimizer.tell([resultOf(candidate!, Number.NaN)])),
    ).toBe('NORD_ERR_INVALID_FITNESS')
  })

  it('rejects something other than an array', async () => {
    const optimizer = await createOptimizer()

    expect(codeOf(() => optimizer.tell({} as Result[]))).toBe(
      'NORD_ERR_INVALID_RESULT',
    )
  })

  it('records nothing from a rejected call', async () => {
    const optimizer = await createOptimizer({ batchSize: 2 })
    const [first, second] = optimizer.ask(2)
    const before = optimizer.state()

    const call = () =>
      optimizer.tell([resultOf(first!, 0.5), resultOf(second!, Number.NaN)])
    expect(codeOf(call)).toBe('NORD_ERR_INVALID_FITNESS')
    expect(optimizer.state()).toEqual(before)
  })
})

describe('logProbability', () => {
  it('is uniform before any update', async () => {
    const optimizer = await createOptimizer()

    expect(optimizer.logProbability([0, 1, 2, 3, 4, 5])).toBeCloseTo(
      GENES.length * Math.log(1 / 8),
      12,
    )
  })

  it('rejects a genotype outside the space', async () => {
    const optimizer = await createOptimizer()

    expect(codeOf(() => optimizer.logProbability([8, 0, 0, 0, 0, 0]))).toBe(
      'NORD_ERR_GENOTYPE',
    )
    expect(codeOf(() => optimizer.logProbability([0]))).toBe(
      'NORD_ERR_GENOTYPE',
    )
  })

  it('sums to one over a small space', async () => {
    const genes = [
      { name: 'a', min: 0, max: 2 },
      { name: 'b', min: 1, max: 2 },
    ]
    const optimizer = await createOptimizer({ batchSize: 3 }, 2, genes)
    for (let round = 0; round < 5; round++) {
      runBatch(optimizer, (genotype) => normalizedSum(genotype, genes))
    }

    let total = 0
    for (const a of [0, 1, 2]) {
      for (const b of [1, 2])
        total += Math.exp(optimizer.logProbability([a, b]))
    }
    expect(total).toBeCloseTo(1, 12)
  })
})
