import {
  BatchMatMul,
  backend_util,
  Conv2D,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type NamedAttrMap,
  PadV2,
  Reshape,
  Reverse,
  Slice,
  type TensorInfo,
  Transpose,
} from '@tensorflow/tfjs-core'
import {
  type KernelArgs,
  KernelScope,
  type Shape4D,
  type WasmBackend,
} from './kernel-scope.js'

type ConvInfo = backend_util.Conv2DInfo

/**
 * The maximum number of float32 values (16 MiB) in the `[rows,
 * kH·kW·inChannels]` matrix of `conv2dBackpropInput`'s matrix-product method.
 * Larger batches are processed in chunks of samples.
 */
const MAX_COLUMN_VALUES = 1 << 22

/**
 * Computes the gradient of a convolution with respect to its filter as one
 * forward convolution. With the batch axis of `x` moved to channels and `dy`
 * used as the filter, a convolution dilated by the forward strides sums
 * `x[b, oh*sh + kh, ow*sw + kw, ci] * dy[b, oh, ow, co]` over `b, oh, ow`,
 * which is `dW[kh, kw, ci, co]`.
 */
export function conv2dBackpropFilter(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo }
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs
  requireChannelsLast(attrs.dataFormat, 'Conv2DBackpropFilter')

  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4D,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  )
  const { top, bottom, left, right } = info.padInfo
  const scope = new KernelScope(args.backend as WasmBackend)

  try {
    const xT = scope.run(Transpose, { x }, { perm: [3, 1, 2, 0] })
    const hasPadding = top + bottom + left + right > 0
    const xPadded = hasPadding
      ? scope.run(PadV2, { x: xT }, padAttrs([top, bottom], [left, right]))
      : xT
    const dyT = scope.run(Transpose, { x: dy }, { perm: [1, 2, 0, 3] })
    const dilations = [info.strideHeight, info.strideWidth]
    const full = scope.run(
      Conv2D,
      { x: xPadded, filter: dyT },
      validConvAttrs(dilations),
    )

    const [inChannels, height, width, outChannels] = full.shape as Shape4D
    const tooLarge = height > info.filterHeight || width > info.filterWidth
    const size = [inChannels, info.filterHeight, info.filterWidth, outChannels]
    const cropped = tooLarge
      ? scope.run(Slice, { x: full }, { begin: [0, 0, 0, 0], size })
      : full

    return scope.result(Transpose, { x: cropped }, { perm: [1, 2, 0, 3] })
  } finally {
    scope.dispose()
  }
}

/**
 * Creates the kernel function for the gradient of a convolution with respect
 * to its input. It picks one of two methods, both built on the backend's fast
 * kernels:
 *
 * - With stride 1 and an output not much smaller than the input, it convolves
 *   the zero-padded output gradient with the filter, flipped in height and
 *   width and with its channel axes swapped.
 * - Otherwise it multiplies the output gradient by the filter as matrices and
 *   adds each row of the product into the input positions it came from. For
 *   strides above 1, or kernels large against their input, the convolution
 *   would mostly multiply zeros.
 *
 * Channels-first data goes to the original kernel.
 */
export function conv2dBackpropInput(
  original: KernelConfig,
): KernelConfig['kernelFunc'] {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo }
    const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs
    // NOTE: nord builds channels-last layers only, so no test reaches this
    // fallback.
    if (attrs.dataFormat !== 'NHWC') return original.kernelFunc(args)

    const info = backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as Shape4D,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    )
    const scope = new KernelScope(args.backend as WasmBackend)
    try {
      const padding = fullConvolutionPadding(info)
      return padding
        ? inputGradientByConvolution(scope, dy, filter, padding)
        : inputGradientByMatMul(scope, dy, filter, info)
    } finally {
      scope.dispose()
    }
  }
}

interface FullPadding {
  height: [number, number]
  width: [number, number]
}

/**
 * Returns the zeros around `dy` that turn the input gradient into a valid
 * convolution. Returns undefined for strides above 1, for explicit padding
 * wider than the kernel, and when the input has more than twice the output's
 * positions, because the padded `dy` would then be mostly zeros. In one measurement (wasm, tfjs 4.22.0, 2-core Xeon, batch
 * 64, 28x28 images), the matrix product took about twice as long at ratios
 * below 1.2, and a fifth as long at a ratio of 6.25.
 */
function fullConvolutionPadding(info: ConvInfo): FullPadding | undefined {
  if (info.strideHeight !== 1 || info.strideWidth !== 1) return undefined
  const inArea = info.inHeight * info.inWidth
  if (inArea > 2 * info.outHeight * info.outWidth) return undefined

  const top = info.filterHeight - 1 - info.padInfo.top
  const left = info.filterWidth - 1 - info.padInfo.left
  const bottom = info.inHeight - info.outHeight - top + info.filterHeight - 1
  const right = info.inWidth - info.outWidth - left + info.filterWidth - 1
  if (Math.min(top, left, bottom, right) < 0) return undefined

  return { height: [top, bottom], width: [left, right] }
}

