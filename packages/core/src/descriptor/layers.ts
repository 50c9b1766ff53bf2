/**
 * The layer catalogue: for each layer type, its parameters with Keras /
 * TensorFlow.js names and defaults, its output shape, its trainable
 * parameters (counted as Keras counts them) and its forward FLOPs for one
 * sample. A multiply-add counts 2 FLOPs. Builders must produce the same
 * trainable parameter counts.
 */
import type { Issue } from '../errors.js'
import { NordValidationError } from '../errors.js'
import type { JsonValue, Shape } from '../types.js'
import { DescriptorErrorCode } from './codes.js'
import {
  boolean,
  formatValue,
  intParam,
  numberIn,
  oneOf,
  type Pair,
  type ParamSpec,
  type ParamValue,
  pairParam,
  positiveInteger,
  positivePair,
  type ResolvedParams,
} from './params.js'

/** The output shape and the cost of one layer for one sample. */
export interface LayerCost {
  outputShape: Shape
  /** Trainable parameters. */
  parameters: number
  /** Forward FLOPs for one sample (a multiply-add counts 2). */
  flops: number
}

interface LayerDefinition {
  readonly params: Readonly<Record<string, ParamSpec>>
  /** Problems that involve several parameters at once. */
  checkParams?(params: ResolvedParams): string[]
  /** The cost, or a message saying why the input does not fit. */
  infer(input: Shape, params: ResolvedParams): LayerCost | string
}

const PADDINGS = ['valid', 'same'] as const

const CATALOGUE = {
  /**
   * Parameters: kh·kw·C·F weights plus F biases. FLOPs: 2·kh·kw·C per output
   * element plus 1 for the bias, over H'·W'·F outputs. Zeros added by padding
   * 'same' are counted like real inputs.
   */
  conv2d: {
    params: {
      filters: positiveInteger({ required: true }),
      kernelSize: positivePair({ required: true }),
      strides: positivePair({ fallback: [1, 1] }),
      padding: oneOf(PADDINGS, { fallback: 'valid' }),
      dilationRate: positivePair({ fallback: [1, 1] }),
      useBias: boolean({ fallback: true }),
    },
    // tfjs-core 4.22 asserts that strides or dilations are 1 in conv2d.
    checkParams(params) {
      const strided = pairParam(params, 'strides').some((size) => size > 1)
      const dilated = pairParam(params, 'dilationRate').some((size) => size > 1)
      if (!(strided && dilated)) return []

      return [
        'strides greater than 1 cannot be combined with a dilationRate ' +
          'greater than 1 (TensorFlow.js rejects it). Set one of them to 1',
      ]
    },
    infer(input, params) {
      const spatial = requireSpatial('conv2d', input)
      if (typeof spatial === 'string') return spatial

      const channels = spatial[2]!
      const kernel = pairParam(params, 'kernelSize')
      const output = windowOutput(
        spatial,
        'kernel',
        params,
        kernel,
        'dilationRate',
      )
      if (typeof output === 'string') return output

      const filters = intParam(params, 'filters')
      const bias = params.useBias ? filters : 0
      const positions = output[0] * output[1]
      const multiplyAddsPerOutput = kernel[0] * kernel[1] * channels
      return {
        outputShape: [output[0], output[1], filters],
        parameters: kernel[0] * kernel[1] * channels * filters + bias,
        flops:
          positions * filters * 2 * multiplyAddsPerOutput + positions * bias,
      }
    },
  },

  /**
   * FLOPs: ph·pw − 1 comparisons per output element, also for windows that
   * padding 'same' cuts short. No parameters.
   */
  maxPooling2d: {
    params: poolingParams(),
    infer: (input, params) =>
      inferPooling('maxPooling2d', input, params, (window) => window - 1),
  },

  /**
   * FLOPs: ph·pw − 1 additions and one division per output element, so
   * ph·pw, also for windows that padding 'same' cuts short. No parameters.
   */
  averagePooling2d: {
    params: poolingParams(),
    infer: (input, params) =>
      inferPooling('averagePooling2d', input, params, (window) => window),
  },

  /** FLOPs: H·W − 1 additions and one division per channel, so H·W·C. */
  globalAveragePooling2d: {
    params: {},
    infer(input) {
      const spatial = requireSpatial('globalAveragePooling2d', input)
      if (typeof spatial === 'string') return spatial

      return {
        outputShape: [spatial[2]!],
        parameters: 0,
        flops: elementCount(spatial),
      }
    },
  },

  /** A copy in a new shape: no FLOPs. A `[features]` input passes unchanged. */
  flatten: {
    params: {},
    infer: (input) => ({
      outputShape: [elementCount(input)],
      parameters: 0,
      flops: 0,
    }),
  },

  /**
   * Parameters: N·units weights plus units biases. FLOPs: 2·N per unit plus 1
   * for the bias.
   */
  dense: {
    params: {
      units: positiveInteger({ required: true }),
      useBias: boolean({ fallback: true }),
    },
    infer(input, params) {
      if (input.length !== 1) {
        return (
          `dense needs a [features] input, got ${formatShape(input)}. ` +
          'Add a flatten or globalAveragePooling2d layer before it'
        )
      }

      const features = input[0]!
      const units = intParam(params, 'units')
      const bias = params.useBias ? units : 0
      return {
        outputShape: [units],
        parameters: features * units + bias,
        flops: 2 * features * units + bias,
      }
    },
  },

  /** The identity at inference, so no FLOPs. `rate` has no default, as in Keras. */
  dropout: {
    params: {
      rate: numberIn(0, 1, { required: true, maxExclusive: true }),
    },
    infer: (input) => ({ outputShape: input, parameters: 0, flops: 0 }),
  },

  /**
   * Normalises the last axis (C features or channels). Parameters: gamma and
   * beta, 2·C trainable. The moving mean and variance are not trainable and
   * not counted. FLOPs: 2 per element, because at inference the statistics
   * and gamma fold into one multiply-add per element.
   */
  batchNormalization: {
    params: {
      momentum: numberIn(0, 1, { fallback: 0.99 }),
      epsilon: numberIn(0, Number.POSITIVE_INFINITY, {
        fallback: 0.001,
        minExclusive: true,
      }),
    },
    infer: (input) => ({
      outputShape: input,
      parameters: 2 * input[input.length - 1]!,
      flops: 2 * elementCount(input),
    }),
  },

  // Element-wise activations count 1 FLOP per element (a transcendental
  // function counts as one), except relu6, which clamps at both ends (2).
  relu: activation(1),
  relu6: activation(2),
  elu: activation(1),
  sigmoid: activation(1),
  tanh: activation(1),
} satisfies Record<string, LayerDefinition>

