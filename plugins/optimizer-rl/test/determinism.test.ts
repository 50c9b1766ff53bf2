import type { Candidate, JsonValue } from '@nord/core'
import { describe, expect, it } from 'vitest'
import type { ReinforceOptimizerOptions } from '../src/options.js'
import type { ReinforceOptimizer } from '../src/reinforce-optimizer.js'
import { createOptimizer, runBatch, score } from './helpers.js'

const OPTIONS: ReinforceOptimizerOptions = { batchSize: 4, learningRate: 0.1 }

async function runAll(seed: number, updates = 6): Promise<Candidate[][]> {
  const optimizer = await createOptimizer(OPTIONS, seed)
  const batches: Candidate[][] = []
  for (let update = 0; update < updates; update++) {
    batches.push(runBatch(optimizer))
  }
  return batches
}

/**
 * Returns the state after a JSON round trip, as a run directory would store it.
 */
function saved(optimizer: ReinforceOptimizer): JsonValue {
  return JSON.parse(JSON.stringify(optimizer.state()))
}

describe('determinism', () => {
  it('repeats every batch for the same seed', async () => {
    expect(await runAll(42)).toEqual(await runAll(42))
  })

  it('differs between seeds', async () => {
    const first = await runAll(1)
    const second = await runAll(2)

    expect(first[0]).not.toEqual(second[0])
    expect(first.at(-1)).not.toEqual(second.at(-1))
  })
})

describe('restore', () => {
  it('resumes between batches', async () => {
    const original = await createOptimizer(OPTIONS, 9)
    runBatch(original)
    runBatch(original)
    const resumed = await createOptimizer(OPTIONS, 99)
    resumed.restore(saved(original))

    for (let update = 0; update < 4; update++) {
      expect(runBatch(resumed)).toEqual(runBatch(original))
    }
    expect(resumed.state()).toEqual(original.state())
  })

  it('resumes with pending and waiting results', async () => {
    const original = await createOptimizer(OPTIONS, 10)
    runBatch(original)
    const asked = original.ask(6)
    const results = score(asked)
    original.tell(results.slice(0, 2))
    const resumed = await createOptimizer(OPTIONS, 10)
    resumed.restore(saved(original))

    resumed.tell(results.slice(2))
    original.tell(results.slice(2))

    expect(resumed.state()).toEqual(original.state())
    expect(resumed.ask()).toEqual(original.ask())
  })

  it('rejects a result told before saving', async () => {
    const original = await createOptimizer(OPTIONS, 12)
    const [first] = original.ask(2)
    original.tell(score([first!]))
    const resumed = await createOptimizer(OPTIONS, 12)
    resumed.restore(saved(original))

    expect(() => resumed.tell(score([first!]))).toThrow(/already has a result/)
  })

  it('saves parameters, moments, baseline, samples and the stream', async () => {
    const optimizer = await createOptimizer(OPTIONS, 14)
    runBatch(optimizer)
    optimizer.tell(score(optimizer.ask(3).slice(0, 1)))

    const state = optimizer.state()

    expect(state.format).toBe(1)
    expect(state.controller).toBe('factorised')
    expect(state.parameters).toHaveLength(6)
    expect(state.adam.step).toBe(1)
    expect(state.baseline).not.toBeNull()
    expect(state.updates).toBe(1)
    expect(state.proposed).toBe(7)
    expect(state.pending.map((sample) => sample.id)).toEqual(['s5', 's6'])
    expect(state.scored.map((sample) => sample.id)).toEqual(['s4'])
    expect(state.random).toHaveLength(4)
  })
})

describe('restore validation', () => {
  async function pathsOf(state: unknown): Promise<string[]> {
    const optimizer = await createOptimizer(OPTIONS, 1)
    try {
      optimizer.restore(state as JsonValue)
    } catch (error) {
      const issues = (error as { issues?: { path: string }[] }).issues ?? []
      return issues.map((issue) => issue.path)
    }
    return []
  }

  async function validState(): Promise<Record<string, unknown>> {
    const optimizer = await createOptimizer(OPTIONS, 1)
    runBatch(optimizer)
    optimizer.tell(score(optimizer.ask(3).slice(0, 1)))
    return saved(optimizer) as Record<string, unknown>
  }

  it('accepts its own state', async () => {
    expect(await pathsOf(await validState())).toEqual([])
  })

  it('rejects a state that is not an object', async () => {
    expect(await pathsOf('nope')).toEqual(['state'])
  })

  it('lists every problem of a damaged state', async () => {
    const state = await validState()
    const parameters = state.parameters as number[][]
    const adam = state.adam as Record<string, unknown>
    const pending = state.pending as Record<string, unknown>[]
    const scored = state.scored as Record<string, unknown>[]
    state.format = 2
    state.controller = 'lstm'
    parameters[1] = [1, 2]
    ;(adam.secondMoment as number[][])[0]![0] = -1
    state.random = [1, 2, 3]
    ;(pending[0]!.genotype as number[])[3] = 8
    pending[1]!.id = 's99'
    scored[0]!.reward = null

    expect(await pathsOf(state)).toEqual([
      'format',
      'controller',
      'parameters[1]',
      'adam.secondMoment[0]',
      'random',
      'pending[0].genotype[3]',
      'pending[1].id',
      'scored[0].reward',
    ])
  })

  it('rejects a baseline before the first update', async () => {
    const optimizer = await createOptimizer(OPTIONS, 1)
    const state = saved(optimizer) as Record<string, unknown>
    state.baseline = 0.5

    expect(await pathsOf(state)).toEqual(['baseline'])
  })

  it('rejects an id in both pending and scored', async () => {
    const state = await validState()
    const pending = state.pending as Record<string, unknown>[]
    const scored = state.scored as Record<string, unknown>[]
    scored[0]!.id = pending[0]!.id

    expect(await pathsOf(state)).toEqual(['scored[0].id'])
  })

  it('keeps the old state after a rejected restore', async () => {
    const optimizer = await createOptimizer(OPTIONS, 3)
    runBatch(optimizer)
    const before = optimizer.state()

    expect(() => optimizer.restore({ format: 1 })).toThrow(
      /nord:optimizer-rl state is invalid/,
    )
    expect(optimizer.state()).toEqual(before)
  })
})
