/**
 * Layers that TensorFlow.js Layers lacks or gets wrong for nord:
 *
 * - `NordPadLastAxis` appends zeros to the last axis, for merges by sum of
 *   inputs with different channel or feature counts.
 * - `NordDropout` draws a new mask for every batch from a seeded stream.
 *   tfjs-layers 4.22.0 `dropout` with a `seed` reuses one mask for every
 *   batch, and without one it draws from `Math.random`.
 * - `NordDilatedConv2D` is a convolution with `dilationRate` above 1 that can
 *   be trained: tfjs-core 4.22.0 has no gradient for dilated convolutions.
 *   It spreads the kernel with zeros and runs an undilated convolution, which
 *   computes the same function with the same trainable parameters.
 */
import { createRandom, type Random } from '@nord/core'
import * as tf from '@tensorflow/tfjs-core'
import {
  initializers,
  type LayerVariable,
  layers,
} from '@tensorflow/tfjs-layers'

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>
type LayerShape = (number | null)[]
type Kwargs = Record<string, unknown>

/** The namespace the custom layers are registered under for serialization. */
const PACKAGE = 'nord'

export interface PadLastAxisArgs extends LayerArgs {
  /** Zeros appended to the last axis of each sample. */
  amount: number
}

export class PadLastAxis extends layers.Layer {
  static className = 'NordPadLastAxis'
  readonly amount: number

  constructor(args: PadLastAxisArgs) {
    super(args)
    this.amount = args.amount
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]) {
    const shape = singleShape(inputShape)
    const last = shape[shape.length - 1]
    return [...shape.slice(0, -1), last == null ? null : last + this.amount]
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs)
      const paddings = x.shape.map((): [number, number] => [0, 0])
      paddings[paddings.length - 1] = [0, this.amount]
      return tf.pad(x, paddings)
    })
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), amount: this.amount }
  }
}

export interface DropoutArgs extends LayerArgs {
  /** The fraction of inputs set to zero during training, in [0, 1). */
  rate: number
  /** The seed of the stream that seeds each batch's mask. */
  seed: number
}

export class Dropout extends layers.Layer {
  static className = 'NordDropout'
  readonly rate: number
  readonly seed: number
  private readonly random: Random

  constructor(args: DropoutArgs) {
    super(args)
    this.rate = args.rate
    this.seed = args.seed
    this.random = createRandom(args.seed)
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]) {
    return singleShape(inputShape)
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = singleTensor(inputs)
    if (kwargs.training !== true || this.rate === 0) return x.clone()

    const seed = this.random.seed32()
    return tf.tidy(() => tf.dropout(x, this.rate, undefined, seed))
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed }
  }
}

export interface DilatedConv2DArgs extends LayerArgs {
  filters: number
  kernelSize: [number, number]
  dilationRate: [number, number]
  padding: 'valid' | 'same'
  useBias: boolean
  /** The seed of the Glorot uniform kernel initializer. */
  seed: number
}

export class DilatedConv2D extends layers.Layer {
  static className = 'NordDilatedConv2D'
  private readonly options: DilatedConv2DArgs
  private kernel: LayerVariable | undefined
  private bias: LayerVariable | undefined

  constructor(args: DilatedConv2DArgs) {
    super(args)
    this.options = args
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const shape = singleShape(inputShape)
    const channels = shape[shape.length - 1] as number
    const { filters, kernelSize, useBias, seed } = this.options
    this.kernel = this.addWeight(
      'kernel',
      [kernelSize[0], kernelSize[1], channels, filters],
      'float32',
      initializers.glorotUniform({ seed }),
    )
    if (useBias) {
      this.bias = this.addWeight(
        'bias',
        [filters],
        'float32',
        initializers.zeros(),
      )
    }
    this.built = true
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]) {
    const [batch, height, width] = singleShape(inputShape)
    const span = this.dilatedKernelSize()
    return [
      batch ?? null,
      this.outputSize(height ?? null, span[0]),
      this.outputSize(width ?? null, span[1]),
      this.options.filters,
    ]
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs) as tf.Tensor4D
      const kernel = dilateKernel(
        this.kernel!.read() as tf.Tensor4D,
        this.options.dilationRate,
      )
      const y = tf.conv2d(x, kernel, 1, this.options.padding)
      return this.bias ? tf.add(y, this.bias.read()) : y
    })
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { filters, kernelSize, dilationRate, padding, useBias, seed } =
      this.options
    return {
      ...super.getConfig(),
      filters,
      kernelSize,
      dilationRate,
      padding,
      useBias,
      seed,
    }
  }

  /** Computes the output size along one axis, for stride 1. */
  private outputSize(input: number | null, window: number): number | null {
    if (input === null) return null
    if (this.options.padding === 'same') return input
    return input - window + 1
  }

  private dilatedKernelSize(): [number, number] {
    const { kernelSize, dilationRate } = this.options
    return [
      (kernelSize[0] - 1) * dilationRate[0] + 1,
      (kernelSize[1] - 1) * dilationRate[1] + 1,
    ]
  }
}

/**
 * Inserts `rate - 1` zeros between neighbouring kernel taps in height and
 * width, with reshapes, pads and slices that all have gradients.
 */
export function dilateKernel(
  kernel: tf.Tensor4D,
  rate: [number, number],
): tf.Tensor4D {
  const [height, width, inChannels, outChannels] = kernel.shape
  let result = kernel

  if (rate[0] > 1) {
    const rows = tf.reshape(result, [
      height,
      1,
      width * inChannels * outChannels,
    ])
    const spread = tf.pad(rows, [
      [0, 0],
      [0, rate[0] - 1],
      [0, 0],
    ])
    const tall = tf.reshape(spread, [
      height * rate[0],
      width,
      inChannels,
      outChannels,
    ])
    result = tf.slice(tall, 0, (height - 1) * rate[0] + 1) as tf.Tensor4D
  }

  if (rate[1] > 1) {
    const tallHeight = result.shape[0]
    const columns = tf.reshape(result, [
      tallHeight,
      width,
      1,
      inChannels * outChannels,
    ])
    const spread = tf.pad(columns, [
      [0, 0],
      [0, 0],
      [0, rate[1] - 1],
      [0, 0],
    ])
    const wide = tf.reshape(spread, [
      tallHeight,
      width * rate[1],
      inChannels,
      outChannels,
    ])
    result = tf.slice(
      wide,
      [0, 0, 0, 0],
      [tallHeight, (width - 1) * rate[1] + 1, inChannels, outChannels],
    ) as tf.Tensor4D
  }

  return result
}

function singleShape(shape: LayerShape | LayerShape[]): LayerShape {
  const first = shape[0]
  return Array.isArray(first) ? first : (shape as LayerShape)
}

function singleTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs
}

for (const layer of [PadLastAxis, Dropout, DilatedConv2D]) {
  tf.serialization.registerClass(layer, PACKAGE)
}
