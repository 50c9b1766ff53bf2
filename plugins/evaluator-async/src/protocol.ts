/** Messages between the async evaluator (rank 0) and its workers. */
import { createHash } from 'node:crypto'
import type { Dataset, JsonValue } from '@nord/core'

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

/**
 * Returns the SHA-256 of a dataset's shapes, images and labels, so that two
 * processes can check that they loaded the same samples in the same order.
 */
export function datasetFingerprint(dataset: Dataset): string {
  const hash = createHash('sha256')
  hash.update(JSON.stringify([dataset.inputShape, dataset.classes]))
  for (const split of [dataset.train, dataset.validation, dataset.test]) {
    if (!split) {
      hash.update('none')
      continue
    }
    hash.update(`${split.count}`)
    hash.update(
      new Uint8Array(
        split.images.buffer,
        split.images.byteOffset,
        split.images.byteLength,
      ),
    )
    hash.update(split.labels)
  }
  return hash.digest('hex')
}
