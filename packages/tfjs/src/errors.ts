import { NordError, type NordErrorOptions } from '@nord/core'

/** Raised when a requested TensorFlow.js backend cannot be loaded or started. */
export class NordBackendError extends NordError {
  constructor(message: string, options: NordErrorOptions = {}) {
    super('NORD_ERR_BACKEND', message, options)
    this.name = 'NordBackendError'
  }
}

/** The place of a non-finite value in training or scoring. */
export interface NonFiniteSite {
  /** `loss` during training, `testLoss` and the like while scoring. */
  metric: string
  /** The epoch, counted from 1; 0 when the value came from scoring. */
  epoch: number
  /** The batch within the epoch, counted from 1, when known. */
  batch?: number
}

/**
 * Raised when a loss or metric turns NaN or infinite. Training stops at the
 * batch where it happened, so the value never reaches a fitness.
 */
export class NordNonFiniteError extends NordError {
  readonly metric: string
  readonly epoch: number
  readonly batch: number | undefined

  constructor(value: number, site: NonFiniteSite) {
    const where =
      site.epoch === 0
        ? 'while scoring'
        : `in epoch ${site.epoch}${site.batch ? `, batch ${site.batch}` : ''}`
    super('NORD_ERR_NON_FINITE', `${site.metric} is ${value} ${where}`, {
      value,
      hint: 'The network diverged: lower the learning rate or change the network',
    })
    this.name = 'NordNonFiniteError'
    this.metric = site.metric
    this.epoch = site.epoch
    this.batch = site.batch
  }
}

/** Raised when training stops because its `AbortSignal` fired. */
export class NordAbortError extends NordError {
  constructor(reason: unknown) {
    super('NORD_ERR_ABORTED', 'training was aborted', {
      value: reason,
      cause: reason,
    })
    this.name = 'NordAbortError'
  }
}
