/** The evaluator's own statistics for `summary.json`, read without ever failing the search. */
import type { Evaluator, JsonValue, Logger } from '../types.js'

/**
 * Reads `evaluator.stats()` each time the summary is written. A call that
 * throws, returns a promise or returns a value that `JSON.stringify` rejects
 * is logged and yields undefined. The first failure is a warning, and
 * later ones are debug messages with a running count.
 */
export class EvaluatorStats {
  private failures = 0

  constructor(
    private readonly evaluator: Evaluator,
    private readonly logger: Logger,
  ) {}

  /** Returns a JSON copy of the statistics, or undefined without any. */
  read(): JsonValue | undefined {
    const { evaluator } = this
    if (typeof evaluator.stats !== 'function') return undefined

    let text: string | undefined
    try {
      const value: unknown = evaluator.stats()
      if (value instanceof Promise) {
        value.catch(() => {})
        throw new TypeError('stats() returned a promise instead of JSON')
      }
      text = JSON.stringify(value)
    } catch (error) {
      this.logFailure(error)
      return undefined
    }
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue)
  }

  private logFailure(error: unknown): void {
    this.failures++
    const fields = {
      evaluator: this.evaluator.name,
      failures: this.failures,
      error,
    }
    const message = 'evaluator statistics left out of the summary'
    if (this.failures === 1) {
      this.logger.warn(message, fields)
    } else {
      this.logger.debug(message, fields)
    }
  }
}
