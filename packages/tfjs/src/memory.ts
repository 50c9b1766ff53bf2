import {
  analyzeDescriptor,
  type DescriptorJSON,
  type LayerSummary,
  NordValidationError,
  type Pair,
  type ResolvedParams,
  type Shape,
} from '@nord/core'
import type { OptimizerName } from './train.js'

/** Bytes per value: every tensor nord trains with is float32. */
const BYTES_PER_VALUE = 4

/** Float32 values that each optimizer keeps per trainable parameter (tfjs-core 4.22.0). */
const OPTIMIZER_SLOTS: Record<OptimizerName, number> = {
  sgd: 0,
  adagrad: 1,
  // The first and second moment estimates.
  adam: 2,
  // The mean square and the momentum accumulator, created even at momentum 0.
  rmsprop: 2,
}

/**
 * Parameter-sized temporaries of one optimizer update, which tfjs-core
 * 4.22.0 keeps until every weight is updated: adam's update runs 14 ops per
 * weight, for example.
 */
const UPDATE_TEMPORARIES: Record<OptimizerName, number> = {
  sgd: 2,
  adagrad: 7,
  adam: 14,
  rmsprop: 11,
}

/**
 * The largest matrix nord's wasm `Conv2DBackpropInput` builds at once for a
 * chunk of samples, in float32 values. It mirrors `MAX_COLUMN_VALUES` there.
 */
const MAX_COLUMN_VALUES = 1 << 22

export interface MemoryEstimateOptions {
  /** One sample's shape: `[height, width, channels]`, or `[features]`. */
  inputShape: Shape
  /** The number of classes: the units of `head_dense`. */
  classes: number
  /** Samples per optimizer step. */
  batchSize: number
  /** Samples per forward pass while scoring. */
  scoreBatchSize: number
  optimizer: OptimizerName
}

/** One layer's share of a memory estimate, in bytes. */
export interface LayerMemory {
  name: string
  type: string
  /** Weights, their gradients and optimizer slots, plus activations and their gradients for one batch. */
  bytes: number
}

/** The bytes that training one network needs, by kind. An estimate, not a measurement. */
export interface MemoryEstimate {
  /** `weights + optimizerSlots + max(step, scoring)`, in bytes. */
  total: number
  /** Trainable weights, head included. */
  weights: number
  /** Gradients of the weights during one step. */
  gradients: number
  /** The optimizer's per-parameter state (`adam` keeps 2 values, `sgd` none). */
  optimizerSlots: number
  /** The input batch and every layer output kept for the backward pass. */
  activations: number
  /** The gradients of those outputs, which tfjs-core keeps until the step ends. */
  activationGradients: number
  /** The largest temporary of one kernel, such as the transposed copies of a convolution gradient. */
  kernelScratch: number
  /** The temporaries of one optimizer update, all alive until it ends. */
  optimizerUpdate: number
  /**
   * The larger of the backward pass (`gradients + activations +
   * activationGradients + kernelScratch`) and the update (`gradients +
   * optimizerUpdate`).
   */
  step: number
  /** One scoring batch: its input and the largest layer's input and output. */
  scoring: number
  /** The largest single tensor, which typed-array length limits bound. */
  largestTensor: { layer: string; values: number; bytes: number }
  /** Every layer with its share, largest first. */
  layers: LayerMemory[]
}

/**
 * Estimates the bytes that `trainAndScore` needs for a descriptor, from core's
 * shape inference alone, before any tensor exists. With `P` the trainable
 * parameters (head included), `B` the batch size, `S` the score batch size
 * and `out(l)` the values of layer `l`'s output for one sample:
 *
 * - weights = 4·P, gradients = 4·P, optimizer slots = 4·P·k with k = 2 for
 *   `adam` and `rmsprop`, 1 for `adagrad`, 0 for `sgd`.
 * - activations = 4·B·(input + Σ f(l)·out(l)), where f(l) counts the tensors
 *   of that size a layer keeps during the step: 2 for a convolution or dense
 *   layer with bias (product and bias sum), 3 for batch normalization and
 *   dropout, 0 for flatten (a reshape shares its data), 1 otherwise.
 * - activation gradients = the same sum without the input.
 * - kernel scratch = the largest temporary of one layer: for a convolution,
 *   4·B·(transposed input + padded input + transposed output gradient) plus
 *   one chunk of the matrix-product gradient, as nord's wasm kernels make;
 *   for other layers 2·4·B·out(l) for the masks of an activation's gradient.
 * - optimizer update = 4·P·u, the temporaries of one update: u = 14 for
 *   `adam`, 11 for `rmsprop`, 7 for `adagrad`, 2 for `sgd`.
 * - step = gradients + max(activations + activation gradients + kernel
 *   scratch, optimizer update).
 * - scoring = 4·S·(input + max over layers of (in(l) + out(l))), because the
 *   forward pass at inference frees each output once its consumers ran.
 * - total = weights + optimizer slots + max(step, scoring).
 *
 * The estimate ignores allocator overhead and fragmentation, so a backend
 * can need more than estimated. The tests compare it with tfjs-core's peak
 * tensor bytes.
 *
 * @throws NordValidationError for an invalid descriptor or options.
 */
