import {
  backend_util,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core'
import type { KernelArgs, Shape4D, WasmBackend } from './kernel-scope.js'

/**
 * Computes the gradient of max pooling in place of the wasm kernel of tfjs
 * 4.22.0, which sends the gradient of a window whose values are all negative
 * to the window's first element instead of its maximum. Each output's
 * gradient goes to the first maximum of its window (padding excluded), as on
 * the cpu backend, and overlapping windows add up.
 */
export function maxPoolGrad(args: KernelArgs): TensorInfo {
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo }
  const attrs = args.attrs as unknown as MaxPoolGradAttrs
  const backend = args.backend as WasmBackend
  const info = backend_util.computePool2DInfo(
    input.shape as Shape4D,
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  )

  // Allocate first: growing wasm memory invalidates earlier heap views.
  const output = backend.makeOutput(input.shape, 'float32')
  const dx = backend.typedArrayFromHeap(output)
  dx.fill(0)
  routeToMaxima(
    backend.typedArrayFromHeap(input),
    backend.typedArrayFromHeap(dy),
    dx,
    info,
  )
  return output
}

function routeToMaxima(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels } = info
  const { outHeight, outWidth, strideHeight, strideWidth } = info
  const { effectiveFilterHeight, effectiveFilterWidth, padInfo } = info
  let dyIndex = 0

  for (let batch = 0; batch < batchSize; batch++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      const rowStart = outRow * strideHeight - padInfo.top
      const rowEnd = Math.min(rowStart + effectiveFilterHeight, inHeight)

      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        const columnStart = outColumn * strideWidth - padInfo.left
        const columnEnd = Math.min(columnStart + effectiveFilterWidth, inWidth)

        for (let channel = 0; channel < inChannels; channel++) {
          let best = Number.NEGATIVE_INFINITY
          let bestIndex = -1
          for (let row = Math.max(rowStart, 0); row < rowEnd; row++) {
            const rowOffset = (batch * inHeight + row) * inWidth
            for (
              let column = Math.max(columnStart, 0);
              column < columnEnd;
              column++
            ) {
              const index = (rowOffset + column) * inChannels + channel
              if (x[index]! > best) {
                best = x[index]!
                bestIndex = index
              }
            }
          }
          if (bestIndex >= 0) dx[bestIndex]! += dy[dyIndex]!
          dyIndex++
        }
      }
    }
  }
}