/** A layer type that nord can infer shapes for and build. */
export type LayerType = keyof typeof CATALOGUE

/** Every supported layer type, in catalogue order. */
export const LAYER_TYPES: readonly LayerType[] = Object.freeze(
  Object.keys(CATALOGUE) as LayerType[],
)

export function isLayerType(type: string): type is LayerType {
  return Object.hasOwn(CATALOGUE, type)
}

/**
 * Checks a layer's type and parameters and returns the parameters with every
 * default applied and int-or-pair values as `[height, width]` pairs: the form
 * that shape inference, hashing and builders use.
 *
 * @throws NordValidationError listing every problem, with paths under `path`.
 */
export function resolveLayerParams(
  type: string,
  params: Record<string, JsonValue> = {},
  path = 'layer',
): ResolvedParams {
  const result = checkLayerParams(type, params, path)
  if (result.params === undefined) {
    throw new NordValidationError(`layer at ${path}`, result.issues)
  }
  return result.params
}

/** Checks a layer's type and parameters, and resolves the parameters when there is no issue. */
export function checkLayerParams(
  type: string,
  params: Record<string, JsonValue>,
  path: string,
): { params?: ResolvedParams; issues: Issue[] } {
  if (!isLayerType(type)) {
    const issue = {
      path: `${path}.type`,
      message: unknownTypeMessage(type),
      code: DescriptorErrorCode.unknownLayerType,
    }
    return { issues: [issue] }
  }

  const definition: LayerDefinition = CATALOGUE[type]
  const issues = unknownParamIssues(type, definition, params, path)
  const resolved = resolveKnownParams(type, definition, params, path, issues)
  if (issues.length > 0) return { issues }

  for (const message of definition.checkParams?.(resolved) ?? []) {
    issues.push({
      path: `${path}.params`,
      message,
      code: DescriptorErrorCode.invalidParam,
    })
  }
  return issues.length > 0 ? { issues } : { params: resolved, issues }
}

/**
 * Infers the output shape and the cost of a layer whose parameters were
 * resolved by `checkLayerParams`. Returns a message when the input does not
 * fit, such as a kernel larger than its input.
 */
export function inferLayer(
  type: LayerType,
  input: Shape,
  params: ResolvedParams,
): LayerCost | string {
  const definition: LayerDefinition = CATALOGUE[type]
  return definition.infer(input, params)
}

function unknownParamIssues(
  type: string,
  definition: LayerDefinition,
  params: Record<string, JsonValue>,
  path: string,
): Issue[] {
  const known = Object.keys(definition.params)
  const allowed =
    known.length === 0
      ? `${type} takes no parameters`
      : `the parameters of ${type} are ${known.join(', ')}`
  return Object.keys(params)
    .filter((key) => !Object.hasOwn(definition.params, key))
    .map((key) => ({
      path: `${path}.params.${key}`,
      message: `unknown parameter, ${allowed}`,
      code: DescriptorErrorCode.invalidParam,
    }))
}

