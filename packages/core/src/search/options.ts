/**
 * Checks for plugin and tool options. Each check adds an issue with the key
 * path of the value at fault to an `IssueList` and returns whether the value
 * passed, so that a caller reports every problem at once. The checks take
 * values with defaults already applied: `undefined` is a problem like any
 * other wrong value.
 */
import type { IssueList } from '../errors.js'

/** Inclusive bounds of a numeric option; an absent bound is unbounded. */
export interface RangeBounds {
  min?: number
  max?: number
}

/** Bounds of a real-valued option, where `exclusive` excludes both ends. */
export interface NumberBounds extends RangeBounds {
  exclusive?: boolean
}

/** Joins a key to a key path: `joinPath('optimizer', 'population')` is `optimizer.population`. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  return path === '' ? key : `${path}.${key}`
}

/** Formats a value for an issue message, such as `0`, `'fast'` or `undefined`. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (value === undefined || typeof value === 'number') return String(value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint') return `${value}n`
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** Checks that `value` is an integer within `bounds`. */
export function checkInteger(
  path: string,
  value: unknown,
  bounds: RangeBounds,
  issues: IssueList,
): value is number {
  const inRange =
    Number.isSafeInteger(value) && isWithin(value as number, bounds, false)
  if (!inRange) {
    issues.add(
      path,
      `must be an integer${describeBounds(bounds, false)}, got ${formatValue(value)}`,
    )
  }
  return inRange
}

/** Checks that `value` is a finite number within `bounds`. */
export function checkNumber(
  path: string,
  value: unknown,
  bounds: NumberBounds,
  issues: IssueList,
): value is number {
  const exclusive = bounds.exclusive === true
  const inRange =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    isWithin(value, bounds, exclusive)
  if (!inRange) {
    issues.add(
      path,
      `must be a number${describeBounds(bounds, exclusive)}, got ${formatValue(value)}`,
    )
  }
  return inRange
}

/** Checks that `value` is one of `allowed` (compared with `===`). */
export function checkOneOf<T>(
  path: string,
  value: unknown,
  allowed: readonly T[],
  issues: IssueList,
): value is T {
  const found = allowed.includes(value as T)
  if (!found) {
    const choices = allowed.map(formatValue).join(', ')
    issues.add(path, `must be one of ${choices}, got ${formatValue(value)}`)
  }
  return found
}

/** Checks that `value` is `true` or `false`. */
export function checkBoolean(
  path: string,
  value: unknown,
  issues: IssueList,
): value is boolean {
  const isBoolean = typeof value === 'boolean'
  if (!isBoolean) {
    issues.add(path, `must be true or false, got ${formatValue(value)}`)
  }
  return isBoolean
}

/**
 * Checks that `value` is a plain object whose keys are all in `allowedKeys`,
 * adding one issue per unknown key that lists the known ones.
 */
export function rejectUnknownKeys(
  path: string,
  value: unknown,
  allowedKeys: readonly string[],
  issues: IssueList,
): value is Record<string, unknown> {
  if (!isPlainObject(value)) {
    issues.add(path, `must be an object, got ${formatValue(value)}`)
    return false
  }

  const unknown = Object.keys(value).filter((key) => !allowedKeys.includes(key))
  const known =
    allowedKeys.length === 0 ? 'none' : [...allowedKeys].sort().join(', ')
  for (const key of unknown) {
    issues.add(joinPath(path, key), `unknown option; known options: ${known}`)
  }
  return unknown.length === 0
}

/** True for `{}` literals and objects without a prototype, not for arrays or class instances. */
export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function isWithin(value: number, bounds: RangeBounds, exclusive: boolean) {
  if (bounds.min !== undefined) {
    if (exclusive ? value <= bounds.min : value < bounds.min) return false
  }
  if (bounds.max !== undefined) {
    if (exclusive ? value >= bounds.max : value > bounds.max) return false
  }
  return true
}

function describeBounds(bounds: RangeBounds, exclusive: boolean): string {
  const { min, max } = bounds
  if (min !== undefined && max !== undefined) {
    return exclusive ? ` in (${min}, ${max})` : ` in [${min}, ${max}]`
  }
  if (min !== undefined) return exclusive ? ` > ${min}` : ` >= ${min}`
  if (max !== undefined) return exclusive ? ` < ${max}` : ` <= ${max}`
  return ''
}
