import { describe, expect, it } from 'vitest'
import { METHODS, type MethodId } from '../src/methods.js'
import { resolveSuiteOptions } from '../src/options.js'
import type { RunResult } from '../src/run-one.js'
import { compareMethods, summarizeMethods } from '../src/summary.js'

function run(
  method: MethodId,
  seed: number,
  bestAccuracy: number | null,
): RunResult {
  return {
    method,
    seed,
    workers: 0,
    dir: `runs/${method}/seed-${seed}`,
    status: 'completed',
    stopReason: 'evaluations',
    bestAccuracy,
    bestGenotype: bestAccuracy === null ? null : [1, 2, 3, 4],
    bestParameters: bestAccuracy === null ? null : 1000,
    evaluations: 10,
    ok: bestAccuracy === null ? 0 : 4,
    invalid: bestAccuracy === null ? 10 : 6,
    failed: 0,
    cacheHits: 0,
    seconds: seed,
    wallSeconds: seed,
    backends: ['wasm'],
    utilisation: null,
  }
}

const SEEDS = [1, 2, 3, 4, 5]

describe('compareMethods', () => {
  it('calls the higher method better when p < 0.05', () => {
    const runs = [
      ...SEEDS.map((seed) => run('e1', seed, 0.8 + seed / 100)),
      ...SEEDS.map((seed) => run('random', seed, 0.7 + seed / 100)),
    ]
    const [comparison] = compareMethods(['e1', 'random'], runs)
    expect(comparison?.p).toBeCloseTo(0.007936507936507936, 12)
    expect(comparison?.better).toBe('e1')
    expect(comparison?.verdict).toMatch(/E1 local GA finds better networks/)
  })

  it('reports no winner when p >= 0.05', () => {
    const runs = [
      run('e1', 1, 0.8),
      run('e1', 2, 0.7),
      run('rl', 1, 0.75),
      run('rl', 2, 0.72),
    ]
    const [comparison] = compareMethods(['e1', 'rl'], runs)
    expect(comparison?.better).toBeNull()
    expect(comparison?.verdict).toMatch(/not significant/)
  })

  it('tests each pair once', () => {
    const methods: MethodId[] = ['e1', 'e2', 'e3', 'random']
    const runs = methods.flatMap((method) =>
      SEEDS.map((seed) => run(method, seed, 0.5)),
    )
    expect(compareMethods(methods, runs)).toHaveLength(6)
  })
})

describe('summarizeMethods', () => {
  it('counts a run without ok candidates as accuracy 0', () => {
    const [summary] = summarizeMethods(
      ['random'],
      [run('random', 1, null), run('random', 2, 0.6)],
    )
    expect(summary?.bestAccuracy.mean).toBeCloseTo(0.3, 12)
    expect(summary?.runsWithoutOk).toBe(1)
    expect(summary?.invalid).toBe(16)
  })

  it('skips methods without runs', () => {
    expect(summarizeMethods(['e1', 'e2'], [run('e1', 1, 0.5)])).toHaveLength(1)
  })
})

describe('resolveSuiteOptions', () => {
  it('applies the quick preset', () => {
    const options = resolveSuiteOptions({ quick: true })
    expect(options.trainSize).toBe(300)
    expect(options.population * options.generations).toBe(8)
    expect(options.methods).toHaveLength(7)
  })

  it('lets given options override the preset', () => {
    expect(resolveSuiteOptions({ quick: true, seeds: 3 }).seeds).toBe(3)
  })

  it('reports every problem with its key', () => {
    let message = ''
    try {
      resolveSuiteOptions({
        seeds: 0,
        workers: 1.5,
        seconds: -1,
        methods: ['e1', 'e9' as MethodId, 'e1'],
      })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/seeds: must be an integer/)
    expect(message).toMatch(/workers: must be an integer/)
    expect(message).toMatch(/seconds: must be/)
    expect(message).toMatch(/methods\[1\]: must be one of/)
    expect(message).toMatch(/methods\[2\]: lists e1 twice/)
  })
})

describe('METHODS', () => {
  it('keeps labels short enough for legends', () => {
    for (const method of Object.values(METHODS)) {
      expect(method.label.length, method.id).toBeLessThanOrEqual(16)
    }
  })
})