/** Parses the known parameters in declaration order, so fallbacks can use earlier ones. */
function resolveKnownParams(
  type: string,
  definition: LayerDefinition,
  params: Record<string, JsonValue>,
  path: string,
  issues: Issue[],
): ResolvedParams {
  const resolved: Record<string, ParamValue> = {}
  for (const [key, spec] of Object.entries(definition.params)) {
    const keyPath = `${path}.params.${key}`
    const raw = Object.hasOwn(params, key) ? params[key] : undefined

    if (raw === undefined) {
      if (spec.required) {
        issues.push({
          path: keyPath,
          message: `missing, ${type} requires ${spec.expected}`,
          code: DescriptorErrorCode.invalidParam,
        })
      } else if (spec.fallback !== undefined) {
        resolved[key] =
          typeof spec.fallback === 'function'
            ? spec.fallback(resolved)
            : spec.fallback
      }
      continue
    }

    const value = spec.parse(raw)
    if (value === undefined) {
      issues.push({
        path: keyPath,
        message: `must be ${spec.expected}, got ${formatValue(raw)}`,
        code: DescriptorErrorCode.invalidParam,
      })
      continue
    }
    resolved[key] = value
  }
  return resolved
}

function unknownTypeMessage(type: string): string {
  const simplified = simplifyTypeName(type)
  const match = LAYER_TYPES.find(
    (known) => simplifyTypeName(known) === simplified,
  )
  const suggestion = match ? `Did you mean '${match}'? ` : ''
  return (
    `unknown layer type ${formatValue(type)}. ${suggestion}` +
    `Supported types: ${LAYER_TYPES.join(', ')}`
  )
}

function simplifyTypeName(type: string): string {
  return type.toLowerCase().replace(/[_\s-]/g, '')
}

function poolingParams(): Record<string, ParamSpec> {
  return {
    poolSize: positivePair({ fallback: [2, 2] }),
    strides: positivePair({
      fallback: (resolved) => resolved.poolSize ?? [2, 2],
    }),
    padding: oneOf(PADDINGS, { fallback: 'valid' }),
  }
}

function inferPooling(
  type: string,
  input: Shape,
  params: ResolvedParams,
  flopsPerWindow: (windowSize: number) => number,
): LayerCost | string {
  const spatial = requireSpatial(type, input)
  if (typeof spatial === 'string') return spatial

  const pool = pairParam(params, 'poolSize')
  const output = windowOutput(spatial, 'pool', params, pool)
  if (typeof output === 'string') return output

  const outputShape = [output[0], output[1], spatial[2]!]
  return {
    outputShape,
    parameters: 0,
    flops: elementCount(outputShape) * flopsPerWindow(pool[0] * pool[1]),
  }
}

function activation(flopsPerElement: number): LayerDefinition {
  return {
    params: {},
    infer: (input) => ({
      outputShape: input,
      parameters: 0,
      flops: flopsPerElement * elementCount(input),
    }),
  }
}

function requireSpatial(type: string, input: Shape): Shape | string {
  if (input.length === 3) return input
  return (
    `${type} needs a [height, width, channels] input, ` +
    `got ${formatShape(input)}`
  )
}

/**
 * Computes the output height and width of a sliding window as Keras does:
 * 'valid' gives floor((H − d·(k − 1) − 1) / s) + 1 and 'same' gives
 * ceil(H / s). Returns a message when a size would be zero or less.
 */
function windowOutput(
  input: Shape,
  windowName: 'kernel' | 'pool',
  params: ResolvedParams,
  window: Pair,
  dilationKey?: string,
): Pair | string {
  const strides = pairParam(params, 'strides')
  const dilation: Pair = dilationKey ? pairParam(params, dilationKey) : [1, 1]
  const padding = params.padding as (typeof PADDINGS)[number]
  const sizes = [0, 1].map((axis) => {
    const size = input[axis]!
    if (padding === 'same') return Math.ceil(size / strides[axis]!)

    const span = dilation[axis]! * (window[axis]! - 1) + 1
    return Math.floor((size - span) / strides[axis]!) + 1
  }) as Pair

  if (sizes[0] > 0 && sizes[1] > 0) return sizes

  const dilated = dilation[0] > 1 || dilation[1] > 1
  const span: Pair = [
    dilation[0] * (window[0] - 1) + 1,
    dilation[1] * (window[1] - 1) + 1,
  ]
  const described = dilated
    ? `${windowName} ${formatSize(window)} with dilationRate ` +
      `${formatSize(dilation)} (spanning ${formatSize(span)})`
    : `${windowName} ${formatSize(window)}`
  return (
    `${described} does not fit its ${formatSize(input)} input ` +
    `(padding 'valid'). Use a smaller ${windowName} or padding 'same'`
  )
}

/** Formats a height and width as `25x25`. */
function formatSize(shape: readonly number[]): string {
  return `${shape[0]}x${shape[1]}`
}

/** Formats a shape as `[7, 7, 32]`. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`
}

export function elementCount(shape: Shape): number {
  return shape.reduce((product, size) => product * size, 1)
}
