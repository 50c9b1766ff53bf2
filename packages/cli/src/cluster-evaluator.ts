import { type Issue, IssueList, type Logger } from '@nord/core'
import {
  type Coordinator,
  type CoordinatorOptions,
  createCoordinator,
} from '@nord/environment-ws'
import {
  type AsyncEvaluator,
  type AsyncEvaluatorStats,
  createAsyncEvaluator,
} from '@nord/evaluator-async'
import {
  createDataParallelEvaluator,
  type DataParallelEvaluator,
  type DataParallelStats,
} from '@nord/evaluator-data-parallel'
import type { SearchConfig } from './config.js'
import { writeStderrLine } from './progress.js'

/** Worker processes that a cluster evaluator starts when `--workers` is absent. */
export const DEFAULT_WORKERS = 2

/** The evaluators of `--evaluator` that run on a cluster of workers. */
export const CLUSTER_EVALUATORS = ['async', 'data-parallel'] as const
export type ClusterEvaluatorName = (typeof CLUSTER_EVALUATORS)[number]

/** True when `--evaluator NAME` runs on a cluster of workers. */
export function isClusterEvaluator(name: string): name is ClusterEvaluatorName {
  return (CLUSTER_EVALUATORS as readonly string[]).includes(name)
}

/**
 * The flags of `nord search` that shape the cluster of `--evaluator async`.
 * They are not recorded in the run's configuration, so `--resume` accepts
 * them.
 */
export interface ClusterFlags {
  /** TCP port of the coordinator; 0 (the default) picks a free one. */
  port?: string
  /** Address the coordinator listens on; 127.0.0.1 (this machine only) by default. */
  host?: string
  /** Token workers must send; generated and printed when absent. */
  token?: string
  /** Worker ranks kept for `nord worker` processes started by the user; 0 by default. */
  externalWorkers?: string
}

/** `ClusterFlags` parsed, with the defaults applied. */
export interface ResolvedClusterFlags {
  port: number
  host: string | undefined
  token: string | undefined
  externalWorkers: number
}

/** A cluster evaluator with its coordinator, and how many evaluations to run at once. */
export type ClusterEvaluator = ClusterParts &
  (
    | { kind: 'async'; evaluator: AsyncEvaluator }
    | { kind: 'data-parallel'; evaluator: DataParallelEvaluator }
  )

interface ClusterParts {
  coordinator: Coordinator
  concurrency: number
  /** Worker processes the search starts on this machine. */
  localWorkers: number
  externalWorkers: number
  /** True when the token came from `--token`, so it is not printed. */
  tokenGiven: boolean
}

/** Parses the cluster flags; returns every problem, each keyed by its flag. */
export function checkClusterFlags(flags: ClusterFlags): {
  cluster: ResolvedClusterFlags
  issues: Issue[]
} {
  const issues = new IssueList()
  const port = Number(flags.port ?? '0')
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) {
    issues.add(
      '--port',
      `must be an integer from 0 to 65535, got ${JSON.stringify(flags.port)}`,
      'NORD_ERR_CONFIG',
    )
  }
  const externalWorkers = Number(flags.externalWorkers ?? '0')
  if (!Number.isSafeInteger(externalWorkers) || externalWorkers < 0) {
    issues.add(
      '--external-workers',
      `must be a non-negative integer, got ${JSON.stringify(flags.externalWorkers)}`,
      'NORD_ERR_CONFIG',
    )
  }
  if (flags.token === '') {
    issues.add('--token', 'must not be empty', 'NORD_ERR_CONFIG')
  }
  const cluster = {
    port,
    host: flags.host,
    token: flags.token,
    externalWorkers,
  }
  return { cluster, issues: issues.issues }
}

/** Returns an issue for each cluster flag given to a search without `--evaluator async`. */
export function unusedClusterFlags(flags: ClusterFlags): Issue[] {
  const names: [keyof ClusterFlags, string][] = [
    ['port', '--port'],
    ['host', '--host'],
    ['token', '--token'],
    ['externalWorkers', '--external-workers'],
  ]
  return names
    .filter(([key]) => flags[key] !== undefined)
    .map(([, flag]) => ({
      path: flag,
      message: 'applies only to --evaluator async or data-parallel',
      code: 'NORD_ERR_CONFIG',
    }))
}

/**
 * Creates the evaluator of `--evaluator async` or `data-parallel`: a
 * coordinator for `--workers` worker processes on this machine plus
 * `--external-workers` that the user starts with `nord worker`. The world
 * size is their sum plus one, and the search waits until every rank has a
 * worker. Each worker loads the same dataset (same options and seed). With
 * `async` each worker trains whole networks, and the search keeps one
 * evaluation in flight per worker rank. With `data-parallel` every worker
 * trains each network together with the others, one network at a time.
 *
 * @throws NordValidationError when no worker rank would exist.
 */
