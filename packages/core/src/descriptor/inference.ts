import type { Issue } from '../errors.js'
import { NordValidationError } from '../errors.js'
import { planMerge } from '../merge.js'
import type {
  DescriptorJSON,
  LayerSummary,
  NetworkSummary,
  Shape,
} from '../types.js'
import { DescriptorErrorCode } from './codes.js'
import {
  checkLayerParams,
  elementCount,
  inferLayer,
  type LayerType,
} from './layers.js'
import { formatValue, type ResolvedParams } from './params.js'
import { checkStructure } from './structure.js'
import { checkTopology, type Topology } from './topology.js'

/** Options of validation beyond the descriptor itself. */
export interface ValidationOptions {
  /**
   * The shape of one sample without the batch axis: `[height, width,
   * channels]` or `[features]`. Layer shapes are checked only when it is given.
   */
  inputShape?: Shape
  /** The number of classes of the head; checked only when given. */
  classes?: number
}

/** Everything validation found out about a descriptor. */
export interface DescriptorAnalysis {
  issues: Issue[]
  /** The descriptor with absent `params` and `connections` filled in, when its structure is valid. */
  descriptor?: DescriptorJSON
  /** The resolved parameters of each layer by name, when every layer's are valid. */
  params?: ReadonlyMap<string, ResolvedParams>
  /** The graph, when the structure and the topology are valid. */
  topology?: Topology
  /** The summary, when there are no issues and both options were given. */
  summary?: NetworkSummary
}

/**
 * Runs every check that applies and collects all issues: the JSON format,
 * layer types and parameters, topology, then (with `inputShape`) shapes. A
 * later check skips what an earlier one rejected, so one mistake is reported
 * once.
 */
export function analyzeDescriptor(
  json: unknown,
  options: ValidationOptions = {},
): DescriptorAnalysis {
  const issues = optionIssues(options)
  const structure = checkStructure(json)
  issues.push(...structure.issues)

  const paramsByIndex = new Map<number, ResolvedParams>()
  for (const { index, spec } of structure.layers) {
    const result = checkLayerParams(spec.type, spec.params, `layers[${index}]`)
    issues.push(...result.issues)
    if (result.params) paramsByIndex.set(index, result.params)
  }

  const analysis: DescriptorAnalysis = { issues }
  const descriptor = structure.descriptor
  if (descriptor === undefined) return analysis

  analysis.descriptor = descriptor
  if (paramsByIndex.size === descriptor.layers.length) {
    analysis.params = new Map(
      descriptor.layers.map((layer, index) => [
        layer.name,
        paramsByIndex.get(index)!,
      ]),
    )
  }

  const topology = checkTopology(descriptor)
  issues.push(...topology.issues)
  if (topology.topology === undefined) return analysis

  analysis.topology = topology.topology
  if (options.inputShape === undefined || !isValidShape(options.inputShape)) {
    return analysis
  }

  const layers = inferShapes(
    descriptor,
    topology.topology,
    paramsByIndex,
    options.inputShape,
    issues,
  )
  if (issues.length === 0 && options.classes !== undefined) {
    analysis.summary = summarise(
      layers,
      topology.topology.output,
      options.inputShape,
      options.classes,
    )
  }
  return analysis
}

/** Returns every problem of a descriptor at once; an empty array means valid. */
export function validateDescriptor(
  json: unknown,
  options: ValidationOptions = {},
): Issue[] {
  return analyzeDescriptor(json, options).issues
}

/**
 * Infers every layer's output shape, trainable parameters and FLOPs for one
 * sample, head included (`head_flatten` when the output has rank 3,
 * `head_dense` with `classes` units, `head_softmax`).
 *
 * @throws NordValidationError listing every problem when the descriptor is
 *   invalid, for example a kernel larger than its input.
 */
export function summarizeNetwork(
  json: unknown,
  inputShape: Shape,
  classes: number,
): NetworkSummary {
  const analysis = analyzeDescriptor(json, { inputShape, classes })
  if (analysis.summary === undefined) {
    throw new NordValidationError('descriptor', analysis.issues)
  }
  return analysis.summary
}

function optionIssues(options: ValidationOptions): Issue[] {
  const issues: Issue[] = []
  const { inputShape, classes } = options
  if (inputShape !== undefined && !isValidShape(inputShape)) {
    issues.push({
      path: 'inputShape',
      message:
        'must be [height, width, channels] or [features] of positive ' +
        `integers, got ${formatValue(inputShape)}`,
      code: DescriptorErrorCode.invalidOption,
    })
  }
  if (classes !== undefined && !isPositiveInteger(classes)) {
    issues.push({
      path: 'classes',
      message: `must be a positive integer, got ${formatValue(classes)}`,
      code: DescriptorErrorCode.invalidOption,
    })
  }
  return issues
}

