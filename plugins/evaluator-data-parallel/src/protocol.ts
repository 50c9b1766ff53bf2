/** Messages between the data-parallel evaluator (rank 0) and its workers. */
import type { JsonValue } from '@nord/core'

/** Task name of the message that makes a worker load the data. */
export const SETUP_TASK = 'nord:evaluator-data-parallel/setup'

/** Task name of the message that makes a worker train its replica of one network. */
export const TRAIN_TASK = 'nord:evaluator-data-parallel/train'

/** A worker's reply to the setup task. */
export interface SetupReply {
  nord: 'evaluator-data-parallel/setup'
  /** The dataset fingerprint, or null when loading failed. */
  fingerprint: string | null
  error?: string
  [key: string]: JsonValue | undefined
}

/** A worker's reply to the train task, sent once its replica stopped. */
export interface TrainReply {
  nord: 'evaluator-data-parallel/trained'
  /** The id the coordinator gave the train task. */
  id: number
  /** The SHA-256 of the replica's weights after training, or null when it failed. */
  digest: string | null
  /** Seconds the replica spent in training steps, communication included. */
  trainingSeconds: number | null
  /** The replica's own failure, when it was the first to fail. */
  error: { message: string; code: string | null } | null
  [key: string]: JsonValue | undefined
}
