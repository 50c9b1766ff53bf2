/** Options of the async evaluator: what a user writes and the resolved form. */
import { IssueList } from '@nord/core'
import type { IdxCuratorOptions } from '@nord/curators'
import type { Coordinator } from '@nord/environment-ws'
import {
  type LocalEvaluatorOptions,
  resolveLocalEvaluatorOptions,
} from '@nord/evaluator-local'

/** Options of `createAsyncEvaluator`, as a user writes them. */
export interface AsyncEvaluatorOptions extends LocalEvaluatorOptions {
  /** The cluster's coordinator; `setup` listens and starts it. Required. */
  coordinator: Coordinator
  /**
   * The curator options each worker loads its data with. They must match
   * the data in the evaluator context, which `setup` checks. `logger` is
   * not sent. Required.
   */
  dataset: Omit<IdxCuratorOptions, 'logger'>
  /**
   * Worker processes `setup` starts on this machine. With 0, the caller
   * starts the workers, each running this package's `worker-main` script.
   * Default 0.
   */
  workers?: number
  /** Workers one evaluation may be given to before it fails. Default 2. */
  attempts?: number
  /** Output of the started workers: `inherit`, `pipe` or `ignore`. Default `inherit`. */
  stdio?: 'inherit' | 'pipe' | 'ignore'
}

export interface ResolvedAsyncEvaluatorOptions {
  coordinator: Coordinator
  dataset: Omit<IdxCuratorOptions, 'logger'>
  workers: number
  attempts: number
  stdio: 'inherit' | 'pipe' | 'ignore'
  training: Required<LocalEvaluatorOptions>
}

const OWN_KEYS = ['coordinator', 'dataset', 'workers', 'attempts', 'stdio']

/** Checks the options, reporting every problem at once, and applies the defaults. */
export function resolveAsyncEvaluatorOptions(
  options: AsyncEvaluatorOptions,
  path = 'evaluator.options',
): ResolvedAsyncEvaluatorOptions {
  const issues = new IssueList()
  const { coordinator, dataset, workers, attempts, stdio, ...training } =
    options
  const resolved = {
    coordinator,
    dataset,
    workers: workers ?? 0,
    attempts: attempts ?? 2,
    stdio: stdio ?? 'inherit',
  }

  if (!coordinator || typeof coordinator.listen !== 'function') {
    issues.add(
      `${path}.coordinator`,
      'must be a coordinator from createCoordinator',
    )
  }
  if (!dataset || typeof dataset !== 'object') {
    issues.add(`${path}.dataset`, 'must be the curator options of the data')
  }
  if (!Number.isSafeInteger(resolved.workers) || resolved.workers < 0) {
    issues.add(
      `${path}.workers`,
      `must be a non-negative integer, got ${JSON.stringify(workers)}`,
    )
  }
  if (!Number.isSafeInteger(resolved.attempts) || resolved.attempts < 1) {
    issues.add(
      `${path}.attempts`,
      `must be a positive integer, got ${JSON.stringify(attempts)}`,
    )
  }
  if (!['inherit', 'pipe', 'ignore'].includes(resolved.stdio)) {
    issues.add(
      `${path}.stdio`,
      `must be inherit, pipe or ignore, got ${JSON.stringify(stdio)}`,
    )
  }

  let resolvedTraining: Required<LocalEvaluatorOptions> | undefined
  try {
    resolvedTraining = resolveLocalEvaluatorOptions(training, path)
  } catch (error) {
    const nested = (error as { issues?: { path: string; message: string }[] })
      .issues
    if (!nested) throw error
    for (const issue of nested) {
      const known = `known options are ${OWN_KEYS.join(', ')}, `
      issues.add(issue.path, issue.message.replace('known options are ', known))
    }
  }
  issues.throwIfAny('async evaluator options')
  return {
    ...resolved,
    training: resolvedTraining as Required<LocalEvaluatorOptions>,
  }
}
