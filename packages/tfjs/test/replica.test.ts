import { type DataSplit, type DescriptorJSON, shardRange } from '@nord/core'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  type Replica,
  replicaSlice,
  selectBackend,
  type TrainResult,
  trainAndScore,
  weightsDigest,
} from '../src/index.js'
import { toyDataset } from './helpers.js'

const NETWORK: DescriptorJSON = {
  layers: [
    { name: 'conv', type: 'conv2d', params: { filters: 4, kernelSize: 3 } },
    { name: 'act', type: 'relu6', params: {} },
    { name: 'pool', type: 'maxPooling2d', params: {} },
    { name: 'side', type: 'conv2d', params: { filters: 3, kernelSize: 1 } },
  ],
  connections: [
    ['conv', 'act'],
    ['act', 'pool'],
    ['pool', 'side'],
  ],
}

// 150 samples in batches of 32: the last batch has 22, which does not split
// evenly among 3 replicas.
const dataset = toyDataset({ count: 150 })
const OPTIONS = { seed: 5, epochs: 2, batchSize: 32, keepWeights: true }

/**
 * Replicas in one process: each collective resolves once every member has
 * called it. The member with `root` set broadcasts its weights.
 */
function inProcessGroup(members: number) {
  let pending: {
    buffers: Float32Array[]
    settle: ((s: Float32Array) => void)[]
  }
  const reset = () => {
    pending = { buffers: [], settle: [] }
  }
  reset()
  let rootWeights: Float32Array | undefined
  const weightWaiters: ((w: Float32Array) => void)[] = []
  const calls: number[] = []

  const replica = (
    block: Replica['block'],
    root: boolean,
    member: number,
  ): Replica => ({
    block,
    async shareWeights(weights) {
      if (root) {
        rootWeights = weights
        for (const wake of weightWaiters.splice(0)) wake(weights)
        return weights
      }
      if (rootWeights) return rootWeights.slice()
      return new Promise((resolve) =>
        weightWaiters.push((w) => resolve(w.slice())),
      )
    },
    sum(buffer) {
      calls[member] = (calls[member] ?? 0) + 1
      return new Promise((resolve) => {
        pending.buffers.push(buffer.slice())
        pending.settle.push(resolve)
        if (pending.buffers.length < members) return
        const total = new Float64Array(buffer.length)
        for (const each of pending.buffers) {
          each.forEach((value, i) => {
            total[i]! += value
          })
        }
        const { settle } = pending
        reset()
        for (const wake of settle) wake(Float32Array.from(total))
      })
    },
  })
  return { replica, calls }
}

/** The dataset a replica holds: every training sample, its shard of the test split. */
function replicaDataset(index: number, count: number) {
  const { start, count: size } = shardRange(dataset.test.count, index, count)
  const pixels = 12 * 12
  const test: DataSplit = {
    images: dataset.test.images.subarray(
      start * pixels,
      (start + size) * pixels,
    ),
    labels: dataset.test.labels.subarray(start, start + size),
    count: size,
  }
  return { ...dataset, test }
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let largest = 0
  for (let i = 0; i < a.length; i++) {
    largest = Math.max(largest, Math.abs(a[i]! - b[i]!))
  }
  return largest
}

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' })
})

describe('replicaSlice', () => {
  it('splits a batch into contiguous blocks that cover it once', () => {
    const batch = Array.from({ length: 22 }, (_, i) => i)
    const blocks = [0, 1, 2].map((index) =>
      replicaSlice(batch, { block: { index, count: 3 } } as Replica),
    )
    expect(blocks.map((block) => block.length)).toEqual([8, 7, 7])
    expect(blocks.flat()).toEqual(batch)
  })

  it('gives a replica without a block no samples', () => {
    expect(replicaSlice([1, 2, 3], { block: null } as Replica)).toEqual([])
  })
})

describe('data-parallel training', () => {
  let single: TrainResult
  let replicas: TrainResult[]
  let observer: TrainResult

  beforeAll(async () => {
    single = await trainAndScore(NETWORK, dataset, OPTIONS)

    // Three replicas hold samples; a fourth holds none and is the root, as
    // a coordinator is.
    const group = inProcessGroup(4)
    const runs = [0, 1, 2].map((index) =>
      trainAndScore(NETWORK, replicaDataset(index, 3), {
        ...OPTIONS,
        replica: group.replica({ index, count: 3 }, false, index),
      }),
    )
    const root = trainAndScore(NETWORK, dataset, {
      ...OPTIONS,
      replica: group.replica(null, true, 3),
    })
    ;[observer, ...replicas] = await Promise.all([root, ...runs])
  }, 120_000)

  it('ends with equal weights on every replica', () => {
    const digests = [observer, ...replicas].map((run) =>
      weightsDigest(run.weights!),
    )
    expect(new Set(digests).size).toBe(1)
  })

  it('matches single-process training with the same global batch', () => {
    const difference = maxDifference(single.weights!, replicas[0]!.weights!)
    expect(difference).toBeLessThan(1e-4)
  })

  it('reports the loss and accuracy of the whole test split', () => {
    for (const run of [observer, ...replicas]) {
      expect(run.accuracy).toBeCloseTo(single.accuracy, 5)
      expect(run.loss).toBeCloseTo(single.loss, 4)
    }
  })

  it('reports the epoch losses of the whole training split', () => {
    expect(replicas[1]!.epochLosses).toHaveLength(2)
    replicas[1]!.epochLosses.forEach((loss, epoch) => {
      expect(loss).toBeCloseTo(single.epochLosses[epoch]!, 4)
    })
  })

  it('counts every training sample once per epoch', () => {
    expect(replicas[2]!.trainedSamples).toBe(single.trainedSamples)
  })
})

describe('data-parallel options', () => {
  it('rejects a block outside its count', async () => {
    const replica = inProcessGroup(1).replica({ index: 2, count: 2 }, true, 0)
    await expect(
      trainAndScore(NETWORK, dataset, { ...OPTIONS, replica }),
    ).rejects.toThrow(/replica.block: must be null or \{ index, count \}/)
  })
})
