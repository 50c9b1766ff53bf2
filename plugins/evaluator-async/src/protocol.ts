/** Messages between the async evaluator (rank 0) and its workers. */
import type { JsonValue } from '@nord/core'

/** Task name of the message that makes a worker load the data. */
export const SETUP_TASK = 'nord:evaluator-async/setup'

/** Task name of the message that makes a worker evaluate one descriptor. */
export const EVALUATE_TASK = 'nord:evaluator-async/evaluate'

/**
 * The one control message the coordinator sends per evaluate task:
 * `cancel` when the request was aborted before its reply arrived, else
 * `release` after the reply. The worker's task ends when it arrives, so a
 * cancel never reaches the task loop as a stray message.
 */
export interface ControlMessage {
  nord: 'evaluator-async/control'
  id: number
  action: 'cancel' | 'release'
  [key: string]: JsonValue
}

/** A worker's reply to the setup task. */
export interface SetupReply {
  nord: 'evaluator-async/setup'
  /** The dataset fingerprint, or null when loading failed. */
  fingerprint: string | null
  error?: string
  [key: string]: JsonValue | undefined
}

/** A worker's reply to the evaluate task. */
export interface EvaluationReply {
  nord: 'evaluator-async/evaluation'
  /** The id the coordinator gave the evaluate task. */
  id: number
  evaluation: JsonValue
  [key: string]: JsonValue | undefined
}

/** The fingerprint workers and coordinator compare, shared with the data-parallel evaluator. */
export { datasetFingerprint } from '@nord/curators'
