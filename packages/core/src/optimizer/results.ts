import { NordError } from '../errors.js'
import { formatValue } from '../search/options.js'
import type { Result } from '../types.js'

/** The facts about an optimizer's candidates that the result check reads. */
export interface CandidateLedger {
  /** The optimizer name for messages, such as `nord:optimizer-example`. */
  name: string
  isPending(id: string): boolean
  /** True for ids the optimizer handed out, pending or told. */
  wasProposed(id: string): boolean
  pendingCount(): number
}

/**
 * Returns the fitness of each result after checking every result of the
 * call, so that a rejected call records nothing. Throws
 * `NORD_ERR_INVALID_RESULT`, `NORD_ERR_UNKNOWN_CANDIDATE`,
 * `NORD_ERR_DUPLICATE_RESULT` or `NORD_ERR_INVALID_FITNESS`.
 */
export function checkResults(
  results: unknown,
  ledger: CandidateLedger,
): Map<string, number> {
  return collectFitness(results, ledger.name, (id, inCall) =>
    checkId(id, inCall, ledger),
  )
}

/**
 * Checks the candidate id of one result and throws to reject the whole call.
 * `inCall` contains the ids accepted earlier in the same call.
 */
export type CandidateIdCheck = (
  id: unknown,
  inCall: ReadonlyMap<string, number>,
) => void

/**
 * Returns the fitness of each result after checking every result of the
 * call, for an optimizer with its own rule for candidate ids (`checkId`).
 * Throws `NORD_ERR_INVALID_RESULT` for a value that is not an array and
 * `NORD_ERR_INVALID_FITNESS` for a fitness that is not a finite number;
 * `name` prefixes the messages.
 */
export function collectFitness(
  results: unknown,
  name: string,
  checkId: CandidateIdCheck,
): Map<string, number> {
  if (!Array.isArray(results)) {
    throw new NordError(
      'NORD_ERR_INVALID_RESULT',
      `${name}: tell() expects an array of results, got ${formatValue(results)}`,
      { value: results, hint: 'Pass the results of the candidates from ask()' },
    )
  }

  const fitnessById = new Map<string, number>()
  for (const result of results as Partial<Result>[]) {
    const id = result?.candidate?.id
    checkId(id, fitnessById)
    const fitness = result.evaluation?.fitness
    if (typeof fitness !== 'number' || !Number.isFinite(fitness)) {
      throw new NordError(
        'NORD_ERR_INVALID_FITNESS',
        `${name}: candidate ${id} has fitness ${formatValue(fitness)}, which is not a finite number`,
        {
          value: fitness,
          hint: 'Report invalid and failed candidates with the finite fitness FAILED_FITNESS (0)',
        },
      )
    }
    fitnessById.set(id as string, fitness)
  }
  return fitnessById
}

function checkId(
  id: unknown,
  inCall: ReadonlyMap<string, number>,
  ledger: CandidateLedger,
): void {
  if (typeof id === 'string' && ledger.isPending(id) && !inCall.has(id)) return

  if (typeof id === 'string' && (inCall.has(id) || ledger.wasProposed(id))) {
    throw new NordError(
      'NORD_ERR_DUPLICATE_RESULT',
      `${ledger.name}: candidate ${id} already has a result`,
      { value: id, hint: 'Tell each candidate once' },
    )
  }
  throw new NordError(
    'NORD_ERR_UNKNOWN_CANDIDATE',
    `${ledger.name}: candidate ${formatValue(id)} was never proposed`,
    {
      value: id,
      hint: `Tell only candidates from ask(); ${ledger.pendingCount()} are waiting for results`,
    },
  )
}

/** True when `id` is `<prefix><n>` with `n` a canonical integer below `count`. */
export function isNumberedBelow(
  id: string,
  prefix: string,
  count: number,
): boolean {
  if (!id.startsWith(prefix)) return false
  const number = id.slice(prefix.length)
  return /^(0|[1-9]\d*)$/.test(number) && Number(number) < count
}
