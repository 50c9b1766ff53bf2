import { describe, expect, it } from 'vitest'
import { IssueList, NordError } from '../src/errors.js'
import { createRandom, type Random } from '../src/random.js'
import { rejectUnknownKeys } from '../src/search/options.js'
import {
  CHECK_NAMES,
  type CheckName,
  ConformanceError,
  runOptimizerConformance,
} from '../src/testing/index.js'
import type {
  Candidate,
  Genotype,
  IntegerGene,
  JsonValue,
  Optimizer,
  PluginContext,
  Result,
} from '../src/types.js'

const GENES: IntegerGene[] = [
  { name: 'depth', min: 1, max: 5 },
  { name: 'width', min: 0, max: 30 },
  { name: 'kernel', min: 3, max: 3 },
]

/** Ways to break the toy optimizer, one rule each. */
interface Faults {
  shareGenotypes?: boolean
  ignoreSeed?: boolean
  leaveBounds?: boolean
  acceptUnknown?: boolean
  repeatIds?: boolean
  forgetRandomInState?: boolean
  undefinedInState?: boolean
  acceptAnyOptions?: boolean
  rejectShuffledResults?: boolean
  generational?: boolean
}

/**
 * A toy optimizer that samples genotypes uniformly and keeps the best one,
 * correct unless a fault is set. Generational when asked for, with
 * generations of four.
 */
class ToyOptimizer implements Optimizer {
  readonly name = 'test:toy'
  readonly version = '0.0.0'
  readonly mode: 'generational' | 'steady-state'
  private readonly random: Random
  private readonly pending = new Map<string, Genotype>()
  private next = 0
  private best: number | null = null

  constructor(
    private readonly genes: readonly IntegerGene[],
    seed: number,
    private readonly faults: Faults,
  ) {
    this.mode = faults.generational ? 'generational' : 'steady-state'
    this.random = createRandom(faults.ignoreSeed ? 0 : seed)
  }

  ask(n = 4): Candidate[] {
    if (this.mode === 'generational' && this.pending.size > 0) {
      return this.candidatesOf([...this.pending])
    }
    const entries: [string, Genotype][] = []
    for (let index = 0; index < n; index++) {
      const id = this.faults.repeatIds ? 'c0' : `c${this.next++}`
      const genotype = this.genes.map((gene) =>
        this.random.int(gene.min, gene.max),
      )
      if (this.faults.leaveBounds) genotype[0] = this.genes[0]!.max + 1
      this.pending.set(id, genotype)
      entries.push([id, genotype])
    }
    return this.candidatesOf(entries)
  }

  tell(results: Result[]): void {
    const ids = results.map((result) => result.candidate.id)
    if (this.faults.rejectShuffledResults) {
      const sorted = [...ids].sort((a, b) => a.localeCompare(b))
      if (ids.join() !== sorted.join()) throw new Error('results out of order')
    }
    for (const id of ids) {
      if (!this.pending.has(id) && !this.faults.acceptUnknown) {
        throw new NordError('NORD_ERR_UNKNOWN_CANDIDATE', `unknown ${id}`)
      }
    }
    for (const result of results) {
      this.pending.delete(result.candidate.id)
      this.best = Math.max(this.best ?? 0, result.evaluation.fitness)
    }
  }

  state(): JsonValue {
    const state: Record<string, unknown> = {
      next: this.next,
      best: this.best,
      pending: [...this.pending].map(([id, genotype]) => ({
        id,
        genotype: this.faults.shareGenotypes ? genotype : genotype.slice(),
      })),
      random: this.faults.forgetRandomInState ? [] : this.random.getState(),
    }
    if (this.faults.undefinedInState) state.extra = undefined
    return state as JsonValue
  }

  restore(value: JsonValue): void {
    const state = value as {
      next: number
      best: number | null
      pending: { id: string; genotype: number[] }[]
      random: number[]
    }
    this.next = state.next
    this.best = state.best
    this.pending.clear()
    for (const { id, genotype } of state.pending) {
      this.pending.set(id, genotype.slice())
    }
    if (state.random.length === 4) this.random.setState(state.random)
  }

