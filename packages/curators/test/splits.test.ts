import { createRandom, type DataSplit } from '@nord/core'
import { describe, expect, it } from 'vitest'
import type { NordDataError } from '../src/errors.js'
import {
  type SampleSet,
  shardSplit,
  shuffleSamples,
  splitValidation,
  stratifiedIndices,
  subsetSamples,
} from '../src/splits.js'
import { labelCounts } from './helpers.js'

/** Builds a split whose sample i has the image values [i, i + 0.5] and label `labels[i]`. */
function tracedSplit(labels: number[]): DataSplit {
  const images = new Float32Array(labels.length * 2)
  labels.forEach((_, index) => {
    images[index * 2] = index
    images[index * 2 + 1] = index + 0.5
  })
  return { images, labels: Uint8Array.from(labels), count: labels.length }
}

/** Labels with the given number of samples per class, interleaved. */
function unevenLabels(perClass: number[]): number[] {
  const labels: number[] = []
  perClass.forEach((count, label) => {
    for (let index = 0; index < count; index++) labels.push(label)
  })
  return createRandom(99).shuffle(labels)
}

/** Returns the sample ids of a traced split, in order. */
function ids(split: SampleSet<Float32Array>): number[] {
  return Array.from(
    { length: split.count },
    (_, index) => split.images[index * 2]!,
  )
}

function errorOf(action: () => unknown): NordDataError {
  try {
    action()
  } catch (error) {
    return error as NordDataError
  }
  throw new Error('expected an error, none was raised')
}

describe('stratifiedIndices', () => {
  const perClass = [500, 300, 120, 50, 17, 9, 3, 1]
  const labels = Uint8Array.from(unevenLabels(perClass))
  const total = labels.length

  for (const size of [1, 7, 100, 333, 1000]) {
    it(`keeps class shares within one sample for ${size}`, () => {
      const { selected } = stratifiedIndices(labels, size, createRandom(size))

      const counts = labelCounts(
        selected.map((index) => labels[index]!),
        perClass.length,
      )
      expect(selected.length).toBe(size)
      counts.forEach((count, label) => {
        const exact = (size * perClass[label]!) / total
        expect(Math.abs(count - exact)).toBeLessThan(1)
      })
    })
  }

  it('selects distinct samples and leaves the rest', () => {
    const { selected, rest } = stratifiedIndices(labels, 200, createRandom(3))

    const all = [...selected, ...rest].sort((a, b) => a - b)
    expect(new Set(selected).size).toBe(200)
    expect(all).toEqual(Array.from({ length: total }, (_, index) => index))
  })
})

describe('subsetSamples', () => {
  it('copies the chosen samples with their labels', () => {
    const split = tracedSplit(unevenLabels([30, 20, 10]))

    const subset = subsetSamples(split, 12, createRandom(5))

    expect(subset.count).toBe(12)
    expect(labelCounts(subset.labels, 3)).toEqual([6, 4, 2])
    for (let index = 0; index < subset.count; index++) {
      const id = subset.images[index * 2]!
      expect(subset.images[index * 2 + 1]).toBe(id + 0.5)
      expect(subset.labels[index]).toBe(split.labels[id])
    }
  })

  it('rejects a size above the split count, naming both', () => {
    const split = tracedSplit(unevenLabels([3, 3]))

    const error = errorOf(() =>
      subsetSamples(split, 7, createRandom(1), 'trainSize'),
    )

    expect(error.code).toBe('NORD_ERR_DATA_SUBSET_SIZE')
    expect(error.message).toContain('trainSize: 7 samples requested')
    expect(error.message).toContain('has only 6')
  })

  it('gives the same order for the same seed', () => {
    const split = tracedSplit(unevenLabels([40, 40, 40]))

    const first = subsetSamples(split, 30, createRandom(11))
    const second = subsetSamples(split, 30, createRandom(11))

    expect(ids(second)).toEqual(ids(first))
  })

  it('gives another order for another seed', () => {
    const split = tracedSplit(unevenLabels([40, 40, 40]))

    const first = subsetSamples(split, 30, createRandom(11))
    const second = subsetSamples(split, 30, createRandom(12))

    expect(ids(second)).not.toEqual(ids(first))
  })
})

