/** The evaluations and errors the async evaluator builds itself. */
import { type Evaluation, NordError } from '@nord/core'
import type { RejectedWorker } from './stats.js'

/** Returns the error of a `setup` in which no worker passed. */
export function mismatchError(rejected: RejectedWorker[]): NordError {
  const first = rejected[0]
  const detail = first
    ? `worker rank ${first.rank} was rejected: ${first.reason}`
    : 'every worker was lost during its setup'
  return new NordError(
    'NORD_ERR_DATA_MISMATCH',
    `no worker of the async evaluator passed its setup: ${detail}`,
    {
      value: rejected.map((worker) => worker.rank),
      hint: 'Give the async evaluator the same dataset options and seed as the curator of the search, and make the same data files available to every worker',
    },
  )
}

/** Returns the message of an error, or the text of any other thrown value. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Returns `evaluation` with the worker's rank in `extra.worker`. */
export function withWorker(evaluation: Evaluation, rank: number): Evaluation {
  return { ...evaluation, extra: { ...evaluation.extra, worker: rank } }
}

/** Returns a `failed` evaluation with `reason` and an optional error code. */
export function failed(
  reason: string,
  seconds: number,
  code?: string,
): Evaluation {
  return {
    status: 'failed',
    fitness: 0,
    accuracy: null,
    loss: null,
    parameters: null,
    flops: null,
    seconds,
    reason,
    ...(code ? { code } : {}),
  }
}
