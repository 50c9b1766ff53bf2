import {
  analyzeDescriptor,
  createRandom,
  type DescriptorJSON,
  HEAD_LAYER_NAMES,
  type Issue,
  type LayerSpec,
  type MergeInputPlan,
  type NetworkSummary,
  NordValidationError,
  type Pair,
  planMerge,
  type Random,
  type ResolvedParams,
  type Shape,
  type Topology,
} from '@nord/core'
import {
  model as functionalModel,
  initializers,
  type LayersModel,
  layers,
  type SymbolicTensor,
  input as symbolicInput,
} from '@tensorflow/tfjs-layers'
import { DilatedConv2D, Dropout, PadLastAxis } from './custom-layers.js'

/** The layers appended after the descriptor's output, named as in core's summaries. */
const [HEAD_FLATTEN, HEAD_DENSE, HEAD_SOFTMAX] = HEAD_LAYER_NAMES

export interface BuildOptions {
  /** One sample's shape: `[height, width, channels]`, or `[features]`. */
  inputShape: Shape
  /** The number of classes: the units of `head_dense`. */
  classes: number
  /**
   * Seeds every kernel initializer and dropout mask, per layer name, so the
   * same seed gives the same initial weights.
   */
  seed: number
}

/** A built model with the shape inference it was checked against. */
export interface BuiltNetwork {
  /** Outputs class probabilities (`head_softmax`). */
  model: LayersModel
  /**
   * Outputs the logits (`head_dense`). It shares every layer with `model`,
   * so it is never disposed on its own.
   */
  logits: LayersModel
  /** Core's `summarizeNetwork` of the descriptor: shapes, parameters, FLOPs. */
  summary: NetworkSummary
}

type Layer = InstanceType<typeof layers.Layer>

/**
 * Builds a descriptor as a functional `tf.LayersModel` whose layers carry the
 * descriptor's names, followed by the classification head (`head_flatten`
 * when the output has rank 3, `head_dense`, `head_softmax`). Layers with
 * several inputs align them by the rule of `planMerge` from `@nord/core` and
 * merge them by sum or concatenation.
 *
 * @throws NordValidationError for invalid options or an invalid descriptor,
 *   before any tensor exists.
 */
export function buildModel(
  descriptor: DescriptorJSON,
  options: BuildOptions,
): LayersModel {
  return buildNetwork(descriptor, options).model
}

/**
 * Like `buildModel`, and also returns a logits model and the summary from
 * `summarizeNetwork`. The two models share every layer, so `model.dispose()`
 * frees all weights. Never dispose `logits`: it would free the shared weights
 * and leave `model` broken.
 */
export function buildNetwork(
  descriptor: DescriptorJSON,
  options: BuildOptions,
): BuiltNetwork {
  const checked = checkNetwork(descriptor, options)
  const builder = new GraphBuilder(checked, options.seed)
  try {
    return { ...builder.build(), summary: checked.summary }
  } catch (error) {
    builder.disposeWeights()
    throw error
  }
}

/** Trainable parameters of a model, counted from its trainable weights. */
export function countTrainableParameters(model: LayersModel): number {
  let total = 0
  for (const weight of model.trainableWeights) {
    total += weight.shape.reduce((product: number, size) => product * size!, 1)
  }
  return total
}

/** A descriptor that core's shape inference accepted, with what it found. */
interface CheckedNetwork {
  descriptor: DescriptorJSON
  params: ReadonlyMap<string, ResolvedParams>
  topology: Topology
  summary: NetworkSummary
  inputShape: Shape
}

/**
 * Runs core's validation and shape inference (the same as
 * `summarizeNetwork`) and checks the seed, reporting every problem at once.
 */
function checkNetwork(
  descriptor: DescriptorJSON,
  options: BuildOptions,
): CheckedNetwork {
  const { inputShape, classes, seed } = options
  const analysis = analyzeDescriptor(descriptor, { inputShape, classes })
  const issues: Issue[] = [...analysis.issues]
  if (!Number.isSafeInteger(seed)) {
    issues.push({
      path: 'seed',
      message: `must be a safe integer, got ${seed}`,
      code: 'NORD_ERR_INVALID_OPTION',
    })
  }

  const { summary, params, topology } = analysis
  if (issues.length > 0 || !summary || !params || !topology) {
    throw new NordValidationError('descriptor', issues)
  }
  return {
    descriptor: analysis.descriptor!,
    params,
    topology,
    summary,
    inputShape,
  }
}

