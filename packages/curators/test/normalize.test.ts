import { describe, expect, it } from 'vitest'
import {
  channelStatistics,
  scaleToUnit,
  standardizeInPlace,
} from '../src/normalize.js'

describe('scaleToUnit', () => {
  it('divides bytes by 255', () => {
    const scaled = scaleToUnit(Uint8Array.from([0, 51, 128, 255]))

    expect(scaled[0]).toBe(0)
    expect(scaled[1]).toBe(Math.fround(0.2))
    expect(scaled[2]).toBe(Math.fround(128 / 255))
    expect(scaled[3]).toBe(1)
  })
})

describe('channelStatistics', () => {
  it('measures each channel of NHWC values', () => {
    // Two pixels of three channels: R = 0 and 1, G = 0.5 twice, B = 0.25 and 0.75.
    const values = Float32Array.from([0, 0.5, 0.25, 1, 0.5, 0.75])

    const { mean, std } = channelStatistics(values, 3)

    expect(mean).toEqual([0.5, 0.5, 0.5])
    expect(std[0]).toBeCloseTo(0.5, 12)
    expect(std[1]).toBe(1)
    expect(std[2]).toBeCloseTo(0.25, 12)
  })
})

describe('standardizeInPlace', () => {
  it('centres and scales each channel', () => {
    const values = Float32Array.from([0, 0.5, 0.25, 1, 0.5, 0.75])

    standardizeInPlace(values, channelStatistics(values, 3))

    expect(Array.from(values)).toEqual([-1, 0, -1, 1, 0, 1])
  })
})
