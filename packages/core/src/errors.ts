/**
 * nord's errors. Each carries a stable `code` (`NORD_ERR_*`), the value at
 * fault and what to do about it, and each code is listed in the package
 * README. Check `code`, not `instanceof`: a plugin may load a second copy of
 * `@nord/core`.
 */

/** One problem found by a validation, with the key path it concerns. */
export interface Issue {
  /** The key path of the problem, such as `optimizer.population` or `layers[2].params.filters`. */
  path: string
  message: string
  code: string
}

export interface NordErrorOptions {
  /** The value at fault, shown in messages and kept for callers. */
  value?: unknown
  /** The remedy the user can apply. */
  hint?: string
  cause?: unknown
}

/** The base of every error nord raises on purpose. */
export class NordError extends Error {
  readonly code: string
  readonly value: unknown
  readonly hint: string | undefined

  constructor(code: string, message: string, options: NordErrorOptions = {}) {
    const text = options.hint ? `${message}. ${options.hint}` : message
    super(text, options.cause === undefined ? {} : { cause: options.cause })
    this.name = 'NordError'
    this.code = code
    this.value = options.value
    this.hint = options.hint
  }
}

/** Raised with every problem of a descriptor, a configuration or plugin options at once. */
export class NordValidationError extends NordError {
  readonly issues: Issue[]

  constructor(
    subject: string,
    issues: Issue[],
    options: NordErrorOptions = {},
  ) {
    const lines = issues.map((issue) => `  ${issue.path}: ${issue.message}`)
    super(
      issues[0]?.code ?? 'NORD_ERR_INVALID',
      `${subject} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
      options,
    )
    this.name = 'NordValidationError'
    this.issues = issues
  }
}

/** True when `error` is a nord error, also one made by another copy of core. */
export function isNordError(error: unknown): error is NordError {
  const code = (error as { code?: unknown } | null)?.code
  return (
    error instanceof Error &&
    typeof code === 'string' &&
    code.startsWith('NORD_ERR_')
  )
}

/** Collects issues so that a validation can report all of them at once. */
export class IssueList {
  readonly issues: Issue[] = []

  add(path: string, message: string, code = 'NORD_ERR_INVALID_OPTION'): void {
    this.issues.push({ path, message, code })
  }

  get empty(): boolean {
    return this.issues.length === 0
  }

  /** Throws a `NordValidationError` naming `subject` if any issue was added. */
  throwIfAny(subject: string): void {
    if (!this.empty) throw new NordValidationError(subject, this.issues)
  }
}
