/** Checks and errors that the coordinator and the worker share. */
import type { NordError } from '@nord/core'
import { clusterError } from './errors.js'
import type { Message } from './mailbox.js'

/** Throws `NORD_ERR_ENVIRONMENT_RANK` unless `rank` is a rank of the world. */
export function checkPeerRank(
  operation: string,
  key: string,
  rank: number,
  worldSize: number,
): void {
  if (Number.isSafeInteger(rank) && rank >= 0 && rank < worldSize) return
  throw clusterError(
    'NORD_ERR_ENVIRONMENT_RANK',
    `${operation}: ${key} must be a rank in [0, ${worldSize - 1}], got ${rank}`,
    { value: rank, hint: `The world has ${worldSize} ranks` },
  )
}

/**
 * True when two nord versions can work together: the same major version,
 * and for 0.x versions also the same minor version, as semver's caret
 * ranges treat them.
 */
export function isCompatibleVersion(theirs: string, ours: string): boolean {
  const [theirMajor, theirMinor] = theirs.split('.')
  const [ourMajor, ourMinor] = ours.split('.')
  if (theirMajor !== ourMajor) return false
  return ourMajor !== '0' || theirMinor === ourMinor
}

/** Copies a message sent to the own rank, so that the sender may reuse its value. */
export function copyMessage(message: Message): Message {
  if (message instanceof Uint8Array) return message.slice()
  return structuredClone(message)
}

export function stoppedError(operation: string): NordError {
  return clusterError(
    'NORD_ERR_ENVIRONMENT_STOPPED',
    `${operation} failed because the environment was stopped`,
    { hint: 'Create a new environment for another run' },
  )
}

export function notStartedError(operation: string): NordError {
  return clusterError(
    'NORD_ERR_ENVIRONMENT_NOT_STARTED',
    `${operation} called before start() resolved`,
    { hint: 'Await start() first' },
  )
}
