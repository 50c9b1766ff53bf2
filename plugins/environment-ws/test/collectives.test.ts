import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Coordinator, reduceInOrder } from '../src/index.js'
// @ts-expect-error: plain JavaScript shared with the worker processes.
import { bigBuffer, rankBuffer } from './fixtures/data.mjs'
import { launchFixture, listeningCoordinator, within } from './helpers.js'

const WORKERS = 3
const WORLD = WORKERS + 1

const buffer = (rank: number, length: number): Float32Array =>
  rankBuffer(rank, length)
const ranks = Array.from({ length: WORLD }, (_, rank) => rank)

describe('collectives among a coordinator and 3 worker processes', () => {
  let coordinator: Coordinator
  let workers: ReturnType<typeof launchFixture>
  const reports = new Map<number, Record<string, unknown>>()
  const bytes = new Map<number, Uint8Array>()
  const own: Record<string, unknown> = {}

  beforeAll(async () => {
    coordinator = await listeningCoordinator({ worldSize: WORLD })
    workers = launchFixture(coordinator, WORKERS, 'collectives')
    await within(coordinator.start(), 20_000, 'joining')

    own.jsonFromRoot1 = await coordinator.broadcast({ from: 0, list: [0] }, 1)
    own.floats = await coordinator.broadcast(buffer(0, 5), 0)
    own.gatheredAt2 = await coordinator.gather({ rank: 0, square: 0 }, 2)
    own.gatheredAt0 = await coordinator.gather(0, 0)
    await coordinator.barrier()
    own.sum = await coordinator.allReduce(buffer(0, 1000), 'sum')
    own.mean = await coordinator.allReduce(buffer(0, 1000), 'mean')
    await coordinator.send(1, { ring: 0 })
    own.ring = await coordinator.receive(WORLD - 1)

    for (let rank = 1; rank < WORLD; rank++) {
      bytes.set(rank, (await coordinator.receive(rank)) as Uint8Array)
      reports.set(
        rank,
        (await coordinator.receive(rank)) as Record<string, unknown>,
      )
    }
  }, 40_000)

  afterAll(async () => {
    await coordinator?.stop()
    await workers?.exited
  })

  it('broadcasts JSON from a worker root to every rank', () => {
    const expected = { from: 1, list: [1] }
    expect(own.jsonFromRoot1).toEqual(expected)
    for (const rank of [2, 3]) {
      expect(reports.get(rank)?.jsonFromRoot1).toEqual(expected)
    }
  })

  it('broadcasts a Float32Array bit for bit', () => {
    const expected = [...buffer(0, 5)]
    for (let rank = 1; rank < WORLD; rank++) {
      expect(reports.get(rank)?.floats).toEqual(expected)
    }
  })

  it('gathers in rank order at a worker root', () => {
    const expected = ranks.map((rank) => ({ rank, square: rank * rank }))
    expect(reports.get(2)?.gatheredAt2).toEqual(expected)
    expect(reports.get(1)?.gatheredAt2).toBeNull()
    expect(own.gatheredAt2).toBeUndefined()
  })

  it('gathers in rank order at the coordinator', () => {
    expect(own.gatheredAt0).toEqual(ranks.map((rank) => rank * 10))
    expect(reports.get(3)?.gatheredAt0).toBeNull()
  })

  it('sums like the local computation in rank order', () => {
    const expected = reduceInOrder(
      ranks.map((rank) => buffer(rank, 1000)),
      'sum',
    )
    expect([...(own.sum as Float32Array)]).toEqual([...expected])
    for (let rank = 1; rank < WORLD; rank++) {
      expect(reports.get(rank)?.sum).toEqual([...expected])
    }
  })

  it('averages like the local computation', () => {
    const expected = reduceInOrder(
      ranks.map((rank) => buffer(rank, 1000)),
      'mean',
    )
    expect([...(own.mean as Float32Array)]).toEqual([...expected])
    for (let rank = 1; rank < WORLD; rank++) {
      expect(reports.get(rank)?.mean).toEqual([...expected])
    }
  })

  it('passes point-to-point messages around a ring', () => {
    expect(own.ring).toEqual({ ring: WORLD - 1 })
    for (let rank = 1; rank < WORLD; rank++) {
      expect(reports.get(rank)?.ring).toEqual({ ring: rank - 1 })
    }
  })

  it('delivers Uint8Array messages as bytes', () => {
    for (let rank = 1; rank < WORLD; rank++) {
      const received = bytes.get(rank)
      expect(received).toBeInstanceOf(Uint8Array)
      expect([...received!]).toEqual([rank, 1, 2, 3])
    }
  })
})

describe('all-reduce of 10 MB buffers', () => {
  it('gives every rank the local sum', async () => {
    const coordinator = await listeningCoordinator({ worldSize: WORLD })
    const workers = launchFixture(coordinator, WORKERS, 'big')
    try {
      await within(coordinator.start(), 20_000, 'joining')
      const result = await coordinator.allReduce(bigBuffer(0), 'sum')
      const expected = reduceInOrder(
        ranks.map((rank) => bigBuffer(rank)),
        'sum',
      )
      const digest = sha256(expected)

      expect(result.length).toBe(expected.length)
      expect(sha256(result)).toBe(digest)
      for (let rank = 1; rank < WORLD; rank++) {
        const report = (await coordinator.receive(rank)) as {
          length: number
          digest: string
        }
        expect(report.length).toBe(expected.length)
        expect(report.digest).toBe(digest)
      }
    } finally {
      await coordinator.stop()
      await workers.exited
    }
  }, 40_000)
})

function sha256(buffer: Float32Array): string {
  const view = new Uint8Array(
    buffer.buffer,
    buffer.byteOffset,
    buffer.byteLength,
  )
  return createHash('sha256').update(view).digest('hex')
}
