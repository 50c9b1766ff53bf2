import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { benchMain } from '../src/cli.js'
import { METHOD_IDS } from '../src/methods.js'
import {
  RESULT_COLUMNS,
  SUMMARY_COLUMNS,
  type SuiteResults,
} from '../src/outputs.js'
import type { PerfResults } from '../src/perf-report.js'

// The whole quick suite through the command line: 7 methods x 2 seeds on
// 300 training images, E2 to E4 with 2 worker processes each, then the
// perf subcommand with 1 worker. About a minute on 2 cores.
let out = ''
let suiteExit = -1
let perfExit = -1

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'nord-bench-'))
  suiteExit = await benchMain(['--quick', '--out', out])
  perfExit = await benchMain([
    'perf',
    '--quick',
    '--workers',
    '1',
    '--overhead-evaluations',
    '50',
    '--out',
    out,
  ])
})

afterAll(() => {
  if (out !== '') rmSync(out, { recursive: true, force: true })
})

function results(): SuiteResults {
  return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))
}

function csvLines(name: string): string[] {
  return readFileSync(join(out, name), 'utf8').trimEnd().split('\r\n')
}

describe('quick suite', () => {
  it('exits with 0', () => {
    expect(suiteExit).toBe(0)
  })

  it('has a row for every method and seed', () => {
    const runs = results().runs
    for (const method of METHOD_IDS) {
      for (const seed of [1, 2]) {
        const found = runs.filter(
          (run) => run.method === method && run.seed === seed,
        )
        expect(found, `${method} seed ${seed}`).toHaveLength(1)
      }
    }
  })

  it('gives every run the same evaluation budget', () => {
    for (const run of results().runs) {
      expect(run.evaluations, `${run.method} seed ${run.seed}`).toBe(8)
    }
  })

  it('keeps accuracies in [0, 1]', () => {
    const accuracies = results()
      .runs.map((run) => run.bestAccuracy)
      .filter((value) => value !== null)
    expect(accuracies.length).toBeGreaterThan(0)
    for (const accuracy of accuracies) {
      expect(accuracy).toBeGreaterThanOrEqual(0)
      expect(accuracy).toBeLessThanOrEqual(1)
    }
  })

  it('runs E2 to E4 on 2 workers', () => {
    const workers = results()
      .runs.filter((run) => ['e2', 'e3', 'e4'].includes(run.method))
      .map((run) => run.workers)
    expect(workers).toEqual([2, 2, 2, 2, 2, 2])
  })

  it('writes a run directory per run', () => {
    for (const run of results().runs) {
      expect(existsSync(join(out, run.dir, 'journal.jsonl')), run.dir).toBe(
        true,
      )
      expect(existsSync(join(out, run.dir, 'summary.json')), run.dir).toBe(true)
    }
  })

  it('writes the results.csv columns', () => {
    const lines = csvLines('results.csv')
    expect(lines[0]).toBe(RESULT_COLUMNS.join(','))
    expect(lines).toHaveLength(1 + METHOD_IDS.length * 2)
  })

  it('writes the summary.csv columns', () => {
    const lines = csvLines('summary.csv')
    expect(lines[0]).toBe(SUMMARY_COLUMNS.join(','))
    expect(lines).toHaveLength(1 + METHOD_IDS.length)
  })

  it('gives p-values in [0, 1] for every pair', () => {
    const comparisons = results().comparisons
    expect(comparisons).toHaveLength(
      (METHOD_IDS.length * (METHOD_IDS.length - 1)) / 2,
    )
    for (const row of comparisons) {
      expect(row.p).toBeGreaterThanOrEqual(0)
      expect(row.p).toBeLessThanOrEqual(1)
    }
  })

  it('finds no significant pair with 2 seeds', () => {
    // The smallest exact two-sided p-value of 2 vs 2 runs is 1/3.
    expect(results().comparisons.filter((row) => row.better !== null)).toEqual(
      [],
    )
  })

  it('embeds the figures in the report', () => {
    const html = readFileSync(join(out, 'report', 'index.html'), 'utf8')
    const svgs = html.match(/<svg/g) ?? []
    expect(svgs.length).toBeGreaterThanOrEqual(6)
    expect(html).toContain('compare-best-accuracy-by-time')
    expect(html).toContain('Mann–Whitney')
  })

  it('draws the E1 generation figures', () => {
    const figures = join(out, 'report', 'figures')
    expect(
      existsSync(join(figures, 'e1-seed-1-accuracy-per-generation.svg')),
    ).toBe(true)
    expect(
      existsSync(join(figures, 'e1-seed-1-parameters-per-generation.svg')),
    ).toBe(true)
  })
})

describe('bench perf', () => {
  function perf(): PerfResults {
    return JSON.parse(readFileSync(join(out, 'perf.json'), 'utf8'))
  }

  it('exits with 0', () => {
    expect(perfExit).toBe(0)
  })

  it('measures the overhead with and without a journal', () => {
    const { overhead } = perf()
    expect(overhead.evaluations).toBe(50)
    expect(overhead.withJournal.secondsPerEvaluation).toBeGreaterThan(0)
    expect(overhead.withoutJournal.secondsPerEvaluation).toBeGreaterThan(0)
  })

  it('times E1 and E2 to E4 with 1 worker', () => {
    const rows = perf().speedup.rows.map(
      (row) => `${row.method}:${row.workers}`,
    )
    expect(rows).toEqual(['e1:0', 'e2:1', 'e3:1', 'e4:1'])
  })

  it('records worker utilisation for the runs on workers', () => {
    const [e1, ...onWorkers] = perf().speedup.rows
    expect(e1!.utilisation).toBeNull()
    for (const row of onWorkers) {
      expect(row.utilisation).toBeGreaterThan(0)
      expect(row.utilisation).toBeLessThanOrEqual(1)
    }
  })

  it('adds its section to the suite report', () => {
    const html = readFileSync(join(out, 'report', 'index.html'), 'utf8')
    expect(html).toContain('Speed-up over E1')
    expect(html).toContain('Comparison figures')
  })

  it('rejects a second perf into the same folder', async () => {
    const code = await benchMain(['perf', '--quick', '--out', out])
    expect(code).toBe(1)
  })
})

describe('bench command line', () => {
  it('rewrites the report from the JSON files', async () => {
    const index = join(out, 'report', 'index.html')
    rmSync(index)
    expect(await benchMain(['report', '--out', out])).toBe(0)
    expect(readFileSync(index, 'utf8')).toContain('Speed-up over E1')
  })

  it('rejects an unknown option as usage error', async () => {
    expect(await benchMain(['--nonsense'])).toBe(2)
  })

  it('rejects invalid values by flag', async () => {
    expect(
      await benchMain([
        '--seeds',
        '0',
        '--methods',
        'e9',
        '--out',
        join(out, 'x'),
      ]),
    ).toBe(1)
  })
})
