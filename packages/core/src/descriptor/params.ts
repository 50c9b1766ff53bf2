import type { JsonValue } from '../types.js'

/** A `[height, width]` pair, the resolved form of an int-or-pair parameter. */
export type Pair = [number, number]

/** A parameter value after parsing, with int-or-pair values expanded to pairs. */
export type ParamValue = number | boolean | string | Pair

/** The parameters of one layer with every default applied. */
export type ResolvedParams = Readonly<Record<string, ParamValue>>

/** The rule that checks and resolves one parameter. */
export interface ParamSpec {
  /** The allowed values in words, used in messages: `a positive integer`. */
  readonly expected: string
  /** True when the layer cannot be built without this parameter. */
  readonly required: boolean
  /**
   * The value used when the parameter is absent. A function computes it from
   * the other resolved parameters, such as pooling strides from `poolSize`.
   */
  readonly fallback?: ParamValue | ((resolved: ResolvedParams) => ParamValue)
  /** Returns the resolved value, or undefined when `value` is not allowed. */
  parse(value: JsonValue): ParamValue | undefined
}

interface SpecOptions {
  required?: boolean
  fallback?: ParamSpec['fallback']
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1
}

/** Specifies an integer of at least 1. */
export function positiveInteger(options: SpecOptions = {}): ParamSpec {
  return {
    expected: 'a positive integer',
    required: options.required ?? false,
    fallback: options.fallback,
    parse: (value) => (isPositiveInteger(value) ? value : undefined),
  }
}

/** Specifies a positive integer used for both axes, or a `[height, width]` pair of them. */
export function positivePair(options: SpecOptions = {}): ParamSpec {
  return {
    expected: 'a positive integer or a [height, width] pair of them',
    required: options.required ?? false,
    fallback: options.fallback,
    parse(value) {
      if (isPositiveInteger(value)) return [value, value]

      const isPair =
        Array.isArray(value) &&
        value.length === 2 &&
        value.every((size) => isPositiveInteger(size))
      return isPair ? [value[0] as number, value[1] as number] : undefined
    },
  }
}

/** Specifies one of a fixed set of strings. */
export function oneOf(
  values: readonly string[],
  options: SpecOptions = {},
): ParamSpec {
  return {
    expected: `one of ${values.map((value) => `'${value}'`).join(', ')}`,
    required: options.required ?? false,
    fallback: options.fallback,
    parse: (value) =>
      typeof value === 'string' && values.includes(value) ? value : undefined,
  }
}

export function boolean(options: SpecOptions = {}): ParamSpec {
  return {
    expected: 'true or false',
    required: options.required ?? false,
    fallback: options.fallback,
    parse: (value) => (typeof value === 'boolean' ? value : undefined),
  }
}

/** Specifies a finite number in `[min, max]`, with open ends when `minExclusive` or `maxExclusive` is set. */
export function numberIn(
  min: number,
  max: number,
  options: SpecOptions & {
    minExclusive?: boolean
    maxExclusive?: boolean
  } = {},
): ParamSpec {
  const open = options.minExclusive ? '(' : '['
  const close = options.maxExclusive ? ')' : ']'
  const bound = Number.isFinite(max) ? String(max) : 'infinity'
  return {
    expected: `a number in ${open}${min}, ${bound}${close}`,
    required: options.required ?? false,
    fallback: options.fallback,
    parse(value) {
      if (typeof value !== 'number' || !Number.isFinite(value)) return undefined

      const aboveMin = options.minExclusive ? value > min : value >= min
      const belowMax = options.maxExclusive ? value < max : value <= max
      return aboveMin && belowMax ? value : undefined
    },
  }
}

/** Reads a resolved integer parameter. */
export function intParam(params: ResolvedParams, key: string): number {
  return params[key] as number
}

/** Reads a resolved pair parameter. */
export function pairParam(params: ResolvedParams, key: string): Pair {
  return params[key] as Pair
}

/** Formats a value for a message, compactly and unambiguously. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') return `'${value}'`
  return JSON.stringify(value) ?? String(value)
}

/** Describes any value for a message: `null`, `an object`, `a long array` or its JSON. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value) && value.length > 8) return 'a long array'
  if (typeof value === 'object') return 'an object'
  return formatValue(value)
}
