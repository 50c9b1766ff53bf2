/** The suite's files: `results.json`, `results.csv` and `summary.csv`. */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { NordError } from '@nord/core'
import { toCsv } from '@nord/report'
import type { MachineInfo } from './machine.js'
import type { MethodInfo } from './methods.js'
import type { RunResult } from './run-one.js'
import type { Comparison, MethodSummary } from './summary.js'

export const RESULTS_FILE = 'results.json'
export const RESULTS_CSV = 'results.csv'
export const SUMMARY_CSV = 'summary.csv'

/** The settings every run of a suite shared, as the report states them. */
export interface SuiteSettings {
  quick: boolean
  seeds: number[]
  workers: number
  population: number
  generations: number
  /** Evaluations per run, or null in the wall-clock mode. */
  evaluations: number | null
  /** Wall-clock seconds per run, or null in the evaluation mode. */
  seconds: number | null
  space: Record<string, unknown>
  ga: { crossoverRate: number; mutationRate: number; selection: string }
  training: {
    epochs: number
    batchSize: number
    optimizer: string
    learningRate: number
  }
  dataset: {
    name: string
    trainSize: number
    testSize: number
    seed: number
    source: Record<string, unknown>
  }
}

/** The content of `results.json`. */
export interface SuiteResults {
  kind: 'nord-benchmark-suite'
  /** ISO time the suite finished. */
  date: string
  settings: SuiteSettings
  machine: MachineInfo
  methods: MethodInfo[]
  runs: RunResult[]
  summary: MethodSummary[]
  comparisons: Comparison[]
  significanceLevel: number
}

/** Writes `results.json`, `results.csv` and `summary.csv` into `out`. */
export function writeSuiteFiles(out: string, results: SuiteResults): void {
  writeFileSync(
    join(out, RESULTS_FILE),
    `${JSON.stringify(results, null, 2)}\n`,
  )
  writeFileSync(join(out, RESULTS_CSV), toCsv(results.runs.map(resultRow)))
  writeFileSync(join(out, SUMMARY_CSV), toCsv(results.summary.map(summaryRow)))
}

/** Reads `results.json` of a suite folder, or returns null when it has none. */
export function readSuiteResults(out: string): SuiteResults | null {
  let text: string
  try {
    text = readFileSync(join(out, RESULTS_FILE), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  try {
    return JSON.parse(text) as SuiteResults
  } catch (error) {
    throw new NordError(
      'NORD_ERR_BENCH_RESULTS',
      `${join(out, RESULTS_FILE)} is not valid JSON`,
      {
        value: out,
        hint: 'Run the suite again into this folder',
        cause: error,
      },
    )
  }
}

/** The columns of `results.csv`, one row per method and seed. */
export const RESULT_COLUMNS = [
  'method',
  'seed',
  'workers',
  'best_accuracy',
  'best_genotype',
  'best_parameters',
  'evaluations',
  'ok',
  'invalid',
  'failed',
  'cache_hits',
  'seconds',
  'wall_seconds',
  'status',
  'stop_reason',
  'backends',
  'utilisation',
  'run_dir',
] as const

function resultRow(run: RunResult) {
  return {
    method: run.method,
    seed: run.seed,
    workers: run.workers,
    best_accuracy: run.bestAccuracy,
    best_genotype: run.bestGenotype?.join(' ') ?? null,
    best_parameters: run.bestParameters,
    evaluations: run.evaluations,
    ok: run.ok,
    invalid: run.invalid,
    failed: run.failed,
    cache_hits: run.cacheHits,
    seconds: round(run.seconds),
    wall_seconds: round(run.wallSeconds),
    status: run.status,
    stop_reason: run.stopReason,
    backends: run.backends.join(' '),
    utilisation: run.utilisation === null ? null : round(run.utilisation),
    run_dir: run.dir,
  }
}

/** The columns of `summary.csv`, one row per method. */
export const SUMMARY_COLUMNS = [
  'method',
  'label',
  'runs',
  'best_accuracy_mean',
  'best_accuracy_sd',
  'best_accuracy_min',
  'best_accuracy_max',
  'runs_without_ok',
  'seconds_mean',
  'seconds_sd',
  'evaluations_mean',
  'invalid_total',
  'failed_total',
] as const

function summaryRow(summary: MethodSummary) {
  return {
    method: summary.method,
    label: summary.label,
    runs: summary.runs,
    best_accuracy_mean: round(summary.bestAccuracy.mean, 6),
    best_accuracy_sd: round(summary.bestAccuracy.sd, 6),
    best_accuracy_min: summary.bestAccuracy.min,
    best_accuracy_max: summary.bestAccuracy.max,
    runs_without_ok: summary.runsWithoutOk,
    seconds_mean: round(summary.seconds.mean),
    seconds_sd: round(summary.seconds.sd),
    evaluations_mean: summary.evaluations,
    invalid_total: summary.invalid,
    failed_total: summary.failed,
  }
}

/** Rounds to `digits` decimals (default 3: milliseconds for seconds). */
function round(value: number, digits = 3): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}
