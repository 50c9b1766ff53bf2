/** Options of the data-parallel evaluator: what a user writes and the resolved form. */
import { type Issue, IssueList, isNordError } from '@nord/core'
import type { IdxCuratorOptions } from '@nord/curators'
import type { Coordinator } from '@nord/environment-ws'
import {
  type LocalEvaluatorOptions,
  resolveLocalEvaluatorOptions,
} from '@nord/evaluator-local'

/** Options of `createDataParallelEvaluator`, as a user writes them. */
export interface DataParallelEvaluatorOptions extends LocalEvaluatorOptions {
  /**
   * The cluster's coordinator; `setup` listens and starts it. Its world
   * size is the workers plus one: every worker trains a replica, and the
   * coordinator keeps one without data. Required.
   */
  coordinator: Coordinator
  /**
   * The curator options each worker loads its data with. They must match
   * the data in the evaluator context, which `setup` checks. Required.
   */
  dataset: Omit<IdxCuratorOptions, 'logger'>
  /**
   * The global batch: samples per step over all workers, each of N workers
   * taking a block of about `batchSize / N`. The learning rate applies to
   * this batch as given, so any N trains like one process with this batch.
   * Default 32.
   */
  batchSize?: number
  /**
   * Horovod's convention instead of `batchSize`: each worker takes this
   * many samples per step, so the global batch is N times it, and the
   * learning rate is multiplied by N (the linear scaling rule).
   */
  batchSizePerWorker?: number
  /**
   * Worker processes `setup` starts on this machine, at most the
   * coordinator's world size less one. The caller starts the workers of the
   * other ranks, each running `nord worker` or this package's
   * `worker-main`. Default 0.
   */
  workers?: number
  /**
   * Times one evaluation may run when workers are lost during it: after a
   * loss the group is formed again (a started worker is replaced, an
   * external one must join) and the evaluation starts over. Default 2.
   */
  attempts?: number
  /** Seconds to wait for a free rank to be taken before an evaluation fails. Default 60. */
  rejoinTimeout?: number
  /** Output of the started workers: `inherit`, `pipe` or `ignore`. Default `inherit`. */
  stdio?: 'inherit' | 'pipe' | 'ignore'
}

/** The training options sent to every replica. */
export interface ReplicaTraining {
  epochs: number
  /** The global batch. */
  batchSize: number
  optimizer: 'adam' | 'sgd' | 'rmsprop' | 'adagrad'
  /** The learning rate for the global batch. */
  learningRate: number
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu'
}

export interface ResolvedDataParallelEvaluatorOptions {
  coordinator: Coordinator
  dataset: Omit<IdxCuratorOptions, 'logger'>
  /** Replicas that hold data: the coordinator's world size less one. */
  replicas: number
  workers: number
  attempts: number
  rejoinTimeout: number
  stdio: 'inherit' | 'pipe' | 'ignore'
  training: ReplicaTraining
  /** The rule that set the global batch and learning rate, for logs and reports. */
  scaling: 'global-batch' | 'per-worker-batch'
}

const OWN_KEYS = [
  'coordinator',
  'dataset',
  'batchSizePerWorker',
  'workers',
  'attempts',
  'rejoinTimeout',
  'stdio',
]

/**
 * Checks the options, reporting every problem at once, and applies the
 * defaults and the batch and learning-rate rule.
 *
 * @throws NordValidationError `NORD_ERR_INVALID_OPTION`.
 */
export function resolveDataParallelEvaluatorOptions(
  options: DataParallelEvaluatorOptions,
  path = 'evaluator.options',
): ResolvedDataParallelEvaluatorOptions {
  const issues = new IssueList()
  const {
    coordinator,
    dataset,
    batchSizePerWorker,
    workers,
    attempts,
    rejoinTimeout,
    stdio,
    ...local
  } = options
  const resolved = {
    workers: workers ?? 0,
    attempts: attempts ?? 2,
    rejoinTimeout: rejoinTimeout ?? 60,
    stdio: stdio ?? 'inherit',
  }

  const hasCoordinator = typeof coordinator?.listen === 'function'
  if (!hasCoordinator) {
    issues.add(
      `${path}.coordinator`,
      'must be a coordinator from createCoordinator',
    )
  }
  const replicas = hasCoordinator ? coordinator.worldSize - 1 : 0
  if (hasCoordinator && replicas < 1) {
    issues.add(
      `${path}.coordinator`,
      `needs a world size of at least 2 (the coordinator and one worker), got ${coordinator.worldSize}`,
    )
  }
  if (!dataset || typeof dataset !== 'object') {
    issues.add(`${path}.dataset`, 'must be the curator options of the data')
  }
  checkInteger(issues, `${path}.workers`, resolved.workers, 0)
  if (hasCoordinator && resolved.workers > replicas) {
    issues.add(
      `${path}.workers`,
      `must be at most the coordinator's world size less one (${replicas}), got ${resolved.workers}`,
    )
  }
  checkInteger(issues, `${path}.attempts`, resolved.attempts, 1)
  if (
    typeof resolved.rejoinTimeout !== 'number' ||
    !(resolved.rejoinTimeout > 0)
  ) {
    issues.add(
      `${path}.rejoinTimeout`,
      `must be a positive number of seconds, got ${JSON.stringify(rejoinTimeout)}`,
    )
  }
  if (!['inherit', 'pipe', 'ignore'].includes(resolved.stdio)) {
    issues.add(
      `${path}.stdio`,
      `must be inherit, pipe or ignore, got ${JSON.stringify(stdio)}`,
    )
  }
  if (batchSizePerWorker !== undefined) {
    checkInteger(issues, `${path}.batchSizePerWorker`, batchSizePerWorker, 1)
    if (local.batchSize !== undefined) {
      issues.add(
        `${path}.batchSizePerWorker`,
        'cannot be combined with batchSize; give the global batch or the batch per worker',
      )
    }
  }

  const training = resolveTraining(local, issues, path)
  issues.throwIfAny('data-parallel evaluator options')

  const perWorker = batchSizePerWorker !== undefined
  if (perWorker) {
    training.batchSize = batchSizePerWorker * replicas
    training.learningRate *= replicas
  }
  return {
    coordinator,
    dataset,
    replicas,
    ...resolved,
    training,
    scaling: perWorker ? 'per-worker-batch' : 'global-batch',
  }
}

/** Resolves the local evaluator's training options, adding their problems to `issues`. */
function resolveTraining(
  local: LocalEvaluatorOptions,
  issues: IssueList,
  path: string,
): ReplicaTraining {
  try {
    return { ...resolveLocalEvaluatorOptions(local, path) }
  } catch (error) {
    const nested = isNordError(error)
      ? (error as { issues?: Issue[] }).issues
      : undefined
    if (!nested) throw error
    for (const issue of nested) {
      const known = `known options are ${OWN_KEYS.join(', ')}, `
      issues.add(issue.path, issue.message.replace('known options are ', known))
    }
    return { ...resolveLocalEvaluatorOptions({}) }
  }
}

function checkInteger(
  issues: IssueList,
  path: string,
  value: unknown,
  minimum: number,
): void {
  if (!Number.isSafeInteger(value) || (value as number) < minimum) {
    const kind = minimum === 0 ? 'a non-negative' : 'a positive'
    issues.add(path, `must be ${kind} integer, got ${JSON.stringify(value)}`)
  }
}
