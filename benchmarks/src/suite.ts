/**
 * The fair-comparison suite: every method on the same space, data, seeds
 * and budget, one run directory per method and seed, then statistics, the
 * CSV and JSON files and the HTML report.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Dataset, NordError, type SearchBudget } from '@nord/core'
import { createIdxCurator, type IdxCuratorOptions } from '@nord/curators'
import { writeBenchReport } from './bench-report.js'
import { machineInfo } from './machine.js'
import { METHODS } from './methods.js'
import {
  evaluationBudget,
  type ResolvedSuiteOptions,
  resolveSuiteOptions,
  type SuiteOptions,
  UNLIMITED_GENERATIONS,
} from './options.js'
import {
  type SuiteResults,
  type SuiteSettings,
  writeSuiteFiles,
} from './outputs.js'
import {
  paperSpace,
  type RunResult,
  runOne,
  type SharedSettings,
} from './run-one.js'
import {
  compareMethods,
  SIGNIFICANCE_LEVEL,
  summarizeMethods,
} from './summary.js'

/** The files a suite wrote, as absolute paths. */
export interface SuiteFiles {
  results: SuiteResults
  /** `OUT/report/index.html`. */
  report: string
}

/**
 * Runs every method for every seed and writes, into `options.out`,
 * `runs/<method>/seed-<s>/` (journal and summary of each run),
 * `results.json`, `results.csv`, `summary.csv` and `report/index.html`.
 * Runs go seed by seed, each seed through every method, so that a change in
 * the machine's load during the suite falls on all methods alike.
 *
 * @throws NordValidationError for invalid options, NordError
 *   `NORD_ERR_RUN_EXISTS` when `OUT/runs` already contains runs.
 */
export async function runSuite(
  options: SuiteOptions = {},
): Promise<SuiteFiles> {
  const resolved = resolveSuiteOptions(options)
  checkOutFolder(resolved.out)
  mkdirSync(resolved.out, { recursive: true })

  const curatorOptions = curatorOptionsOf(resolved)
  const curator = createIdxCurator({
    ...curatorOptions,
    logger: resolved.logger,
  })
  const dataset = await curator.load()
  const shared = sharedSettings(resolved, curatorOptions, curator, dataset)

  const seeds = Array.from({ length: resolved.seeds }, (_, index) => index + 1)
  const total = seeds.length * resolved.methods.length
  const runs: RunResult[] = []
  for (const seed of seeds) {
    for (const method of resolved.methods) {
      const relative = join('runs', method, `seed-${seed}`)
      const run = await runOne(
        method,
        seed,
        join(resolved.out, relative),
        relative,
        shared,
      )
      runs.push(run)
      resolved.onRunFinished?.({
        method,
        seed,
        done: runs.length,
        total,
        bestAccuracy: run.bestAccuracy,
        seconds: run.seconds,
      })
    }
  }

  const results = suiteResults(resolved, seeds, dataset, runs)
  writeSuiteFiles(resolved.out, results)
  const report = await writeBenchReport(resolved.out)
  return { results, report }
}

function checkOutFolder(out: string): void {
  const runsDir = join(out, 'runs')
  if (existsSync(runsDir) && readdirSync(runsDir).length > 0) {
    throw new NordError(
      'NORD_ERR_RUN_EXISTS',
      `${runsDir} already contains runs of an earlier suite`,
      {
        value: out,
        hint: 'Pass another --out folder, or remove this one first',
      },
    )
  }
}

export function curatorOptionsOf(
  options: ResolvedSuiteOptions,
): Omit<IdxCuratorOptions, 'logger'> {
  return {
    name: 'fashion-mnist',
    seed: options.dataSeed,
    trainSize: options.trainSize,
    testSize: options.testSize,
    ...(options.dataDir === null ? {} : { dataDir: options.dataDir }),
  }
}

function budgetOf(options: ResolvedSuiteOptions): SearchBudget {
  if (options.seconds !== null) return { seconds: options.seconds }
  return { evaluations: evaluationBudget(options) }
}

export function sharedSettings(
  options: ResolvedSuiteOptions,
  curatorOptions: Omit<IdxCuratorOptions, 'logger'>,
  curator: SharedSettings['curator'],
  dataset: Dataset,
): SharedSettings {
  return {
    space: paperSpace(),
    dataset,
    curator,
    curatorOptions,
    population: options.population,
    generations:
      options.seconds === null ? options.generations : UNLIMITED_GENERATIONS,
    workers: options.workers,
    training: { epochs: options.epochs, batchSize: options.batchSize },
    budget: budgetOf(options),
    logger: options.logger,
  }
}

function suiteResults(
  options: ResolvedSuiteOptions,
  seeds: number[],
  dataset: Dataset,
  runs: RunResult[],
): SuiteResults {
  return {
    kind: 'nord-benchmark-suite',
    date: new Date().toISOString(),
    settings: suiteSettings(options, seeds, dataset),
    machine: machineInfo(),
    methods: options.methods.map((method) => METHODS[method]),
    runs,
    summary: summarizeMethods(options.methods, runs),
    comparisons: compareMethods(options.methods, runs),
    significanceLevel: SIGNIFICANCE_LEVEL,
  }
}

function suiteSettings(
  options: ResolvedSuiteOptions,
  seeds: number[],
  dataset: Dataset,
): SuiteSettings {
  return {
    quick: options.quick,
    seeds,
    workers: options.workers,
    population: options.population,
    generations: options.generations,
    evaluations: options.seconds === null ? evaluationBudget(options) : null,
    seconds: options.seconds,
    space: { name: 'conv-net-size', ...paperSpace().options },
    ga: { crossoverRate: 0.9, mutationRate: 0.2, selection: 'tournament of 2' },
    training: {
      epochs: options.epochs,
      batchSize: options.batchSize,
      optimizer: 'adam',
      learningRate: 0.001,
    },
    dataset: {
      name: 'fashion-mnist',
      trainSize: options.trainSize,
      testSize: options.testSize,
      seed: options.dataSeed,
      source: dataset.source,
    },
  }
}
