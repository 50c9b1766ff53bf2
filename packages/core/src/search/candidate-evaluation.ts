/**
 * One evaluation under guard: a timeout, the run's stop signal, and checks
 * that turn every exception and every non-finite number into a `failed`
 * evaluation, so that one candidate never stops the search.
 */
import { type Issue, isNordError, NordError } from '../errors.js'
import type {
  Evaluation,
  EvaluationRequest,
  EvaluationStatus,
  Evaluator,
} from '../types.js'
import { isPlainObject } from './options.js'

/**
 * The fitness of `invalid` and `failed` candidates, which the optimizer
 * ranks them with: 0, the fitness of an accuracy of zero, so they rank at
 * or below every candidate that trained.
 */
export const FAILED_FITNESS = 0

const STATUSES: readonly EvaluationStatus[] = ['ok', 'invalid', 'failed']

export interface GuardedEvaluation {
  evaluator: Evaluator
  request: Omit<EvaluationRequest, 'signal'>
  /** Seconds; undefined for no limit. */
  timeout: number | undefined
  /** The run's stop signal. */
  stop: AbortSignal
  now: () => number
}

/** An evaluation, or `interrupted` when the run stopped before it ended. */
export type GuardedOutcome =
  | { kind: 'evaluated'; evaluation: Evaluation }
  | { kind: 'interrupted' }

type Settled =
  | { kind: 'returned'; value: unknown }
  | { kind: 'threw'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'stopped' }

/**
 * Runs `evaluator.evaluate` and turns its exceptions and rejections into
 * `failed` evaluations. On a timeout or a stop it aborts the request's
 * signal and returns without waiting for the evaluator, whose late result is
 * then ignored.
 */
export async function evaluateGuarded(
  options: GuardedEvaluation,
): Promise<GuardedOutcome> {
  if (options.stop.aborted) return { kind: 'interrupted' }

  const started = options.now()
  const settled = await settle(options)
  const seconds = (options.now() - started) / 1000
  const { evaluator, request } = options
  const subject = `evaluator '${evaluator.name}'`
  const candidateId = request.candidate.id

  switch (settled.kind) {
    case 'stopped':
      return { kind: 'interrupted' }
    case 'timeout':
      return evaluated(
        failedEvaluation(
          `${subject} timed out after ${options.timeout} s on candidate ${candidateId}`,
          'NORD_ERR_EVALUATION_TIMEOUT',
          seconds,
        ),
      )
    case 'threw':
      return evaluated(
        failedEvaluation(
          `${subject} failed on candidate ${candidateId}: ${messageOf(settled.error)}`,
          isNordError(settled.error)
            ? settled.error.code
            : 'NORD_ERR_EVALUATION_FAILED',
          seconds,
        ),
      )
    case 'returned':
      return evaluated(
        checkEvaluation(settled.value, `${subject}`, candidateId, seconds),
      )
  }
}

function settle(options: GuardedEvaluation): Promise<Settled> {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let onStop: (() => void) | undefined

  const settled = new Promise<Settled>((resolve) => {
    onStop = () => {
      controller.abort(options.stop.reason)
      resolve({ kind: 'stopped' })
    }
    options.stop.addEventListener('abort', onStop, { once: true })

    if (options.timeout !== undefined) {
      timer = setTimeout(() => {
        const reason = new NordError(
          'NORD_ERR_EVALUATION_TIMEOUT',
          `the evaluation timed out after ${options.timeout} s`,
        )
        controller.abort(reason)
        resolve({ kind: 'timeout' })
      }, options.timeout * 1000)
    }

    // Starting inside `then` turns a synchronous throw into a rejection, and
    // the handlers stay attached, so a result after a timeout is dropped
    // instead of becoming an unhandled rejection.
    const request = { ...options.request, signal: controller.signal }
    Promise.resolve()
      .then(() => options.evaluator.evaluate(request))
      .then(
        (value) => resolve({ kind: 'returned', value }),
        (error) => resolve({ kind: 'threw', error }),
      )
  })

  return settled.finally(() => {
    clearTimeout(timer)
    if (onStop) options.stop.removeEventListener('abort', onStop)
  })
}

/**
 * Checks what an evaluator returned and fills absent optional numbers with
 * null. A non-finite fitness, accuracy or loss of an `ok` evaluation makes
 * it `failed`; `invalid` and `failed` evaluations get `FAILED_FITNESS`.
 */
export function checkEvaluation(
  value: unknown,
  subject: string,
  candidateId: string,
  seconds: number,
): Evaluation {
  if (!isPlainObject(value) || !STATUSES.includes(value.status as never)) {
    return failedEvaluation(
      `${subject} returned no evaluation for candidate ${candidateId} (an object with status ok, invalid or failed was expected)`,
      'NORD_ERR_EVALUATION_FAILED',
      seconds,
    )
  }

  const evaluation = fillEvaluation(value, seconds)
  if (evaluation.status !== 'ok') {
    return {
      ...evaluation,
      fitness: FAILED_FITNESS,
      accuracy: finiteOrNull(evaluation.accuracy),
      loss: finiteOrNull(evaluation.loss),
    }
  }

  for (const key of ['fitness', 'accuracy', 'loss'] as const) {
    const number = evaluation[key]
    const allowsNull = key !== 'fitness'
    if ((allowsNull && number === null) || Number.isFinite(number)) continue
    return {
      ...evaluation,
      status: 'failed',
      fitness: FAILED_FITNESS,
      accuracy: finiteOrNull(evaluation.accuracy),
      loss: finiteOrNull(evaluation.loss),
      reason: `${subject} returned a ${describeNumber(number)} ${key} (${String(number)}) for candidate ${candidateId}`,
      code: 'NORD_ERR_NON_FINITE',
    }
  }
  return evaluation
}

function fillEvaluation(
  value: Record<string, unknown>,
  seconds: number,
): Evaluation {
  const evaluation = { ...value } as unknown as Evaluation
  evaluation.accuracy = (value.accuracy ?? null) as number | null
  evaluation.loss = (value.loss ?? null) as number | null
  evaluation.parameters = (value.parameters ?? null) as number | null
  evaluation.flops = (value.flops ?? null) as number | null
  if (typeof value.seconds !== 'number') evaluation.seconds = seconds
  return evaluation
}

/** Builds the evaluation of a descriptor that failed validation, with the issues as the reason. */
export function invalidEvaluation(issues: Issue[]): Evaluation {
  return {
    status: 'invalid',
    fitness: FAILED_FITNESS,
    accuracy: null,
    loss: null,
    parameters: null,
    flops: null,
    seconds: 0,
    reason: issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'),
    code: issues[0]?.code ?? 'NORD_ERR_INVALID',
  }
}

/** Builds a `failed` evaluation with its reason and error code. */
export function failedEvaluation(
  reason: string,
  code: string,
  seconds: number,
): Evaluation {
  return {
    status: 'failed',
    fitness: FAILED_FITNESS,
    accuracy: null,
    loss: null,
    parameters: null,
    flops: null,
    seconds,
    reason,
    code,
  }
}

function evaluated(evaluation: Evaluation): GuardedOutcome {
  return { kind: 'evaluated', evaluation }
}

function describeNumber(value: unknown): string {
  return typeof value === 'number' ? 'non-finite' : 'non-numeric'
}

function finiteOrNull(value: number | null): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
