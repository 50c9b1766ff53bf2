/**
 * The error codes of the cluster environment. Each is listed with its cause
 * in the package README.
 */
import { NordError, type NordErrorOptions } from '@nord/core'

export type ClusterErrorCode =
  | 'NORD_ERR_ENVIRONMENT_STOPPED'
  | 'NORD_ERR_ENVIRONMENT_NOT_STARTED'
  | 'NORD_ERR_ENVIRONMENT_RANK'
  | 'NORD_ERR_MESSAGE_TOO_LARGE'
  | 'NORD_ERR_COLLECTIVE_TIMEOUT'
  | 'NORD_ERR_COLLECTIVE_MISMATCH'
  | 'NORD_ERR_WORKER_LOST'
  | 'NORD_ERR_DISCONNECTED'
  | 'NORD_ERR_SLOW_PEER'
  | 'NORD_ERR_AUTHENTICATION'
  | 'NORD_ERR_INCOMPATIBLE_VERSION'
  | 'NORD_ERR_REJECTED'
  | 'NORD_ERR_JOIN_TIMEOUT'
  | 'NORD_ERR_RECONNECT_FAILED'
  | 'NORD_ERR_LISTEN'

/** Creates a `NordError` with one of the cluster codes. */
export function clusterError(
  code: ClusterErrorCode,
  message: string,
  options: NordErrorOptions = {},
): NordError {
  return new NordError(code, message, options)
}

/** Reads the `NORD_ERR_*` code of an error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