/** Applies the descriptor's layers in topological order. */
class GraphBuilder {
  private readonly outputs = new Map<string, SymbolicTensor>()
  private readonly created: Layer[] = []
  private readonly usedNames: Set<string>
  private readonly random: Random

  constructor(
    private readonly network: CheckedNetwork,
    seed: number,
  ) {
    this.usedNames = new Set([
      ...network.descriptor.layers.map((layer) => layer.name),
      ...HEAD_LAYER_NAMES,
    ])
    this.random = createRandom(seed).derive('weights')
  }

  build(): { model: LayersModel; logits: LayersModel } {
    const { topology } = this.network
    const input = symbolicInput({
      shape: this.network.inputShape,
      name: this.uniqueName('input'),
    })

    for (const name of topology.order) {
      const sources = topology.inputs.get(name) ?? []
      const inputs =
        name === topology.input
          ? [input]
          : sources.map((source) => this.outputs.get(source)!)
      const merged = inputs.length === 1 ? inputs[0]! : this.merge(name, inputs)
      this.outputs.set(name, this.applyLayer(name, merged))
    }

    const head = this.applyHead(this.outputs.get(topology.output)!)
    return {
      model: functionalModel({ inputs: input, outputs: head.probabilities }),
      logits: functionalModel({ inputs: input, outputs: head.logits }),
    }
  }

  /** Frees the weights of every layer created so far, after a failed build. */
  disposeWeights(): void {
    for (const layer of this.created) {
      for (const weight of layer.weights) weight.dispose()
    }
  }

  private applyLayer(name: string, input: SymbolicTensor): SymbolicTensor {
    const layer = this.track(this.createLayer(name))
    return layer.apply(input) as SymbolicTensor
  }

  private spec(name: string): LayerSpec {
    return this.network.descriptor.layers.find((layer) => layer.name === name)!
  }

  /** Aligns several inputs with `planMerge` and sums or concatenates them. */
  private merge(name: string, inputs: SymbolicTensor[]): SymbolicTensor {
    const mode = this.spec(name).merge ?? 'sum'
    const shapes = inputs.map((tensor) => tensor.shape.slice(1) as Shape)
    const plan = planMerge(shapes, mode)

    const aligned = inputs.map((tensor, index) =>
      this.align(tensor, plan.inputs[index]!, `${name}_merge${index}`),
    )
    const mergeName = this.uniqueName(`${name}_merge`)
    const merger =
      mode === 'sum'
        ? layers.add({ name: mergeName })
        : layers.concatenate({ name: mergeName, axis: -1 })
    return this.track(merger).apply(aligned) as SymbolicTensor
  }

  private align(
    tensor: SymbolicTensor,
    plan: MergeInputPlan,
    prefix: string,
  ): SymbolicTensor {
    let result = tensor
    if (plan.flatten) {
      const flatten = layers.flatten({
        name: this.uniqueName(`${prefix}_flatten`),
      })
      result = this.track(flatten).apply(result) as SymbolicTensor
    }

    const [top, bottom] = plan.padHeight
    const [left, right] = plan.padWidth
    if (top + bottom + left + right > 0) {
      const pad = layers.zeroPadding2d({
        name: this.uniqueName(`${prefix}_pad`),
        padding: [
          [top, bottom],
          [left, right],
        ],
      })
      result = this.track(pad).apply(result) as SymbolicTensor
    }

    if (plan.padLast > 0) {
      const pad = new PadLastAxis({
        name: this.uniqueName(`${prefix}_pad_last`),
        amount: plan.padLast,
      })
      result = this.track(pad).apply(result) as SymbolicTensor
    }
    return result
  }

