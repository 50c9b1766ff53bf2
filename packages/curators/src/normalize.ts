/**
 * Pixel normalisation. `scale` maps bytes to [0, 1] by dividing by 255.
 * `standardize` scales first, then subtracts each channel's mean and divides
 * by its standard deviation, both measured on the training split and applied
 * unchanged to every split, so no statistic leaks from validation or test.
 */

export type Normalization = 'scale' | 'standardize'

/** Per-channel statistics of scaled pixel values, in channel order. */
export interface ChannelStatistics {
  mean: number[]
  /** Population standard deviations; a constant channel gets 1. */
  std: number[]
}

/** Converts bytes to floats in [0, 1] by dividing by 255. */
export function scaleToUnit(pixels: Uint8Array): Float32Array {
  const scaled = new Float32Array(pixels.length)
  for (let index = 0; index < pixels.length; index++) {
    scaled[index] = pixels[index]! / 255
  }
  return scaled
}

/**
 * Measures the mean and standard deviation of each channel of NHWC (or
 * flattened NHW with one channel) values.
 */
export function channelStatistics(
  values: Float32Array,
  channels: number,
): ChannelStatistics {
  const sums = new Float64Array(channels)
  const squares = new Float64Array(channels)
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!
    const channel = index % channels
    sums[channel]! += value
    squares[channel]! += value * value
  }

  const perChannel = values.length / channels
  const mean = Array.from(sums, (sum) =>
    perChannel === 0 ? 0 : sum / perChannel,
  )
  const std = Array.from(squares, (square, channel) => {
    if (perChannel === 0) return 1
    const variance = square / perChannel - mean[channel]! ** 2
    return variance > 1e-12 ? Math.sqrt(variance) : 1
  })
  return { mean, std }
}

/** Applies `(value - mean) / std` per channel, in place. */
export function standardizeInPlace(
  values: Float32Array,
  statistics: ChannelStatistics,
): void {
  const channels = statistics.mean.length
  for (let index = 0; index < values.length; index++) {
    const channel = index % channels
    values[index] =
      (values[index]! - statistics.mean[channel]!) / statistics.std[channel]!
  }
}
