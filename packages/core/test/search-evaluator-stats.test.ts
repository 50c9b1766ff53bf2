import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../src/search/logger.js'
import {
  openRunDirectory,
  type RunDirectory,
} from '../src/search/run-directory.js'
import { runSearch } from '../src/search/search-loop.js'
import type {
  SearchOptions,
  SearchSummary,
} from '../src/search/search-types.js'
import type { JsonValue } from '../src/types.js'
import {
  fakeHash,
  fakeSpace,
  fakeValidate,
  RecordingEvaluator,
  ScriptedOptimizer,
} from './search-fakes.js'

const folders: string[] = []
const runs: RunDirectory[] = []

afterEach(() => {
  for (const run of runs.splice(0)) run.close()
  for (const folder of folders.splice(0)) {
    rmSync(folder, { recursive: true, force: true })
  }
})

/** Opens a run directory that also keeps a copy of every summary written. */
function openRecordedRun(): { run: RunDirectory; written: SearchSummary[] } {
  const folder = mkdtempSync(join(tmpdir(), 'nord-stats-'))
  folders.push(folder)
  const run = openRunDirectory(join(folder, 'run'))
  runs.push(run)
  const written: SearchSummary[] = []
  const write = run.writeSummary.bind(run)
  run.writeSummary = (summary) => {
    written.push(structuredClone(summary) as SearchSummary)
    write(summary)
  }
  return { run, written }
}

/** An evaluator whose `stats()` counts its calls and returns `statsOf(this)`. */
class StatsEvaluator extends RecordingEvaluator {
  calls = 0

  constructor(
    private readonly statsOf: (evaluator: StatsEvaluator) => unknown,
  ) {
    super()
  }

  stats(): JsonValue {
    this.calls++
    return this.statsOf(this) as JsonValue
  }
}

function options(overrides: Partial<SearchOptions>): SearchOptions {
  return {
    optimizer: new ScriptedOptimizer([
      [
        [3, 1],
        [4, 1],
      ],
      [[5, 1]],
    ]),
    space: fakeSpace,
    evaluator: new RecordingEvaluator(),
    seed: 7,
    budget: { evaluations: 10 },
    validate: fakeValidate,
    hash: fakeHash,
    ...overrides,
  }
}

function readSummary(run: RunDirectory): Record<string, unknown> {
  return JSON.parse(readFileSync(run.summaryPath, 'utf8'))
}

describe('evaluator statistics', () => {
  it('go into every summary written', async () => {
    const { run, written } = openRecordedRun()
    const evaluator = new StatsEvaluator((self) => ({
      evaluated: self.requests.length,
    }))

    const summary = await runSearch(options({ evaluator, run }))

    const evaluated = written.map((each) => each.evaluator)
    expect(evaluated).toEqual([
      { evaluated: 0 },
      { evaluated: 2 },
      { evaluated: 3 },
      { evaluated: 3 },
    ])
    expect(evaluator.calls).toBe(written.length)
    expect(summary.evaluator).toEqual({ evaluated: 3 })
    expect(readSummary(run).evaluator).toEqual({ evaluated: 3 })
  })

  it('go into the result without a run directory', async () => {
    const evaluator = new StatsEvaluator(() => ({ workers: [1, 2] }))

    const summary = await runSearch(options({ evaluator }))

    expect(summary.evaluator).toEqual({ workers: [1, 2] })
  })

  it('are absent without a stats method', async () => {
    const { run } = openRecordedRun()

    const summary = await runSearch(options({ run }))

    expect('evaluator' in summary).toBe(false)
    expect('evaluator' in readSummary(run)).toBe(false)
  })

  it('are logged and left out when stats throws', async () => {
    const { run, written } = openRecordedRun()
    const lines: string[] = []
    const evaluator = new StatsEvaluator(() => {
      throw new Error('pool closed')
    })

    const summary = await runSearch(
      options({
        evaluator,
        run,
        logger: createLogger({
          level: 'debug',
          write: (line) => lines.push(line),
        }),
      }),
    )

    expect(summary.status).toBe('completed')
    expect(summary.counts.ok).toBe(3)
    expect(written.every((each) => !('evaluator' in each))).toBe(true)
    expect('evaluator' in readSummary(run)).toBe(false)
    const failures = lines.filter((line) =>
      line.includes('evaluator statistics left out of the summary'),
    )
    expect(failures).toHaveLength(written.length)
    expect(failures[0]).toMatch(/^WARN /)
    expect(failures[0]).toContain('pool closed')
    expect(failures.slice(1).every((line) => line.startsWith('DEBUG '))).toBe(
      true,
    )
    expect(failures.at(-1)).toContain(`failures=${written.length}`)
  })

  it('are left out when they are not JSON', async () => {
    const { run } = openRecordedRun()
    const lines: string[] = []
    const evaluator = new StatsEvaluator(() => ({ bytes: 10n }))

    const summary = await runSearch(
      options({
        evaluator,
        run,
        logger: createLogger({
          level: 'warn',
          write: (line) => lines.push(line),
        }),
      }),
    )

    expect(summary.status).toBe('completed')
    expect('evaluator' in summary).toBe(false)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('BigInt')
  })

  it('are left out when stats returns a promise', async () => {
    const lines: string[] = []
    const evaluator = new StatsEvaluator(async () => ({ busy: 1 }))

    const summary = await runSearch(
      options({
        evaluator,
        logger: createLogger({
          level: 'warn',
          write: (line) => lines.push(line),
        }),
      }),
    )

    expect('evaluator' in summary).toBe(false)
    expect(lines[0]).toContain('returned a promise')
  })
})
