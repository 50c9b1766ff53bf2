/** Options of the suite: what a caller writes, the quick preset and the resolved form. */
import { resolve } from 'node:path'
import {
  checkInteger,
  checkNumber,
  IssueList,
  type Logger,
  silentLogger,
} from '@nord/core'
import { METHOD_IDS, type MethodId } from './methods.js'

/** Options of `runSuite`, as a caller writes them. Every option is optional. */
export interface SuiteOptions {
  /** Output folder. Default `runs/bench` under the working directory. */
  out?: string
  /** Use the quick preset for every option not given. Default false. */
  quick?: boolean
  /** Seeds per method, run seeds 1 to R. Default 5 (quick: 2). */
  seeds?: number
  /** Worker processes of E2, E3 and E4. Default 2 (quick: 2). */
  workers?: number
  /** Training images, a stratified seeded subset. Default 10,000 (quick: 300). */
  trainSize?: number
  /** Test images, a stratified seeded subset. Default 2,000 (quick: 100). */
  testSize?: number
  /** Training epochs per network. Default 1 (quick: 1). */
  epochs?: number
  /** Training batch: samples per step, over all workers for E2. Default 32. */
  batchSize?: number
  /** GA population, and the evolution population. Default 10 (quick: 4). */
  population?: number
  /** GA generations; the evaluation budget is population × generations. Default 10 (quick: 2). */
  generations?: number
  /**
   * Wall-clock seconds per run instead of the evaluation budget. Every
   * method gets the same seconds. Default null: the evaluation budget.
   */
  seconds?: number | null
  /** Methods to run, in this order. Default all of `METHOD_IDS`. */
  methods?: MethodId[]
  /** Fashion-MNIST folder. Default: the curators' lookup order. */
  dataDir?: string
  /** Seed of the data subset, the same for every method and run seed. Default 1. */
  dataSeed?: number
  /** Default `silentLogger`. */
  logger?: Logger
  /** Called after each run; for progress lines. */
  onRunFinished?: (run: RunProgress) => void
}

/** One finished run, for progress displays. */
export interface RunProgress {
  method: MethodId
  seed: number
  /** Runs finished so far, this one included, and in all. */
  done: number
  total: number
  bestAccuracy: number | null
  seconds: number
}

/** The suite's options with every default applied. */
export interface ResolvedSuiteOptions {
  out: string
  quick: boolean
  seeds: number
  workers: number
  trainSize: number
  testSize: number
  epochs: number
  batchSize: number
  population: number
  generations: number
  seconds: number | null
  methods: MethodId[]
  dataDir: string | null
  dataSeed: number
  logger: Logger
  onRunFinished: ((run: RunProgress) => void) | null
}

type Sizes = Pick<
  ResolvedSuiteOptions,
  | 'seeds'
  | 'workers'
  | 'trainSize'
  | 'testSize'
  | 'epochs'
  | 'batchSize'
  | 'population'
  | 'generations'
>

/**
 * The full suite: the GA settings of the NORD paper (population 10, 10
 * generations) on a Fashion-MNIST subset of 10,000 training images.
 */
export const FULL_SIZES: Sizes = {
  seeds: 5,
  workers: 2,
  trainSize: 10_000,
  testSize: 2_000,
  epochs: 1,
  batchSize: 32,
  population: 10,
  generations: 10,
}

/** `--quick`: a few minutes on two cores. */
export const QUICK_SIZES: Sizes = {
  seeds: 2,
  workers: 2,
  trainSize: 300,
  testSize: 100,
  epochs: 1,
  batchSize: 32,
  population: 4,
  generations: 2,
}

/**
 * GA generations in the wall-clock mode: high enough that the time budget,
 * not the GA, ends the run.
 */
export const UNLIMITED_GENERATIONS = 1_000_000

/**
 * Checks the options, reporting every problem at once with its key, and
 * applies the defaults (the quick preset's with `quick: true`).
 *
 * @throws NordValidationError `NORD_ERR_INVALID_OPTION`.
 */
export function resolveSuiteOptions(
  options: SuiteOptions = {},
): ResolvedSuiteOptions {
  const quick = options.quick === true
  const base = quick ? QUICK_SIZES : FULL_SIZES
  const resolved: ResolvedSuiteOptions = {
    out: resolve(options.out ?? 'runs/bench'),
    quick,
    seeds: options.seeds ?? base.seeds,
    workers: options.workers ?? base.workers,
    trainSize: options.trainSize ?? base.trainSize,
    testSize: options.testSize ?? base.testSize,
    epochs: options.epochs ?? base.epochs,
    batchSize: options.batchSize ?? base.batchSize,
    population: options.population ?? base.population,
    generations: options.generations ?? base.generations,
    seconds: options.seconds ?? null,
    methods: options.methods ?? [...METHOD_IDS],
    dataDir: options.dataDir ?? null,
    dataSeed: options.dataSeed ?? 1,
    logger: options.logger ?? silentLogger,
    onRunFinished: options.onRunFinished ?? null,
  }
  checkResolved(resolved)
  return resolved
}

function checkResolved(options: ResolvedSuiteOptions): void {
  const issues = new IssueList()
  checkInteger('seeds', options.seeds, { min: 1 }, issues)
  checkInteger('workers', options.workers, { min: 1 }, issues)
  checkInteger('trainSize', options.trainSize, { min: 10 }, issues)
  checkInteger('testSize', options.testSize, { min: 10 }, issues)
  checkInteger('epochs', options.epochs, { min: 1 }, issues)
  checkInteger('batchSize', options.batchSize, { min: 1 }, issues)
  checkInteger('population', options.population, { min: 2 }, issues)
  checkInteger('generations', options.generations, { min: 1 }, issues)
  checkInteger('dataSeed', options.dataSeed, { min: 0 }, issues)
  if (options.seconds !== null) {
    checkNumber('seconds', options.seconds, { min: 0, exclusive: true }, issues)
  }
  checkMethods(options.methods, issues)
  issues.throwIfAny('the benchmark options')
}

function checkMethods(methods: unknown, issues: IssueList): void {
  if (!Array.isArray(methods) || methods.length === 0) {
    issues.add('methods', `must list at least one of ${METHOD_IDS.join(', ')}`)
    return
  }
  const seen = new Set<string>()
  for (const [index, method] of methods.entries()) {
    if (!METHOD_IDS.includes(method as MethodId)) {
      issues.add(
        `methods[${index}]`,
        `must be one of ${METHOD_IDS.join(', ')}, got ${JSON.stringify(method)}`,
      )
    } else if (seen.has(method)) {
      issues.add(`methods[${index}]`, `lists ${method} twice`)
    }
    seen.add(method)
  }
}

/** Returns the evaluation budget of every run: population × generations. */
export function evaluationBudget(options: ResolvedSuiteOptions): number {
  return options.population * options.generations
}