export function createClusterEvaluator(
  kind: ClusterEvaluatorName,
  config: SearchConfig,
  datasetSeed: number,
  logger: Logger,
  cluster: ResolvedClusterFlags,
): ClusterEvaluator {
  const { workers = DEFAULT_WORKERS, ...training } = config.evaluator
    .options as Record<string, unknown> & { workers?: number }
  const localWorkers = Number(workers)
  const ranks = localWorkers + cluster.externalWorkers
  const issues = new IssueList()
  if (!Number.isSafeInteger(localWorkers) || localWorkers < 0) {
    issues.add(
      'evaluator.options.workers',
      `must be a non-negative integer, got ${JSON.stringify(workers)}`,
    )
  } else if (ranks < 1) {
    issues.add(
      'evaluator.options.workers',
      `must be at least 1 when --external-workers is 0, got ${localWorkers}`,
    )
  }
  issues.throwIfAny(`the ${kind} evaluator`)

  const options: CoordinatorOptions = {
    port: cluster.port,
    worldSize: ranks + 1,
    logger,
  }
  if (cluster.host !== undefined) options.host = cluster.host
  if (cluster.token !== undefined) options.token = cluster.token
  const coordinator = createCoordinator(options)
  const evaluatorOptions = {
    ...training,
    coordinator,
    dataset: datasetOptions(config, datasetSeed),
    workers: localWorkers,
    stdio: 'ignore' as const,
  }
  const parts: ClusterParts = {
    coordinator,
    concurrency: kind === 'async' ? ranks : 1,
    localWorkers,
    externalWorkers: cluster.externalWorkers,
    tokenGiven: cluster.token !== undefined,
  }
  if (kind === 'data-parallel') {
    const evaluator = createDataParallelEvaluator(evaluatorOptions)
    return { ...parts, kind, evaluator }
  }
  return { ...parts, kind, evaluator: createAsyncEvaluator(evaluatorOptions) }
}

function datasetOptions(config: SearchConfig, seed: number) {
  return {
    name: config.dataset.name as 'fashion-mnist' | 'mnist',
    seed,
    ...(config.dataset.dataDir ? { dataDir: config.dataset.dataDir } : {}),
    ...(config.dataset.trainSize
      ? { trainSize: config.dataset.trainSize }
      : {}),
    ...(config.dataset.testSize ? { testSize: config.dataset.testSize } : {}),
  }
}

/**
 * Starts the coordinator's server and writes to stderr its URL, the token
 * (unless it came from `--token`) and the `nord worker` command that adds
 * a worker from another terminal or machine.
 */
export async function announceCluster(cluster: ClusterEvaluator) {
  const { coordinator, localWorkers, externalWorkers, tokenGiven } = cluster
  const url = await coordinator.listen()
  const token = tokenGiven ? '<token>' : coordinator.token
  const lines = [
    `${cluster.kind} evaluator: coordinator listening on ${url} ` +
      `(${localWorkers} local workers, ${externalWorkers} external)`,
    tokenGiven ? 'token: the one given with --token' : `token: ${token}`,
  ]
  if (externalWorkers > 0) {
    lines.push(
      `the search starts once ${externalWorkers} external worker(s) joined; start each with:`,
    )
  } else {
    lines.push('a worker may take the rank of a lost one; start it with:')
  }
  lines.push(`  nord worker --connect ${url} --token ${token}`)
  for (const line of lines) writeStderrLine(line)
}

/**
 * Formats what a cluster evaluator did. For `async`: each worker's
 * evaluations and busy time, one line per worker, then the rejected workers
 * and an overall line. For `data-parallel`: one line for the group.
 */
export function formatUtilisation(cluster: ClusterEvaluator): string {
  if (cluster.kind === 'async') return formatStats(cluster.evaluator.stats())
  return formatGroupStats(cluster.evaluator.stats())
}

/** Formats the stats of a data-parallel evaluator as one line. */
export function formatGroupStats(stats: DataParallelStats): string {
  const rule =
    stats.scaling === 'per-worker-batch'
      ? 'batch per worker × replicas, learning rate × replicas'
      : 'global batch'
  return (
    `data-parallel: ${stats.replicas} replicas, batch ${stats.batchSize} ` +
    `(${rule}), learning rate ${stats.learningRate}; ` +
    `${stats.evaluations} evaluations, ${stats.restarts} restarted after a lost worker, ` +
    `${stats.joined} workers joined later; the group trained ${percent(stats.share)} of the time\n`
  )
}

/** Formats the stats of an async evaluator; empty when it never set up. */
export function formatStats(stats: AsyncEvaluatorStats): string {
  const lines = stats.workers.map((worker) => {
    const notes = []
    if (worker.joinedAt > 0) {
      notes.push(`joined after ${worker.joinedAt.toFixed(1)} s`)
    }
    if (worker.lost) notes.push('lost')
    return (
      `worker ${worker.rank}: ${worker.evaluations} evaluations, busy ` +
      `${worker.busySeconds.toFixed(1)} s (${percent(worker.share)})` +
      (notes.length > 0 ? `, ${notes.join(', ')}` : '')
    )
  })
  for (const rejected of stats.rejected) {
    lines.push(`worker ${rejected.rank} rejected: ${rejected.reason}`)
  }
  if (stats.workers.length > 0) {
    const { busySeconds, share, elapsedSeconds } = stats.overall
    lines.push(
      `overall: busy ${busySeconds.toFixed(1)} s in ${elapsedSeconds.toFixed(1)} s, ` +
        `${percent(share)} of the time the workers were available`,
    )
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : ''
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`
}
