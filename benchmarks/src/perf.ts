/**
 * `bench perf`: the search loop's own cost per evaluation, and the speed-up
 * of E2, E3 and E4 over E1 on the same search and seed with 1 and 2
 * workers.
 */

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type Evaluator,
  IssueList,
  NordError,
  type Optimizer,
  openRunDirectory,
  runSearch,
  type SearchSummary,
  silentLogger,
} from '@nord/core'
import { createIdxCurator } from '@nord/curators'
import gaPlugin from '@nord/optimizer-ga'
import { writeBenchReport } from './bench-report.js'
import { machineInfo } from './machine.js'
import type { MethodId } from './methods.js'
import { resolveSuiteOptions, type SuiteOptions } from './options.js'
import { PERF_FILE, type PerfResults, type SpeedupRow } from './perf-report.js'
import { paperSpace, runOne } from './run-one.js'
import { curatorOptionsOf, sharedSettings } from './suite.js'

/** Options of `runPerf`: the suite's data and search options, plus these. */
export interface PerfOptions
  extends Omit<SuiteOptions, 'seeds' | 'workers' | 'methods' | 'seconds'> {
  /** Evaluations of each overhead run. Default 2,000 (quick: 200). */
  overheadEvaluations?: number
  /** Worker counts of the speed-up runs. Default [1, 2]. */
  workerCounts?: number[]
  /** The run seed of every speed-up run. Default 1. */
  seed?: number
}

/** Methods timed for the speed-up, E1 first as the reference. */
const SPEEDUP_METHODS: MethodId[] = ['e1', 'e2', 'e3', 'e4']

/**
 * Measures the overhead and the speed-ups, writes `OUT/perf.json` and
 * rewrites `OUT/report/` (with the suite's results when `OUT` contains them).
 *
 * @throws NordError `NORD_ERR_RUN_EXISTS` when `OUT/perf` already contains runs.
 */
export async function runPerf(
  options: PerfOptions = {},
): Promise<{ results: PerfResults; report: string }> {
  const { overheadEvaluations, workerCounts, seed, ...suite } = options
  const resolved = resolveSuiteOptions({ ...suite, methods: SPEEDUP_METHODS })
  checkWorkerCounts(workerCounts)
  const perfDir = join(resolved.out, 'perf')
  checkPerfFolder(perfDir)
  mkdirSync(perfDir, { recursive: true })

  const evaluations = overheadEvaluations ?? (resolved.quick ? 200 : 2_000)
  // A first, unrecorded search lets V8 compile the loop's code paths.
  await measureOverhead(Math.min(evaluations, 100), null)
  const overhead = {
    evaluations,
    withJournal: await measureOverhead(
      evaluations,
      join(perfDir, 'overhead-journal'),
    ),
    withoutJournal: await measureOverhead(evaluations, null),
  }
  const speedup = await measureSpeedups(
    resolved,
    workerCounts ?? [1, 2],
    seed ?? 1,
    perfDir,
  )

  const results: PerfResults = {
    kind: 'nord-benchmark-perf',
    date: new Date().toISOString(),
    quick: resolved.quick,
    machine: machineInfo(),
    overhead,
    speedup,
  }
  writeFileSync(
    join(resolved.out, PERF_FILE),
    `${JSON.stringify(results, null, 2)}\n`,
  )
  const report = await writeBenchReport(resolved.out)
  return { results, report }
}

function checkPerfFolder(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new NordError(
      'NORD_ERR_RUN_EXISTS',
      `${dir} already contains runs of an earlier bench perf`,
      {
        value: dir,
        hint: 'Pass another --out folder, or remove this one first',
      },
    )
  }
}

/** An evaluator that trains nothing and returns at once: fitness from the genotype. */
function instantEvaluator(): Evaluator {
  return {
    name: 'benchmark:instant',
    async evaluate(request) {
      const sum = request.candidate.genotype.reduce(
        (total, gene) => total + gene,
        0,
      )
      const accuracy = (sum % 97) / 97
      return {
        status: 'ok',
        fitness: accuracy,
        accuracy,
        loss: 1 - accuracy,
        parameters: sum,
        flops: sum,
        seconds: 0,
      }
    },
  }
}

