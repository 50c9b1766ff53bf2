import {
  checkPlugin,
  createRandom,
  type IntegerGene,
  isNordError,
  type Result,
} from '@nord/core'
import { runOptimizerConformance } from '@nord/core/testing'
import { describe, expect, it } from 'vitest'
import plugin, { createHillClimber, DEFAULT_OPTIONS } from '../src/index.js'

const GENES: IntegerGene[] = [
  { name: 'filters_1', min: 1, max: 50 },
  { name: 'kernelSize_1', min: 1, max: 50 },
  { name: 'filters_2', min: 1, max: 50 },
  { name: 'kernelSize_2', min: 1, max: 50 },
]
const space = { genes: GENES }

/** Scores a genotype on a smooth landscape whose single peak is [40, 3, 25, 5]. */
function fitnessOf(genotype: number[]): number {
  const peak = [40, 3, 25, 5]
  const distance = genotype.reduce(
    (sum, gene, index) => sum + Math.abs(gene - peak[index]!),
    0,
  )
  return 1 / (1 + distance)
}

function resultOf(candidate: { id: string; genotype: number[] }): Result {
  const fitness = fitnessOf(candidate.genotype)
  return {
    candidate,
    evaluation: {
      status: 'ok',
      fitness,
      accuracy: fitness,
      loss: 1 - fitness,
      parameters: null,
      flops: null,
      seconds: 0,
    },
  }
}

function errorOf(action: () => unknown): unknown {
  try {
    action()
  } catch (error) {
    return error
  }
  return undefined
}

describe('plugin', () => {
  it('passes the plugin check of core', () => {
    const checked = checkPlugin(plugin, 'optimizer', 'test')

    expect(checked.name).toBe('nord-optimizer-hill-climbing')
  })

  it('creates a steady-state optimizer', async () => {
    const optimizer = await plugin.create(
      {},
      {
        space: {
          ...space,
          name: 's',
          options: {},
          decode: () => ({ layers: [], connections: [] }),
        },
        seed: 1,
        logger: console,
      },
    )

    expect(optimizer.mode).toBe('steady-state')
    expect(optimizer.options).toEqual(DEFAULT_OPTIONS)
  })
})

describe('conformance', () => {
  it('keeps the optimizer contract', async () => {
    const checks = await runOptimizerConformance(createHillClimber, {
      space,
      options: { patience: 5 },
      invalidOptions: {
        options: { step: 0, mutationRate: 1.5, steps: 2 },
        paths: ['step', 'mutationRate', 'steps'],
      },
    })

    expect(checks.every((check) => check.passed)).toBe(true)
  })
})

describe('options', () => {
  it('lists every invalid option with its key path', () => {
    const error = errorOf(() =>
      createHillClimber(
        { step: 0, mutationRate: -1, patience: 1.5, colour: 'red' } as never,
        { space, seed: 1 },
      ),
    ) as { code: string; issues: { path: string }[] }

    expect(isNordError(error)).toBe(true)
    expect(error.code).toBe('NORD_ERR_INVALID_OPTION')
    const paths = error.issues.map((issue) => issue.path)
    expect(paths).toContain('step')
    expect(paths).toContain('mutationRate')
    expect(paths).toContain('patience')
    expect(paths).toContain('colour')
  })

  it('rejects genes with reversed bounds', () => {
    const error = errorOf(() =>
      createHillClimber(
        {},
        {
          space: { genes: [{ name: 'a', min: 5, max: 2 }] },
          seed: 1,
        },
      ),
    ) as { issues: { path: string }[] }

    expect(error.issues.map((issue) => issue.path)).toEqual([
      'space.genes[0].max',
    ])
  })
})

