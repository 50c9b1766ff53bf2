import type { ReduceOp } from '@nord/core'

/**
 * Reduces equal-length buffers element-wise in the order given (rank 0
 * first). Sums accumulate in float64 and are rounded to float32 once at the
 * end; `mean` divides the float64 sum by the buffer count before rounding.
 * The result depends on the values and their order only, never on the order
 * in which the buffers arrived.
 */
export function reduceInOrder(
  buffers: readonly Float32Array[],
  op: ReduceOp,
): Float32Array {
  const length = buffers[0]?.length ?? 0
  const sum = new Float64Array(length)
  for (const buffer of buffers) {
    for (let i = 0; i < length; i++) sum[i]! += buffer[i]!
  }

  if (op === 'mean') {
    const count = buffers.length
    for (let i = 0; i < length; i++) sum[i]! /= count
  }
  return new Float32Array(sum)
}
