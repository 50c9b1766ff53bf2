/**
 * The levelled logger and the `debug` namespaces. Lines are plain text,
 * `LEVEL message key=value ...`, so they read well on a terminal and grep
 * well in a log file.
 */
import type { Logger } from '../types.js'

/** The minimum level a logger prints. `silent` prints nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

export interface LoggerOptions {
  /** Default `info`. */
  level?: LogLevel
  /** Receives each line without its newline. Default: standard error. */
  write?: (line: string) => void
}

const SEVERITY: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 50,
}

/** Creates a logger that prints lines at `level` and above. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = SEVERITY[options.level ?? 'info']
  const write = options.write ?? writeToStderr

  const method = (level: Exclude<LogLevel, 'silent'>) => {
    if (SEVERITY[level] < threshold) return ignore
    const label = level.toUpperCase()
    return (message: string, fields?: Record<string, unknown>) => {
      write(formatLine(label, message, fields))
    }
  }

  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
  }
}

/** A logger that drops everything, for tests and library callers that log elsewhere. */
export const silentLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
}

/** A `debug` namespace's print function, such as the one for `nord:search`. */
export interface DebugFunction {
  (message: string, fields?: Record<string, unknown>): void
  readonly namespace: string
  readonly enabled: boolean
}

export interface DebugOptions {
  /**
   * The namespace patterns, comma or space separated, with `*` as a wildcard
   * and a leading `-` to exclude (`nord:*,-nord:environment`). Default: the
   * `NORD_DEBUG` environment variable, else `DEBUG`.
   */
  patterns?: string
  /** Receives each line without its newline. Default: standard error. */
  write?: (line: string) => void
}

/**
 * Creates the print function of a debug namespace. The patterns are read
 * once, here, so a disabled namespace returns a no-op function and costs one
 * call per use: guard expensive fields with `if (debug.enabled)`.
 */
export function createDebug(
  namespace: string,
  options: DebugOptions = {},
): DebugFunction {
  const patterns =
    options.patterns ?? process.env.NORD_DEBUG ?? process.env.DEBUG ?? ''
  const enabled = isDebugEnabled(namespace, patterns)
  const write = options.write ?? writeToStderr

  const print = enabled
    ? (message: string, fields?: Record<string, unknown>) => {
        write(formatLine(`DEBUG ${namespace}`, message, fields))
      }
    : ignore
  return Object.assign(print, { namespace, enabled })
}

/**
 * True when `patterns` enables `namespace`. An exclusion (`-name`) wins over
 * any inclusion, as in the `debug` package.
 */
export function isDebugEnabled(namespace: string, patterns: string): boolean {
  const parts = patterns.split(/[\s,]+/).filter((part) => part !== '')
  let included = false
  for (const part of parts) {
    const excluded = part.startsWith('-')
    const pattern = excluded ? part.slice(1) : part
    if (!matchesPattern(namespace, pattern)) continue
    if (excluded) return false
    included = true
  }
  return included
}

/** Formats one log line: `LABEL message key=value ...`. */
export function formatLine(
  label: string,
  message: string,
  fields?: Record<string, unknown>,
): string {
  const pairs = Object.entries(fields ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${formatField(value)}`)
  return [label, message, ...pairs].join(' ')
}

function formatField(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message)
  if (typeof value === 'string') {
    return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)
  }
  if (typeof value === 'bigint') return String(value)
  return JSON.stringify(value) ?? String(value)
}

function matchesPattern(namespace: string, pattern: string): boolean {
  const source = pattern
    .split('*')
    .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${source}$`).test(namespace)
}

function writeToStderr(line: string): void {
  process.stderr.write(`${line}\n`)
}

function ignore(): void {}