  private applyHead(features: SymbolicTensor): {
    logits: SymbolicTensor
    probabilities: SymbolicTensor
  } {
    let vector = features
    if (features.shape.length === 4) {
      const flatten = layers.flatten({ name: HEAD_FLATTEN })
      vector = this.track(flatten).apply(features) as SymbolicTensor
    }

    const dense = layers.dense({
      name: HEAD_DENSE,
      units: this.network.summary.classes,
      kernelInitializer: this.glorotUniform(HEAD_DENSE),
    })
    const logits = this.track(dense).apply(vector) as SymbolicTensor
    const softmax = layers.activation({
      name: HEAD_SOFTMAX,
      activation: 'softmax',
    })
    const probabilities = this.track(softmax).apply(logits) as SymbolicTensor
    return { logits, probabilities }
  }

  private createLayer(name: string): Layer {
    const spec = this.spec(name)
    const factory = LAYER_FACTORIES[spec.type]
    if (!factory) {
      const index = this.network.descriptor.layers.indexOf(spec)
      throw new NordValidationError('descriptor', [
        {
          path: `layers[${index}].type`,
          message: `@nord/tfjs cannot build layer type '${spec.type}'`,
          code: 'NORD_ERR_UNKNOWN_LAYER_TYPE',
        },
      ])
    }
    return factory(this.network.params.get(name)!, {
      name,
      seed: () => this.seedFor(name),
    })
  }

  private glorotUniform(layerName: string) {
    return initializers.glorotUniform({ seed: this.seedFor(layerName) })
  }

  private seedFor(layerName: string): number {
    return this.random.derive(layerName).seed32()
  }

  private track<T extends Layer>(layer: T): T {
    this.created.push(layer)
    return layer
  }

  private uniqueName(base: string): string {
    let name = base
    for (let suffix = 1; this.usedNames.has(name); suffix++) {
      name = `${base}_${suffix}`
    }
    this.usedNames.add(name)
    return name
  }
}

interface FactoryContext {
  name: string
  /** The layer's own seed, derived from the build seed and the layer name. */
  seed: () => number
}

type LayerFactory = (params: ResolvedParams, context: FactoryContext) => Layer

const ACTIVATIONS = ['relu', 'relu6', 'elu', 'sigmoid', 'tanh'] as const

/**
 * One factory per layer type of core's catalogue. The parameters come
 * resolved by core: defaults applied and int-or-pair values as pairs.
 */
const LAYER_FACTORIES: Record<string, LayerFactory> = {
  conv2d: (params, { name, seed }) => {
    const dilationRate = params.dilationRate as Pair
    const common = {
      name,
      filters: params.filters as number,
      kernelSize: params.kernelSize as Pair,
      padding: params.padding as 'valid' | 'same',
      useBias: params.useBias as boolean,
    }
    if (dilationRate[0] > 1 || dilationRate[1] > 1) {
      return new DilatedConv2D({ ...common, dilationRate, seed: seed() })
    }
    return layers.conv2d({
      ...common,
      strides: params.strides as Pair,
      kernelInitializer: initializers.glorotUniform({ seed: seed() }),
      biasInitializer: 'zeros',
    })
  },
  maxPooling2d: (params, { name }) =>
    layers.maxPooling2d(poolArgs(name, params)),
  averagePooling2d: (params, { name }) =>
    layers.averagePooling2d(poolArgs(name, params)),
  globalAveragePooling2d: (_params, { name }) =>
    layers.globalAveragePooling2d({ name }),
  flatten: (_params, { name }) => layers.flatten({ name }),
  dense: (params, { name, seed }) =>
    layers.dense({
      name,
      units: params.units as number,
      useBias: params.useBias as boolean,
      kernelInitializer: initializers.glorotUniform({ seed: seed() }),
      biasInitializer: 'zeros',
    }),
  dropout: (params, { name, seed }) =>
    new Dropout({ name, rate: params.rate as number, seed: seed() }),
  batchNormalization: (params, { name }) =>
    layers.batchNormalization({
      name,
      axis: -1,
      momentum: params.momentum as number,
      epsilon: params.epsilon as number,
    }),
  ...Object.fromEntries(
    ACTIVATIONS.map((activation): [string, LayerFactory] => [
      activation,
      (_params, { name }) => layers.activation({ name, activation }),
    ]),
  ),
}

function poolArgs(name: string, params: ResolvedParams) {
  return {
    name,
    poolSize: params.poolSize as Pair,
    strides: params.strides as Pair,
    padding: params.padding as 'valid' | 'same',
  }
}
