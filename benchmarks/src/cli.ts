/**
 * The command line of the suite, shared by `node benchmarks/dist/bin.js`
 * (`pnpm bench`) and `nord bench`.
 */
import { parseArgs } from 'node:util'
import {
  createLogger,
  type Issue,
  isNordError,
  NordValidationError,
} from '@nord/core'
import { writeBenchReport } from './bench-report.js'
import { METHOD_IDS, type MethodId } from './methods.js'
import type { SuiteOptions } from './options.js'
import { type PerfOptions, runPerf } from './perf.js'
import { runSuite } from './suite.js'

export const BENCH_HELP = `Usage: nord bench [options]          run the suite (pnpm bench [options])
       nord bench perf [options]     framework overhead and speed-ups
       nord bench report [--out DIR] rewrite DIR/report from its JSON files

Suite: every method for every seed on the NORD paper's space and GA
settings, with the same data, seeds and budget. Writes DIR/runs/<method>/
seed-<s>/, results.json, results.csv, summary.csv and report/index.html.

  --quick               tiny settings for a check in a few minutes: seeds 2,
                        workers 2, train 300, test 100, population 4,
                        generations 2 (options given here override them)
  --seeds R             run seeds 1 to R per method (default 5)
  --workers W           worker processes of E2, E3 and E4 (default 2);
                        with perf, a comma list of counts (default 1,2)
  --train-size N        training images, stratified subset (default 10000)
  --test-size N         test images, stratified subset (default 2000)
  --epochs E            training epochs per network (default 1)
  --batch-size B        samples per training step (default 32)
  --population P        GA and evolution population (default 10)
  --generations G       GA generations; budget P x G evaluations (default 10)
  --seconds S           wall-clock seconds per run instead of P x G
                        evaluations; every method gets S seconds
  --methods LIST        comma list of ${METHOD_IDS.join(', ')}
                        (default all)
  --data-dir DIR        Fashion-MNIST folder (default: the usual places)
  --data-seed N         seed of the data subsets (default 1)
  --out DIR             output folder (default runs/bench)
  --help                print this help

perf only:
  --overhead-evaluations N   evaluations of the overhead runs (default 2000,
                             quick 200)
  --seed N                   run seed of the speed-up runs (default 1)
`

const OPTIONS = {
  quick: { type: 'boolean' },
  seeds: { type: 'string' },
  workers: { type: 'string' },
  'train-size': { type: 'string' },
  'test-size': { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  population: { type: 'string' },
  generations: { type: 'string' },
  seconds: { type: 'string' },
  methods: { type: 'string' },
  'data-dir': { type: 'string' },
  'data-seed': { type: 'string' },
  out: { type: 'string' },
  'overhead-evaluations': { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean' },
} as const

type Values = ReturnType<typeof parse>['values']

function parse(args: string[]) {
  return parseArgs({
    args,
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  })
}

/**
 * Runs the bench command line (`args` without the program name) and
 * returns the exit code: 0 on success, 1 on an error, 2 on a usage error.
 * Writes progress to stderr and the output paths to stdout.
 */
export async function benchMain(
  args: string[],
  name = 'nord bench',
): Promise<number> {
  try {
    return await dispatch(args)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(
        `${name}: ${(error as Error).message}. Run with --help for the options.\n`,
      )
      return 2
    }
    if (isNordError(error)) {
      process.stderr.write(`${name}: ${error.message} [${error.code}]\n`)
      return 1
    }
    throw error
  }
}

async function dispatch(args: string[]): Promise<number> {
  const { values, positionals } = parse(args)
  if (values.help) {
    process.stdout.write(BENCH_HELP)
    return 0
  }
  const [command, ...rest] = positionals
  if (
    rest.length > 0 ||
    (command !== undefined && !['perf', 'report'].includes(command))
  ) {
    throw new NordValidationError('the bench command line', [
      {
        path: 'command',
        message: `must be perf, report or absent, got ${positionals.join(' ')}`,
        code: 'NORD_ERR_CONFIG',
      },
    ])
  }

  if (command === 'report') {
    const index = await writeBenchReport(values.out ?? 'runs/bench')
    process.stdout.write(`${index}\n`)
    return 0
  }
  if (command === 'perf') return perfCommand(values)
  return suiteCommand(values)
}

async function suiteCommand(values: Values): Promise<number> {
  const options: SuiteOptions = {
    ...commonOptions(values),
    onRunFinished: (run) => {
      const accuracy =
        run.bestAccuracy === null ? 'none trained' : run.bestAccuracy.toFixed(4)
      process.stderr.write(
        `[${run.done}/${run.total}] ${run.method} seed ${run.seed}: best ${accuracy} in ${run.seconds.toFixed(1)} s\n`,
      )
    },
  }
  if (values.seeds !== undefined) options.seeds = Number(values.seeds)
  if (values.workers !== undefined) options.workers = Number(values.workers)
  if (values.seconds !== undefined) options.seconds = Number(values.seconds)
  if (values.methods !== undefined) {
    options.methods = values.methods
      .split(',')
      .map((method) => method.trim()) as MethodId[]
  }
  const files = await withFlagNames(() => runSuite(options))
  process.stdout.write(
    `${files.results.summary.length} methods, ${files.results.runs.length} runs\n`,
  )
  process.stdout.write(`${files.report}\n`)
  return 0
}

async function perfCommand(values: Values): Promise<number> {
  const options: PerfOptions = commonOptions(values)
  if (values.workers !== undefined) {
    options.workerCounts = values.workers.split(',').map(Number)
  }
  if (values['overhead-evaluations'] !== undefined) {
    options.overheadEvaluations = Number(values['overhead-evaluations'])
  }
  if (values.seed !== undefined) options.seed = Number(values.seed)
  const { report } = await withFlagNames(() => runPerf(options))
  process.stdout.write(`${report}\n`)
  return 0
}

/** Reads the options that the suite and perf share. */
function commonOptions(values: Values) {
  const options: SuiteOptions & PerfOptions = {
    logger: createLogger({ level: 'warn' }),
  }
  if (values.quick) options.quick = true
  if (values.out !== undefined) options.out = values.out
  if (values['data-dir'] !== undefined) options.dataDir = values['data-dir']
  const numbers: [keyof typeof OPTIONS, keyof SuiteOptions][] = [
    ['train-size', 'trainSize'],
    ['test-size', 'testSize'],
    ['epochs', 'epochs'],
    ['batch-size', 'batchSize'],
    ['population', 'population'],
    ['generations', 'generations'],
    ['data-seed', 'dataSeed'],
  ]
  for (const [flag, key] of numbers) {
    const text = values[flag]
    if (typeof text === 'string')
      (options as Record<string, unknown>)[key] = Number(text)
  }
  return options
}

/** Runs `task` and renames the option keys of its validation issues to flags. */
async function withFlagNames<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await task()
  } catch (error) {
    const issues = (error as { issues?: Issue[] }).issues
    if (!(error instanceof NordValidationError) || !Array.isArray(issues))
      throw error
    throw new NordValidationError(
      'the bench command line',
      issues.map((issue) => ({ ...issue, path: flagOf(issue.path) })),
      { hint: 'Run with --help for the options' },
    )
  }
}

/** Converts an option key to its flag: `trainSize` to `--train-size`, `methods[1]` to `--methods[1]`. */
function flagOf(path: string): string {
  // `workerCounts` is the option that `--workers` of `bench perf` sets.
  const key = path.replace(/^workerCounts/, 'workers')
  const kebab = key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
  return `--${kebab}`
}