/**
 * Runs the NORD paper's GA (population 10, crossover 0.9, mutation 0.2)
 * with the instant evaluator and
 * returns the wall-clock seconds of the search and per evaluation. With a
 * `dir`, the search writes its journal and summary there.
 */
async function measureOverhead(
  evaluations: number,
  dir: string | null,
): Promise<{ seconds: number; secondsPerEvaluation: number }> {
  const space = paperSpace()
  const population = 10
  const optimizer = (await gaPlugin.create(
    {
      population,
      generations: Math.ceil(evaluations / population),
      crossoverRate: 0.9,
      mutationRate: 0.2,
    },
    { space, seed: 1, logger: silentLogger },
  )) as Optimizer
  const run = dir === null ? undefined : openRunDirectory(dir)
  let summary: SearchSummary
  try {
    summary = await runSearch({
      optimizer,
      space,
      evaluator: instantEvaluator(),
      seed: 1,
      budget: { evaluations },
      ...(run === undefined ? {} : { run }),
    })
  } finally {
    run?.close()
  }
  return {
    seconds: summary.seconds,
    secondsPerEvaluation:
      summary.seconds / Math.max(1, summary.counts.evaluated),
  }
}

async function measureSpeedups(
  resolved: ReturnType<typeof resolveSuiteOptions>,
  workerCounts: number[],
  seed: number,
  perfDir: string,
): Promise<PerfResults['speedup']> {
  const curatorOptions = curatorOptionsOf(resolved)
  const curator = createIdxCurator({
    ...curatorOptions,
    logger: resolved.logger,
  })
  const dataset = await curator.load()

  const e1Shared = sharedSettings(resolved, curatorOptions, curator, dataset)
  const e1 = await runOne(
    'e1',
    seed,
    join(perfDir, 'e1'),
    join('perf', 'e1'),
    e1Shared,
  )
  const rows: SpeedupRow[] = [speedupRow(e1, e1.seconds)]

  for (const workers of workerCounts) {
    const shared = sharedSettings(
      { ...resolved, workers },
      curatorOptions,
      curator,
      dataset,
    )
    for (const method of SPEEDUP_METHODS.slice(1)) {
      const name = `${method}-w${workers}`
      const run = await runOne(
        method,
        seed,
        join(perfDir, name),
        join('perf', name),
        shared,
      )
      rows.push(speedupRow(run, e1.seconds))
    }
  }
  return {
    seed,
    trainSize: resolved.trainSize,
    testSize: resolved.testSize,
    epochs: resolved.epochs,
    evaluations: resolved.population * resolved.generations,
    rows,
  }
}

function speedupRow(
  run: Awaited<ReturnType<typeof runOne>>,
  e1Seconds: number,
): SpeedupRow {
  return {
    method: run.method,
    workers: run.workers,
    seconds: run.seconds,
    speedup: e1Seconds / run.seconds,
    evaluations: run.evaluations,
    ok: run.ok,
    bestAccuracy: run.bestAccuracy,
    utilisation: run.utilisation,
    dir: run.dir,
  }
}

/**
 * Checks the worker counts of the speed-up runs before any run starts.
 *
 * @throws NordValidationError `NORD_ERR_INVALID_OPTION` naming `workerCounts`.
 */
function checkWorkerCounts(counts: number[] | undefined): void {
  if (counts === undefined) return
  const issues = new IssueList()
  if (counts.length === 0)
    issues.add('workerCounts', 'must list at least one count')
  for (const count of counts) {
    if (!Number.isSafeInteger(count) || count < 1) {
      issues.add(
        'workerCounts',
        `must be integers >= 1, got ${JSON.stringify(count)}`,
      )
    }
  }
  issues.throwIfAny('the perf options')
}