describe('climb', () => {
  it('samples uniformly before the first result', () => {
    const optimizer = createHillClimber({}, { space, seed: 3 })

    const candidates = optimizer.ask(3)

    expect(candidates.map((candidate) => candidate.id)).toEqual([
      'h0',
      'h1',
      'h2',
    ])
    for (const candidate of candidates) {
      expect(candidate.parents).toEqual([])
    }
  })

  it('proposes neighbours within step of the current genotype', () => {
    const optimizer = createHillClimber({ step: 2 }, { space, seed: 4 })
    const [start] = optimizer.ask(1)
    optimizer.tell([resultOf(start!)])

    for (const candidate of optimizer.ask(50)) {
      expect(candidate.parents).toEqual([start!.id])
      const changes = candidate.genotype.map((gene, index) =>
        Math.abs(gene - start!.genotype[index]!),
      )
      expect(Math.max(...changes)).toBeLessThanOrEqual(2)
      expect(Math.max(...changes)).toBeGreaterThan(0)
    }
  })

  it('keeps genes inside bounds at the edges', () => {
    const genes = [
      { name: 'a', min: 1, max: 2 },
      { name: 'b', min: 7, max: 7 },
    ]
    const optimizer = createHillClimber(
      { step: 5, patience: 0 },
      { space: { genes }, seed: 5 },
    )
    optimizer.tell(optimizer.ask(1).map(resultOf))

    for (const candidate of optimizer.ask(40)) {
      expect(candidate.genotype[0]).toBeGreaterThanOrEqual(1)
      expect(candidate.genotype[0]).toBeLessThanOrEqual(2)
      expect(candidate.genotype[1]).toBe(7)
    }
  })

  it('climbs towards the peak of a smooth landscape', () => {
    const optimizer = createHillClimber({ patience: 0 }, { space, seed: 6 })
    let best = 0
    for (let step = 0; step < 400; step++) {
      const results = optimizer.ask(1).map(resultOf)
      optimizer.tell(results)
      best = Math.max(best, results[0]!.evaluation.fitness)
    }

    expect(best).toBe(1)
  })

  it('restarts after patience results without improvement', () => {
    const optimizer = createHillClimber({ patience: 3 }, { space, seed: 7 })
    const [start] = optimizer.ask(1)
    optimizer.tell([resultOf(start!)])
    const worse = optimizer.ask(3).map((candidate) => ({
      ...resultOf(candidate),
      evaluation: { ...resultOf(candidate).evaluation, fitness: -1 },
    }))
    optimizer.tell(worse)

    const [next] = optimizer.ask(1)

    expect(next!.parents).toEqual([])
    expect(optimizer.state().current).toBeNull()
  })

  it('rejects a result it did not propose and records nothing', () => {
    const optimizer = createHillClimber({}, { space, seed: 8 })
    const [first] = optimizer.ask(1)
    const before = optimizer.state()

    const error = errorOf(() =>
      optimizer.tell([
        resultOf(first!),
        resultOf({ id: 'h99', genotype: [1, 1, 1, 1] }),
      ]),
    ) as { code: string }

    expect(error.code).toBe('NORD_ERR_UNKNOWN_CANDIDATE')
    expect(optimizer.state()).toEqual(before)
  })

  it('continues identically after state and restore', () => {
    const original = createHillClimber({}, { space, seed: 9 })
    for (let step = 0; step < 20; step++) {
      original.tell(original.ask(2).map(resultOf))
    }
    const pending = original.ask(1)
    const copy = createHillClimber({}, { space, seed: 1234 })
    copy.restore(JSON.parse(JSON.stringify(original.state())))

    copy.tell(pending.map(resultOf))
    original.tell(pending.map(resultOf))

    expect(copy.ask(5)).toEqual(original.ask(5))
  })

  it('rejects a damaged state and keeps its own', () => {
    const optimizer = createHillClimber({}, { space, seed: 10 })
    const before = optimizer.state()

    const error = errorOf(() =>
      optimizer.restore({ ...before, random: [1], issued: -1 }),
    ) as { code: string; issues: { path: string }[] }

    expect(error.code).toBe('NORD_ERR_INVALID_STATE')
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'issued',
      'random',
    ])
    expect(optimizer.state()).toEqual(before)
  })

  it('proposes the same candidates for the same seed', () => {
    const first = createHillClimber({}, { space, seed: createRandom(1).seed })
    const second = createHillClimber({}, { space, seed: createRandom(1).seed })

    expect(first.ask(4)).toEqual(second.ask(4))
  })
})