function inputGradientByConvolution(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  padding: FullPadding,
): TensorInfo {
  const flipped = scope.run(Reverse, { x: filter }, { dims: [0, 1] })
  const swapped = scope.run(Transpose, { x: flipped }, { perm: [0, 1, 3, 2] })
  const padded = scope.run(
    PadV2,
    { x: dy },
    padAttrs(padding.height, padding.width),
  )
  return scope.result(
    Conv2D,
    { x: padded, filter: swapped },
    validConvAttrs([1, 1]),
  )
}

/**
 * Multiplies `dy` as a `[samples·outH·outW, outChannels]` matrix by the filter
 * as an `[outChannels, kH·kW·inChannels]` matrix. Each row of the product is
 * one output position's contribution to the input positions under its window.
 * Chunks of samples keep the product below `MAX_COLUMN_VALUES`.
 */
function inputGradientByMatMul(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  info: ConvInfo,
): TensorInfo {
  const { batchSize, outHeight, outWidth, outChannels } = info
  const windowSize = info.filterHeight * info.filterWidth * info.inChannels
  // On wasm (tfjs 4.22.0), BatchMatMul with transposeB took 7 times as long
  // as without in one measurement, so the filter is transposed here.
  const transposed = scope.run(Transpose, { x: filter }, { perm: [3, 0, 1, 2] })
  const weights = scope.run(
    Reshape,
    { x: transposed },
    { shape: [outChannels, windowSize] },
  )
  const rowsPerSample = outHeight * outWidth
  const chunk = Math.max(
    1,
    Math.floor(MAX_COLUMN_VALUES / (rowsPerSample * windowSize)),
  )

  const output = scope.backend.makeOutput(info.inShape, 'float32')
  try {
    scope.backend.typedArrayFromHeap(output).fill(0)
    for (let start = 0; start < batchSize; start += chunk) {
      const samples = Math.min(chunk, batchSize - start)
      const part =
        samples === batchSize
          ? dy
          : scope.run(
              Slice,
              { x: dy },
              {
                begin: [start, 0, 0, 0],
                size: [samples, outHeight, outWidth, outChannels],
              },
            )
      const rows = scope.run(
        Reshape,
        { x: part },
        { shape: [samples * rowsPerSample, outChannels] },
      )
      const columns = scope.run(
        BatchMatMul,
        { a: rows, b: weights },
        { transposeA: false, transposeB: false },
      )

      // Take the heap views after the last allocation, which may have grown
      // the wasm memory and invalidated older views.
      addWindows(
        scope.backend.typedArrayFromHeap(columns),
        scope.backend.typedArrayFromHeap(output),
        start,
        samples,
        info,
      )
      for (const intermediate of [columns, rows, part]) {
        if (intermediate !== dy) scope.release(intermediate)
      }
    }
    return output
  } catch (error) {
    scope.backend.disposeData(output.dataId)
    throw error
  }
}

/**
 * Adds each row of `columns` (one output position's window, ordered as
 * kernel row, kernel column, input channel) into `dx` at the input positions
 * of that window, skipping positions in the padding.
 */
function addWindows(
  columns: Float32Array,
  dx: Float32Array,
  firstSample: number,
  samples: number,
  info: ConvInfo,
): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth } = info
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info
  const { top, left } = info.padInfo
  let offset = 0

  for (let sample = firstSample; sample < firstSample + samples; sample++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        for (let kernelRow = 0; kernelRow < filterHeight; kernelRow++) {
          const row = outRow * strideHeight - top + kernelRow
          if (row < 0 || row >= inHeight) {
            offset += filterWidth * inChannels
            continue
          }
          for (
            let kernelColumn = 0;
            kernelColumn < filterWidth;
            kernelColumn++
          ) {
            const column = outColumn * strideWidth - left + kernelColumn
            if (column >= 0 && column < inWidth) {
              const target =
                ((sample * inHeight + row) * inWidth + column) * inChannels
              for (let channel = 0; channel < inChannels; channel++) {
                dx[target + channel]! += columns[offset + channel]!
              }
            }
            offset += inChannels
          }
        }
      }
    }
  }
}

function validConvAttrs(dilations: number[]): NamedAttrMap {
  return { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations }
}

function padAttrs(
  height: [number, number],
  width: [number, number],
): NamedAttrMap {
  return { paddings: [[0, 0], height, width, [0, 0]], constantValue: 0 }
}

function requireChannelsLast(dataFormat: string, kernelName: string): void {
  if (dataFormat !== 'NHWC') {
    throw new Error(
      `nord's wasm ${kernelName} supports dataFormat 'NHWC' only, got '${dataFormat}'`,
    )
  }
}
