import { NordError, type NordErrorOptions } from '@nord/core'
import type { MemoryEstimate } from './memory.js'

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

/**
 * Raised before any tensor exists when the memory estimate of a network
 * exceeds the memory limit. `estimate` has the breakdown by kind and layer.
 */
export class NordResourceError extends NordError {
  readonly estimate: MemoryEstimate
  readonly limit: number

  constructor(
    message: string,
    estimate: MemoryEstimate,
    limit: number,
    hint: string,
  ) {
    super('NORD_ERR_RESOURCE', message, { value: estimate.total, hint })
    this.name = 'NordResourceError'
    this.estimate = estimate
    this.limit = limit
  }
}

/**
 * Raised when training fails for a reason nord does not check beforehand,
 * such as a kernel running out of memory. The original error is the `cause`.
 */
export class NordTrainingError extends NordError {
  constructor(message: string, cause: unknown, hint: string) {
    super('NORD_ERR_TRAINING', message, { value: cause, cause, hint })
    this.name = 'NordTrainingError'
  }
}
