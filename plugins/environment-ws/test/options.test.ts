import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import {
  createCoordinator,
  createWorker,
  resolveCoordinatorOptions,
  resolveWorkerOptions,
} from '../src/index.js'
import { rejectionCode } from './helpers.js'

describe('coordinator options', () => {
  it('apply documented defaults', () => {
    const options = resolveCoordinatorOptions()
    expect(options.host).toBe('127.0.0.1')
    expect(options.maxPayload).toBe(4 * 1024 * 1024)
    expect(options.heartbeatInterval).toBe(5000)
    expect(options.workerTimeout).toBe(15_000)
    expect(options.requireToken).toBe(true)
    expect(options.token).toMatch(/^[0-9a-f]{64}$/)
  })

  it('report every problem with its key path', () => {
    let message = ''
    try {
      resolveCoordinatorOptions({
        worldSize: 0,
        heartbeatInterval: 1000,
        workerTimeout: 500,
        chunkSize: 5_000_000,
        colour: 'red',
      } as never)
    } catch (error) {
      message = (error as Error).message
      expect((error as { code: string }).code).toBe('NORD_ERR_INVALID_OPTION')
    }
    expect(message).toContain(
      'worldSize: must be an integer in [1, 65535], got 0',
    )
    expect(message).toContain(
      'workerTimeout: must be greater than heartbeatInterval',
    )
    expect(message).toContain('chunkSize: must leave 8 bytes')
    expect(message).toContain('colour: unknown option')
  })
})

describe('worker options', () => {
  it('reject an address that is not ws:// or wss://', () => {
    expect(() => resolveWorkerOptions({ url: 'http://x:1' })).toThrow(
      'url: must be a ws:// or wss:// address',
    )
  })

  it('derive the jitter seed from the session', () => {
    const a = resolveWorkerOptions({ url: 'ws://127.0.0.1:1', session: 's' })
    const b = resolveWorkerOptions({ url: 'ws://127.0.0.1:1', session: 's' })
    expect(a.seed).toBe(b.seed)
  })
})

describe('worker reconnects', () => {
  it('joins once a coordinator listens on the port', async () => {
    const port = await freePort()
    const coordinator = createCoordinator({ worldSize: 2, port })
    const worker = createWorker({
      url: `ws://127.0.0.1:${port}`,
      token: coordinator.token,
      reconnectDelay: 20,
      maxReconnectDelay: 100,
      maxReconnectAttempts: 50,
    })
    let retries = 0
    worker.on('reconnecting', () => retries++)
    const started = worker.start()
    await new Promise((resolve) => setTimeout(resolve, 150))
    try {
      await coordinator.start()
      await started
      expect(retries).toBeGreaterThan(0)
      expect(worker.rank).toBe(1)
    } finally {
      await coordinator.stop()
      await worker.stop()
    }
  })

  it('gives up after maxReconnectAttempts', async () => {
    const port = await freePort()
    const worker = createWorker({
      url: `ws://127.0.0.1:${port}`,
      token: 't',
      reconnectDelay: 10,
      maxReconnectAttempts: 2,
    })
    let retries = 0
    worker.on('reconnecting', () => retries++)
    expect(await rejectionCode(worker.start())).toBe(
      'NORD_ERR_RECONNECT_FAILED',
    )
    expect(retries).toBe(2)
  })

  it('exits when the coordinator stops', async () => {
    const coordinator = createCoordinator({ worldSize: 2 })
    const url = await coordinator.listen()
    const worker = createWorker({ url, token: coordinator.token })
    const started = worker.start()
    await coordinator.start()
    await started
    await coordinator.stop()
    const exit = await worker.exited
    expect(exit.closeCode).toBe(4006)
    expect(exit.error?.code).toBe('NORD_ERR_ENVIRONMENT_STOPPED')
  })
})

describe('operations outside the lifecycle', () => {
  it('fail before start and after stop', async () => {
    const coordinator = createCoordinator({ worldSize: 1 })
    expect(await rejectionCode(coordinator.barrier())).toBe(
      'NORD_ERR_ENVIRONMENT_NOT_STARTED',
    )
    await coordinator.start()
    await coordinator.barrier()
    expect([
      ...(await coordinator.allReduce(new Float32Array([2]), 'mean')),
    ]).toEqual([2])
    await coordinator.stop()
    expect(await rejectionCode(coordinator.barrier())).toBe(
      'NORD_ERR_ENVIRONMENT_STOPPED',
    )
  })
})

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
