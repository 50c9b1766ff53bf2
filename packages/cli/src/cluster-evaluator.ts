import type { Logger } from '@nord/core'
import { type Coordinator, createCoordinator } from '@nord/environment-ws'
import {
  type AsyncEvaluator,
  createAsyncEvaluator,
} from '@nord/evaluator-async'
import type { SearchConfig } from './config.js'

/** Worker processes that `--evaluator async` starts when `--workers` is absent. */
export const DEFAULT_WORKERS = 2

/** The async evaluator with its coordinator, and how many evaluations to run at once. */
export interface ClusterEvaluator {
  evaluator: AsyncEvaluator
  coordinator: Coordinator
  concurrency: number
}

/**
 * Creates the asynchronous evaluator of `--evaluator async`: a coordinator
 * on a free loopback port and `--workers` local worker processes, each of
 * which loads the same dataset (same options and seed) and trains whole
 * networks. The search then keeps one evaluation in flight per worker.
 */
export function createClusterEvaluator(
  config: SearchConfig,
  datasetSeed: number,
  logger: Logger,
): ClusterEvaluator {
  const { workers = DEFAULT_WORKERS, ...training } = config.evaluator
    .options as Record<string, unknown> & { workers?: number }
  const coordinator = createCoordinator({
    port: 0,
    worldSize: Number(workers) + 1,
    logger,
  })
  const dataset = {
    name: config.dataset.name as 'fashion-mnist' | 'mnist',
    seed: datasetSeed,
    ...(config.dataset.dataDir ? { dataDir: config.dataset.dataDir } : {}),
    ...(config.dataset.trainSize
      ? { trainSize: config.dataset.trainSize }
      : {}),
    ...(config.dataset.testSize ? { testSize: config.dataset.testSize } : {}),
  }
  const evaluator = createAsyncEvaluator({
    ...training,
    coordinator,
    dataset,
    workers: Number(workers),
    stdio: 'ignore',
  })
  return { evaluator, coordinator, concurrency: Number(workers) }
}

/** Formats each worker's evaluations and busy time, one line per worker. */
export function formatUtilisation(evaluator: AsyncEvaluator): string {
  const lines = evaluator
    .utilisation()
    .map(
      (worker) =>
        `worker ${worker.rank}: ${worker.evaluations} evaluations, busy ` +
        `${worker.busySeconds.toFixed(1)} s (${Math.round(worker.share * 100)}%)`,
    )
  return lines.length > 0 ? `${lines.join('\n')}\n` : ''
}
