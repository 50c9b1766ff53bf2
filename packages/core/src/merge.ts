import type { MergeMode, Shape } from './types.js'

/** The reshaping of one input of a merging layer before the merge. */
export interface MergeInputPlan {
  /** Flatten this `[height, width, channels]` input to `[features]` first. */
  flatten: boolean
  /** Zeros added above and below (rank 3 only). */
  padHeight: [number, number]
  /** Zeros added left and right (rank 3 only). */
  padWidth: [number, number]
  /** Zeros appended to the last axis (channels or features), for `sum` only. */
  padLast: number
}

/** The alignment of several inputs and the merged output shape. */
export interface MergePlan {
  inputs: MergeInputPlan[]
  output: Shape
}

/**
 * Plans the alignment rule of merging layers, shared by shape inference and
 * every builder:
 *
 * 1. If any input is a vector (`[features]`), every `[height, width,
 *    channels]` input is flattened, so all inputs are vectors.
 * 2. Otherwise every input is zero-padded in height and width to the largest
 *    height and width among the inputs, with the odd zero below or right.
 * 3. `sum` zero-pads the last axis to the largest size and adds; `concat`
 *    joins along the last axis.
 *
 * Padding never drops information, so no branch loses its border.
 */
export function planMerge(shapes: Shape[], mode: MergeMode): MergePlan {
  const anyVector = shapes.some((shape) => shape.length === 1)
  const aligned = shapes.map((shape) =>
    anyVector && shape.length === 3 ? [product(shape)] : shape,
  )
  const lastSizes = aligned.map((shape) => shape[shape.length - 1]!)
  const maxLast = Math.max(...lastSizes)
  const lastOut =
    mode === 'sum' ? maxLast : lastSizes.reduce((sum, size) => sum + size, 0)

  if (anyVector) {
    return {
      inputs: shapes.map((shape, index) => ({
        flatten: shape.length === 3,
        padHeight: [0, 0],
        padWidth: [0, 0],
        padLast: mode === 'sum' ? maxLast - lastSizes[index]! : 0,
      })),
      output: [lastOut],
    }
  }

  const maxHeight = Math.max(...shapes.map((shape) => shape[0]!))
  const maxWidth = Math.max(...shapes.map((shape) => shape[1]!))
  return {
    inputs: shapes.map((shape, index) => ({
      flatten: false,
      padHeight: split(maxHeight - shape[0]!),
      padWidth: split(maxWidth - shape[1]!),
      padLast: mode === 'sum' ? maxLast - lastSizes[index]! : 0,
    })),
    output: [maxHeight, maxWidth, lastOut],
  }
}

function split(total: number): [number, number] {
  const before = Math.floor(total / 2)
  return [before, total - before]
}

function product(shape: Shape): number {
  return shape.reduce((result, size) => result * size, 1)
}
