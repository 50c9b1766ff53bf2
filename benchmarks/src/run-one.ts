/** One search run of one method and seed into its own run directory. */
import {
  type Curator,
  convNetSizeSpace,
  createLocalEnvironment,
  type Dataset,
  type JsonValue,
  type Logger,
  openRunDirectory,
  runSearch,
  type SearchBudget,
  type SearchSpace,
  type SearchSummary,
} from '@nord/core'
import type { IdxCuratorOptions } from '@nord/curators'
import { createMethodRun, METHODS, type MethodId } from './methods.js'

/** Creates the NORD paper's space: two valid convolutions, filters and kernels in [1, 50]. */
export function paperSpace(): SearchSpace {
  return convNetSizeSpace({
    layers: 2,
    filters: [1, 50],
    kernelSize: [1, 50],
    padding: 'valid',
  })
}

/** The settings every run of a suite shares: the space, the data and the training. */
export interface SharedSettings {
  space: SearchSpace
  dataset: Dataset
  curator: Curator
  curatorOptions: Omit<IdxCuratorOptions, 'logger'>
  population: number
  generations: number
  workers: number
  training: { epochs: number; batchSize: number }
  budget: SearchBudget
  logger: Logger
}

/** The outcome of one run, one row of `results.csv`. */
export interface RunResult {
  method: MethodId
  seed: number
  /** Worker processes of the run; 0 for methods on the local evaluator. */
  workers: number
  /** The run directory, relative to the suite's output folder. */
  dir: string
  status: SearchSummary['status']
  stopReason: SearchSummary['stopReason']
  /** Test accuracy of the best `ok` candidate, or null when none trained. */
  bestAccuracy: number | null
  bestGenotype: number[] | null
  bestParameters: number | null
  /** Candidates with an evaluation, cache hits included. */
  evaluations: number
  ok: number
  invalid: number
  failed: number
  cacheHits: number
  /** The search's own wall-clock seconds (`summary.json`), worker start-up included. */
  seconds: number
  /** Seconds from creating the evaluator to stopping its coordinator. */
  wallSeconds: number
  /** TensorFlow.js backends the evaluations reported. */
  backends: string[]
  /**
   * Share of the workers' time spent on evaluations, in [0, 1], from the
   * evaluator's statistics in `summary.json`; null without workers.
   */
  utilisation: number | null
}

/**
 * Runs `method` with run seed `seed` into `dir`, which must not hold a
 * journal yet. The evaluator is set up and torn down by the search loop,
 * and its coordinator, if any, is stopped here.
 */
export async function runOne(
  method: MethodId,
  seed: number,
  dir: string,
  relativeDir: string,
  shared: SharedSettings,
): Promise<RunResult> {
  const started = performance.now()
  const built = await createMethodRun(method, {
    space: shared.space,
    seed,
    population: shared.population,
    generations: shared.generations,
    workers: shared.workers,
    training: shared.training,
    dataset: shared.curatorOptions,
    logger: shared.logger,
  })
  const run = openRunDirectory(dir)
  const config = runConfig(method, seed, shared, built)
  run.writeConfig(config)

  let summary: SearchSummary
  try {
    summary = await runSearch({
      optimizer: built.optimizer,
      space: shared.space,
      evaluator: built.evaluator,
      context: {
        dataset: shared.dataset,
        curator: shared.curator,
        environment: built.coordinator ?? createLocalEnvironment(shared.logger),
        logger: shared.logger,
      },
      concurrency: built.concurrency,
      seed,
      budget: shared.budget,
      run,
      config,
      logger: shared.logger,
    })
  } finally {
    run.close()
    await built.coordinator?.stop()
  }

  const wallSeconds = (performance.now() - started) / 1000
  return resultOf(
    method,
    seed,
    relativeDir,
    summary,
    wallSeconds,
    shared.workers,
  )
}

function resultOf(
  method: MethodId,
  seed: number,
  dir: string,
  summary: SearchSummary,
  wallSeconds: number,
  workers: number,
): RunResult {
  const best = summary.best
  return {
    method,
    seed,
    workers: METHODS[method].usesWorkers ? workers : 0,
    dir,
    status: summary.status,
    stopReason: summary.stopReason,
    bestAccuracy: best?.evaluation.accuracy ?? null,
    bestGenotype: best ? [...best.candidate.genotype] : null,
    bestParameters: best?.evaluation.parameters ?? null,
    evaluations: summary.counts.evaluated,
    ok: summary.counts.ok,
    invalid: summary.counts.invalid,
    failed: summary.counts.failed,
    cacheHits: summary.counts.cacheHits,
    seconds: summary.seconds,
    wallSeconds,
    backends: summary.backends,
    utilisation: utilisationOf(summary.evaluator),
  }
}

/**
 * Reads the busy share from an evaluator's statistics: `overall.share` of
 * the async evaluator, `share` of the data-parallel one (the time the group
 * trained). Returns null for evaluators without such statistics.
 */
export function utilisationOf(stats: unknown): number | null {
  if (typeof stats !== 'object' || stats === null) return null
  const { overall, share } = stats as {
    overall?: { share?: unknown }
    share?: unknown
  }
  const value = overall?.share ?? share
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/** The CLI's short plugin names of each method, recorded in the run's config. */
const PLUGIN_NAMES: Record<MethodId, { optimizer: string; evaluator: string }> =
  {
    e1: { optimizer: 'ga', evaluator: 'local' },
    e2: { optimizer: 'ga', evaluator: 'data-parallel' },
    e3: { optimizer: 'ga', evaluator: 'async' },
    e4: { optimizer: 'ga', evaluator: 'async' },
    random: { optimizer: 'random', evaluator: 'local' },
    rl: { optimizer: 'rl', evaluator: 'local' },
    evolution: { optimizer: 'evolution', evaluator: 'local' },
  }

/** Returns the configuration recorded in the journal, in the shape `nord search` writes. */
function runConfig(
  method: MethodId,
  seed: number,
  shared: SharedSettings,
  built: {
    concurrency: number
    options: {
      optimizer: Record<string, unknown>
      evaluator: Record<string, unknown>
    }
  },
): Record<string, JsonValue> {
  const { optimizer, evaluator } = PLUGIN_NAMES[method]
  return {
    method,
    seed,
    space: { name: 'conv-net-size', ...shared.space.options },
    budget: { ...shared.budget },
    concurrency: built.concurrency,
    optimizer: { use: optimizer, options: built.options.optimizer },
    evaluator: { use: evaluator, options: built.options.evaluator },
    dataset: { ...shared.curatorOptions, source: shared.dataset.source },
  } as unknown as Record<string, JsonValue>
}