  private candidatesOf(entries: [string, Genotype][]): Candidate[] {
    return entries.map(([id, genotype]) => ({
      id,
      genotype: this.faults.shareGenotypes ? genotype : genotype.slice(),
    }))
  }
}

function toyFactory(faults: Faults = {}) {
  return (options: unknown, context: PluginContext): Optimizer => {
    if (!faults.acceptAnyOptions) {
      const issues = new IssueList()
      rejectUnknownKeys('', options ?? {}, [], issues)
      issues.throwIfAny('test:toy options')
    }
    return new ToyOptimizer(context.space.genes, context.seed, faults)
  }
}

/** Runs the suite and returns the names of the failed checks, or [] if all passed. */
async function failedChecks(faults: Faults): Promise<CheckName[]> {
  try {
    await runOptimizerConformance(toyFactory(faults), {
      space: { genes: GENES },
    })
    return []
  } catch (error) {
    if (!(error instanceof ConformanceError)) throw error
    return error.checks
      .filter((check) => !check.passed)
      .map((check) => check.name)
  }
}

describe('runOptimizerConformance', () => {
  it('passes a steady-state optimizer that keeps the contract', async () => {
    const checks = await runOptimizerConformance(toyFactory(), {
      space: { genes: GENES },
    })

    expect(checks.map((check) => check.name)).toEqual([...CHECK_NAMES])
    expect(checks.every((check) => check.passed)).toBe(true)
  })

  it('passes a generational optimizer that keeps the contract', async () => {
    const checks = await runOptimizerConformance(
      toyFactory({ generational: true }),
      { space: { genes: GENES }, seeds: [10, 20], budget: 24 },
    )

    expect(checks.every((check) => check.passed)).toBe(true)
  })

  it('lists every failed check in one error', async () => {
    const factory = toyFactory({ ignoreSeed: true, acceptAnyOptions: true })
    const run = runOptimizerConformance(factory, { space: { genes: GENES } })

    await expect(run).rejects.toThrow(/failed 2 of 9 conformance checks/)
    await expect(run).rejects.toThrow(/seed-sensitivity: seeds 1 and 2/)
    await expect(run).rejects.toThrow(
      /options-validation: the factory accepted/,
    )
    await expect(run).rejects.toMatchObject({ code: 'NORD_ERR_CONFORMANCE' })
  })

  it.each<[keyof Faults, CheckName[]]>([
    ['shareGenotypes', ['genotype-values']],
    ['ignoreSeed', ['seed-sensitivity']],
    ['leaveBounds', ['genes-in-bounds']],
    ['acceptUnknown', ['unknown-candidate']],
    ['repeatIds', ['ask-contract']],
    ['forgetRandomInState', ['state-round-trip']],
    ['undefinedInState', ['state-round-trip']],
    ['acceptAnyOptions', ['options-validation']],
    ['rejectShuffledResults', ['tell-order']],
  ])('detects the fault %s', async (fault, expected) => {
    const failed = await failedChecks({ [fault]: true })

    for (const check of expected) expect(failed).toContain(check)
  })

  it('fails only the broken rule for shared genotypes', async () => {
    expect(await failedChecks({ shareGenotypes: true })).toEqual([
      'genotype-values',
    ])
  })

  it('fails only the broken rule for a lost random state', async () => {
    expect(await failedChecks({ forgetRandomInState: true })).toEqual([
      'state-round-trip',
    ])
  })

  it('fails options validation for a path no issue names', async () => {
    const run = runOptimizerConformance(toyFactory(), {
      space: { genes: GENES },
      invalidOptions: { options: { population: 0 }, paths: ['sampleSize'] },
    })

    await expect(run).rejects.toThrow(/no issue names 'sampleSize'/)
  })

  it('rejects its own invalid options with key paths', async () => {
    const run = runOptimizerConformance(toyFactory(), {
      space: { genes: [{ name: 'depth', min: 4, max: 2 }] },
      seeds: [3, 3],
      budget: 0,
    })

    await expect(run).rejects.toMatchObject({
      name: 'NordValidationError',
    })
    await expect(run).rejects.toThrow(/seeds: must be two different/)
    await expect(run).rejects.toThrow(/budget: must be an integer >= 1/)
    await expect(run).rejects.toThrow(/space.genes\[0\]: min 4 is above max 2/)
  })
})
