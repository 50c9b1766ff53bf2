import { NordError } from './errors.js'

/**
 * Seeded randomness. Every random choice in nord comes from a `Random`
 * created from the run seed. Each part of a run (the optimizer, each
 * candidate, each worker) takes its own stream with `derive(label)`, so
 * adding a draw in one part never shifts the draws of another.
 */
export interface Random {
  /** The 32-bit seed this stream started from. */
  readonly seed: number
  /** A float in [0, 1). */
  next(): number
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number
  /** True with probability `p`. */
  chance(p: number): boolean
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T
  /** A new array with the elements in a random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[]
  /** A new independent stream named by `label`, the same for the same seed and label. */
  derive(label: string | number): Random
  /** A fresh 32-bit seed, for libraries that take a number. */
  seed32(): number
  /** The generator's position, for saving and restoring a stream. */
  getState(): number[]
  setState(state: number[]): void
}

/**
 * Creates a stream from a seed: an integer whose low 32 bits set the stream,
 * so seeds that differ by a multiple of 2^32 give the same stream.
 */
export function createRandom(seed: number): Random {
  if (!Number.isSafeInteger(seed)) {
    throw new NordError(
      'NORD_ERR_INVALID_SEED',
      `seed must be a safe integer, got ${seed}`,
      { value: seed, hint: 'Pass an integer from 0 to 4294967295' },
    )
  }
  return new Xoshiro128(seed >>> 0)
}

/** Hashes a string with 32-bit FNV-1a, to turn labels into seeds. */
export function hashString32(text: string): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** SplitMix32, which expands one seed into well-mixed state words. */
function splitMix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) >>> 0
  let z = next
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return [(z ^ (z >>> 16)) >>> 0, next]
}

/** xoshiro128** (Blackman and Vigna, 2018): fast, 128 bits of state. */
class Xoshiro128 implements Random {
  readonly seed: number
  private s = new Uint32Array(4)

  constructor(seed: number) {
    this.seed = seed
    let mix = seed
    for (let index = 0; index < 4; index++) {
      const [value, next] = splitMix32(mix)
      this.s[index] = value
      mix = next
    }
  }

  private nextUint32(): number {
    const s = this.s
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0
    const t = s[1]! << 9
    s[2]! ^= s[0]!
    s[3]! ^= s[1]!
    s[1]! ^= s[2]!
    s[0]! ^= s[3]!
    s[2]! ^= t
    s[3] = rotl(s[3]!, 11)
    return result
  }

  next(): number {
    return this.nextUint32() / 4294967296
  }

  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(
        `int(min, max) needs integers with min <= max, got ${min}, ${max}`,
      )
    }
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0)
      throw new RangeError('pick() needs a non-empty array')
    return items[this.int(0, items.length - 1)]!
  }

  shuffle<T>(items: readonly T[]): T[] {
    const result = items.slice()
    for (let index = result.length - 1; index > 0; index--) {
      const other = this.int(0, index)
      const held = result[index]!
      result[index] = result[other]!
      result[other] = held
    }
    return result
  }

  derive(label: string | number): Random {
    return new Xoshiro128(hashString32(`${this.seed}/${label}`))
  }

  seed32(): number {
    return this.nextUint32()
  }

  getState(): number[] {
    return Array.from(this.s)
  }

  setState(state: number[]): void {
    if (state.length !== 4 || state.some((word) => !Number.isInteger(word))) {
      throw new RangeError('a Random state is four 32-bit integers')
    }
    this.s.set(state.map((word) => word >>> 0))
  }
}

function rotl(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0
}