describe('shuffleSamples', () => {
  const split = tracedSplit(unevenLabels([50, 50]))

  it('keeps every sample once', () => {
    const shuffled = shuffleSamples(split, createRandom(1))

    expect(ids(shuffled).sort((a, b) => a - b)).toEqual(ids(split))
  })

  it('repeats the order for the same seed', () => {
    const first = shuffleSamples(split, createRandom(8))
    const second = shuffleSamples(split, createRandom(8))

    expect(ids(second)).toEqual(ids(first))
  })

  it('changes the order for another seed', () => {
    const first = shuffleSamples(split, createRandom(8))
    const second = shuffleSamples(split, createRandom(9))

    expect(ids(second)).not.toEqual(ids(first))
  })
})

describe('splitValidation', () => {
  const split = tracedSplit(unevenLabels([60, 30, 10]))

  it('carves a fraction, stratified', () => {
    const { train, validation } = splitValidation(split, 0.2, createRandom(4))

    expect(validation.count).toBe(20)
    expect(train.count).toBe(80)
    expect(labelCounts(validation.labels, 3)).toEqual([12, 6, 2])
  })

  it('carves a count and keeps the training order', () => {
    const { train, validation } = splitValidation(split, 15, createRandom(4))

    const trainIds = ids(train)
    expect(validation.count).toBe(15)
    expect(trainIds).toEqual([...trainIds].sort((a, b) => a - b))
    expect(new Set([...trainIds, ...ids(validation)]).size).toBe(100)
  })

  it('rejects a count that leaves no training sample', () => {
    const error = errorOf(() => splitValidation(split, 100, createRandom(4)))

    expect(error.code).toBe('NORD_ERR_DATA_SUBSET_SIZE')
    expect(error.message).toContain('validationSize: 100 samples')
  })

  it('rejects a fraction that rounds to zero', () => {
    const error = errorOf(() => splitValidation(split, 0.001, createRandom(4)))

    expect(error.code).toBe('NORD_ERR_DATA_SUBSET_SIZE')
    expect(error.message).toContain('rounds to 0')
  })
})

describe('shardSplit', () => {
  for (const count of [0, 1, 10, 97]) {
    for (const worldSize of [1, 2, 3, 4, 7, 16]) {
      it(`covers ${count} samples disjointly over ${worldSize} ranks`, () => {
        const split = tracedSplit(new Array(count).fill(0))

        const shards = Array.from({ length: worldSize }, (_, rank) =>
          shardSplit(split, rank, worldSize),
        )

        const seen = shards.flatMap((shard) => ids(shard))
        const sizes = shards.map((shard) => shard.count)
        expect(seen).toEqual(ids(split))
        expect(new Set(seen).size).toBe(count)
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
        shards.forEach((shard) => {
          expect(shard.labels.length).toBe(shard.count)
          expect(shard.images.length).toBe(shard.count * 2)
        })
      })
    }
  }

  for (const rank of [-1, 3, 1.5]) {
    it(`rejects rank ${rank} of 3`, () => {
      const error = errorOf(() => shardSplit(tracedSplit([0, 1]), rank, 3))

      expect(error.code).toBe('NORD_ERR_SHARD_INVALID')
      expect(error.message).toContain(`got ${rank}`)
    })
  }

  it('rejects a world size of 0', () => {
    const error = errorOf(() => shardSplit(tracedSplit([0, 1]), 0, 0))

    expect(error.code).toBe('NORD_ERR_SHARD_INVALID')
    expect(error.message).toContain('worldSize')
  })
})