function isValidShape(shape: unknown): shape is Shape {
  return (
    Array.isArray(shape) &&
    (shape.length === 1 || shape.length === 3) &&
    shape.every(isPositiveInteger)
  )
}

function isPositiveInteger(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 1
}

/**
 * Walks the layers in topological order. A layer whose parameters or inputs
 * are unknown is skipped silently, because its cause was already reported.
 */
function inferShapes(
  descriptor: DescriptorJSON,
  topology: Topology,
  paramsByIndex: ReadonlyMap<number, ResolvedParams>,
  inputShape: Shape,
  issues: Issue[],
): LayerSummary[] {
  const indexOf = new Map(
    descriptor.layers.map((layer, index) => [layer.name, index]),
  )
  const shapes = new Map<string, Shape>()
  const summaries: LayerSummary[] = []

  for (const name of topology.order) {
    const index = indexOf.get(name)!
    const layer = descriptor.layers[index]!
    const params = paramsByIndex.get(index)
    const inputs = topology.inputs.get(name)!
    const inputShapes =
      name === topology.input
        ? [inputShape]
        : inputs.map((input) => shapes.get(input))
    if (params === undefined || !isKnown(inputShapes)) continue

    const merged = mergeInputs(inputShapes, layer.merge ?? 'sum')
    const cost = inferLayer(layer.type as LayerType, merged.shape, params)
    if (typeof cost === 'string') {
      issues.push({
        path: `layers[${index}]`,
        message: `'${name}': ${cost}`,
        code: DescriptorErrorCode.shape,
      })
      continue
    }

    shapes.set(name, cost.outputShape)
    summaries.push({
      name,
      type: layer.type,
      inputs: [...inputs],
      outputShape: cost.outputShape,
      parameters: cost.parameters,
      flops: cost.flops + merged.flops,
    })
  }
  return summaries
}

function isKnown(shapes: (Shape | undefined)[]): shapes is Shape[] {
  return shapes.every((shape) => shape !== undefined)
}

/**
 * Aligns several inputs with `planMerge` and returns the merged shape. A sum
 * costs one addition per output element for each input after the first;
 * zero-padding, flattening and concatenation cost nothing.
 */
function mergeInputs(
  shapes: Shape[],
  mode: 'sum' | 'concat',
): { shape: Shape; flops: number } {
  if (shapes.length === 1) return { shape: shapes[0]!, flops: 0 }

  const plan = planMerge(shapes, mode)
  const flops =
    mode === 'sum' ? (shapes.length - 1) * elementCount(plan.output) : 0
  return { shape: plan.output, flops }
}

function summarise(
  layers: LayerSummary[],
  output: string,
  inputShape: Shape,
  classes: number,
): NetworkSummary {
  const outputShape = layers.find((layer) => layer.name === output)!.outputShape
  const head = headLayers(output, outputShape, classes)
  const all = [...layers, ...head]
  return {
    inputShape: [...inputShape],
    classes,
    layers: all,
    parameters: all.reduce((total, layer) => total + layer.parameters, 0),
    flops: all.reduce((total, layer) => total + layer.flops, 0),
  }
}

/**
 * Returns the summaries of the head that builders append. Dense: N·classes weights plus classes
 * biases, 2·N + 1 FLOPs per class. Softmax: an exponential and a division
 * per class plus classes − 1 additions, so 3·classes − 1 FLOPs.
 */
function headLayers(
  output: string,
  outputShape: Shape,
  classes: number,
): LayerSummary[] {
  const head: LayerSummary[] = []
  let previous = output
  let features = outputShape[0]!
  if (outputShape.length === 3) {
    features = elementCount(outputShape)
    head.push({
      name: 'head_flatten',
      type: 'flatten',
      inputs: [output],
      outputShape: [features],
      parameters: 0,
      flops: 0,
      head: true,
    })
    previous = 'head_flatten'
  }

  head.push(
    {
      name: 'head_dense',
      type: 'dense',
      inputs: [previous],
      outputShape: [classes],
      parameters: features * classes + classes,
      flops: 2 * features * classes + classes,
      head: true,
    },
    {
      name: 'head_softmax',
      type: 'softmax',
      inputs: ['head_dense'],
      outputShape: [classes],
      parameters: 0,
      flops: 3 * classes - 1,
      head: true,
    },
  )
  return head
}