export function estimateTrainingMemory(
  descriptor: DescriptorJSON,
  options: MemoryEstimateOptions,
): MemoryEstimate {
  const { inputShape, classes, batchSize, scoreBatchSize } = options
  const analysis = analyzeDescriptor(descriptor, { inputShape, classes })
  const { summary, params } = analysis
  if (analysis.issues.length > 0 || !summary || !params) {
    throw new NordValidationError('descriptor', [...analysis.issues])
  }

  const inputValues = product(inputShape)
  const byName = new Map(summary.layers.map((layer) => [layer.name, layer]))
  const inputShapes = (layer: LayerSummary): Shape[] =>
    layer.inputs.length === 0
      ? [inputShape]
      : layer.inputs.map((name) => byName.get(name)!.outputShape)

  const parameters = summary.parameters * BYTES_PER_VALUE
  const slots = OPTIMIZER_SLOTS[options.optimizer]
  const layers: LayerMemory[] = []
  let activationValues = 0
  let scratchBytes = 0
  let scoringValues = 0
  let largest = { layer: 'input', values: batchSize * inputValues }

  for (const layer of summary.layers) {
    const outValues = product(layer.outputShape)
    const inShapes = inputShapes(layer)
    const inValues = sum(inShapes.map(product))
    const kept = keptOutputs(layer, params.get(layer.name)) * outValues
    const mergeValues = layer.inputs.length > 1 ? inValues : 0
    activationValues += kept + mergeValues

    const weightBytes = layer.parameters * BYTES_PER_VALUE * (2 + slots)
    const batchBytes = 2 * (kept + mergeValues) * batchSize * BYTES_PER_VALUE
    layers.push({
      name: layer.name,
      type: layer.type,
      bytes: weightBytes + batchBytes,
    })

    const scratch = scratchValues(layer, params.get(layer.name), inShapes[0]!)
    scratchBytes = Math.max(scratchBytes, scratch(batchSize) * BYTES_PER_VALUE)
    scoringValues = Math.max(scoringValues, inValues + outValues)
    const biggest = Math.max(outValues, inValues) * batchSize
    if (biggest > largest.values) {
      largest = { layer: layer.name, values: biggest }
    }
  }

  const activations =
    (inputValues + activationValues) * batchSize * BYTES_PER_VALUE
  const activationGradients = activationValues * batchSize * BYTES_PER_VALUE
  const optimizerUpdate = parameters * UPDATE_TEMPORARIES[options.optimizer]
  const step =
    parameters +
    Math.max(activations + activationGradients + scratchBytes, optimizerUpdate)
  const scoring =
    (inputValues + scoringValues) * scoreBatchSize * BYTES_PER_VALUE
  const optimizerSlots = parameters * slots
  layers.sort((a, b) => b.bytes - a.bytes)

  return {
    total: parameters + optimizerSlots + Math.max(step, scoring),
    weights: parameters,
    gradients: parameters,
    optimizerSlots,
    activations,
    activationGradients,
    kernelScratch: scratchBytes,
    optimizerUpdate,
    step,
    scoring,
    largestTensor: { ...largest, bytes: largest.values * BYTES_PER_VALUE },
    layers,
  }
}

/** Tensors of the output's size that a layer keeps until the step ends. */
function keptOutputs(
  layer: LayerSummary,
  params: ResolvedParams | undefined,
): number {
  switch (layer.type) {
    case 'conv2d':
    case 'dense':
      return params?.useBias === false ? 1 : 2
    case 'batchNormalization':
    case 'dropout':
      return 3
    case 'flatten':
      return 0
    default:
      return 1
  }
}

/**
 * Returns the values of a layer's largest temporary for a batch: the copies
 * that nord's wasm convolution gradients make, or the masks of an
 * activation's gradient.
 */
function scratchValues(
  layer: LayerSummary,
  params: ResolvedParams | undefined,
  input: Shape,
): (batch: number) => number {
  const outValues = product(layer.outputShape)
  if (layer.type !== 'conv2d' || !params || input.length !== 3) {
    return (batch) => 2 * batch * outValues
  }

  const [kernelHeight, kernelWidth] = params.kernelSize as Pair
  const [dilationHeight, dilationWidth] = params.dilationRate as Pair
  const [inHeight, inWidth, inChannels] = input as [number, number, number]
  const [outHeight, outWidth] = layer.outputShape as [number, number, number]
  const spanHeight = (kernelHeight - 1) * dilationHeight + 1
  const spanWidth = (kernelWidth - 1) * dilationWidth + 1
  const inValues = inHeight * inWidth * inChannels
  const padded = (inHeight + spanHeight) * (inWidth + spanWidth) * inChannels
  const sampleColumns =
    outHeight * outWidth * spanHeight * spanWidth * inChannels
  return (batch) =>
    batch * (inValues + padded + outValues) +
    Math.max(sampleColumns, Math.min(MAX_COLUMN_VALUES, batch * sampleColumns))
}

function product(shape: readonly number[]): number {
  return shape.reduce((total, size) => total * size, 1)
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0)
}
