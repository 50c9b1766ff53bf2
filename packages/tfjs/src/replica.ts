/**
 * Data-parallel training: several replicas of one network, each in its own
 * process, take their block of every batch and sum their gradients, so that
 * every replica applies the same update and keeps the same weights.
 */
import { createHash } from 'node:crypto'
import { NordError, shardRange } from '@nord/core'
import type * as tf from '@tensorflow/tfjs-core'
import type { LayersModel } from '@tensorflow/tfjs-layers'

/**
 * The link of one replica to the others. Every replica calls `shareWeights`
 * once and `sum` the same number of times with buffers of the same lengths,
 * in the same order, as with any collective.
 */
export interface Replica {
  /**
   * This replica's block of each batch: block `index` of `count` contiguous
   * blocks, by `shardRange` from `@nord/core`. Null for a replica that
   * trains on no samples and only keeps its weights in step with the others,
   * such as a coordinator that takes part in every collective.
   */
  block: { index: number; count: number } | null
  /**
   * Returns the weights every replica starts from, given this replica's
   * freshly initialised ones: those of one root replica, broadcast.
   */
  shareWeights(weights: Float32Array): Promise<Float32Array>
  /** Returns the element-wise sum of `buffer` over every replica (all-reduce). */
  sum(buffer: Float32Array): Promise<Float32Array>
}

/** Returns the elements of `batch` that a replica trains on: its block of the batch. */
export function replicaSlice<T>(batch: readonly T[], replica: Replica): T[] {
  if (replica.block === null) return []
  const { index, count } = replica.block
  const { start, count: size } = shardRange(batch.length, index, count)
  return batch.slice(start, start + size)
}

/** Copies every weight of a model, trainable or not, into one buffer in `model.weights` order. */
export function flattenWeights(model: LayersModel): Float32Array {
  const values = model.getWeights()
  const total = values.reduce((sum, value) => sum + value.size, 0)
  const buffer = new Float32Array(total)
  let offset = 0
  for (const value of values) {
    buffer.set(value.dataSync() as Float32Array, offset)
    offset += value.size
  }
  return buffer
}

/**
 * Overwrites every weight of a model from a buffer that `flattenWeights`
 * made for a model of the same descriptor.
 *
 * @throws NordError `NORD_ERR_REPLICA` when the buffer's length differs
 *   from the model's weight count.
 */
export function assignWeights(
  model: LayersModel,
  buffer: Float32Array,
  tensor: typeof tf.tensor,
): void {
  const weights = model.weights
  const total = weights.reduce(
    (sum, weight) => sum + sizeOf(weight.shape as number[]),
    0,
  )
  if (total !== buffer.length) {
    throw new NordError(
      'NORD_ERR_REPLICA',
      `the shared weights hold ${buffer.length} values, but the model has ${total}`,
      {
        value: buffer.length,
        hint: 'Every replica must build the same descriptor with the same input shape and classes',
      },
    )
  }

  let offset = 0
  const values = weights.map((weight) => {
    const shape = weight.shape as number[]
    const size = sizeOf(shape)
    const value = tensor(buffer.subarray(offset, offset + size), shape)
    offset += size
    return value
  })
  try {
    model.setWeights(values)
  } finally {
    for (const value of values) value.dispose()
  }
}

/** Returns the SHA-256 of a weight buffer's bytes: equal digests mean equal weights. */
export function weightsDigest(weights: Float32Array): string {
  return createHash('sha256')
    .update(
      new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength),
    )
    .digest('hex')
}

function sizeOf(shape: number[]): number {
  return shape.reduce((product, size) => product * size, 1)
}
