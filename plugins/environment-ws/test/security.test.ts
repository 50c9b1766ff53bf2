import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CORE_VERSION } from '@nord/core'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  CLOSE_CODES,
  type Coordinator,
  checkCluster,
  createCoordinator,
  createWorker,
  PROTOCOL_VERSION,
  serveTasks,
} from '../src/index.js'
import {
  listeningCoordinator,
  nextEvent,
  rejectionCode,
  WORKER_MAIN,
  within,
} from './helpers.js'

let coordinator: Coordinator | undefined

afterEach(async () => {
  await coordinator?.stop()
  coordinator = undefined
})

/** Opens a raw WebSocket and resolves with the close code it gets. */
function rawClient(url: string, onOpen: (socket: WebSocket) => void) {
  const socket = new WebSocket(url)
  socket.on('error', () => undefined)
  socket.on('open', () => onOpen(socket))
  return new Promise<number>((resolve) => {
    socket.on('close', (code) => resolve(code))
  })
}

function hello(token: string) {
  return JSON.stringify({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    token,
    session: 'raw',
    maxPayload: 1 << 20,
    offer: { backend: 'none', cores: 1, nord: CORE_VERSION, host: 'raw' },
  })
}

describe('token', () => {
  it('rejects a wrong token for good and the worker exits', async () => {
    coordinator = await listeningCoordinator({ worldSize: 2 })
    let rejections = 0
    coordinator.on('worker-rejected', () => rejections++)

    const child = spawn(
      process.execPath,
      [WORKER_MAIN, '--connect', coordinator.url],
      {
        env: { ...process.env, NORD_TOKEN: 'wrong' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const code = await within(
      new Promise((resolve) => child.on('exit', resolve)),
      10_000,
      'worker exit',
    )

    expect(code).toBe(1)
    expect(stderr).toContain('rejected the token')
    expect(stderr).toContain('NORD_ERR_AUTHENTICATION')
    expect(stderr).not.toContain('reconnecting')
    expect(rejections).toBe(1)
  }, 20_000)

  it('is compared in full, not by prefix', async () => {
    coordinator = await listeningCoordinator({ worldSize: 2, token: 'abcdef' })
    const worker = createWorker({ url: coordinator.url, token: 'abc' })
    expect(await rejectionCode(worker.start())).toBe('NORD_ERR_AUTHENTICATION')
  })
})

describe('malformed input from a raw client', () => {
  it('closes invalid JSON with 4000 and stays up', async () => {
    coordinator = await listeningCoordinator({ worldSize: 2 })
    const code = await rawClient(coordinator.url, (socket) =>
      socket.send('{"type": "hello",'),
    )
    expect(code).toBe(CLOSE_CODES.PROTOCOL_ERROR)
    await expectStillServing(coordinator)
  })

  it('closes a message that fails its schema with 4000', async () => {
    coordinator = await listeningCoordinator({ worldSize: 2 })
    const code = await rawClient(coordinator.url, (socket) =>
      socket.send(JSON.stringify({ type: 'hello', protocol: 'one' })),
    )
    expect(code).toBe(CLOSE_CODES.PROTOCOL_ERROR)
  })

  it('closes a frame over maxPayload with 1009 and stays up', async () => {
    coordinator = await listeningCoordinator({
      worldSize: 2,
      maxPayload: 64 * 1024,
      chunkSize: 32 * 1024,
    })
    const code = await rawClient(coordinator.url, (socket) =>
      socket.send(Buffer.alloc(64 * 1024 + 1)),
    )
    expect(code).toBe(1009)
    await expectStillServing(coordinator)
  })

  it('closes a stream announced over maxMessageSize with 4009', async () => {
    coordinator = await listeningCoordinator({
      worldSize: 3,
      maxMessageSize: 1024,
    })
    const lost = nextEvent(coordinator, 'worker-lost')
    const code = await rawClient(coordinator.url, (socket) => {
      socket.send(hello(coordinator!.token))
      socket.send(
        JSON.stringify({
          type: 'message',
          to: 0,
          payload: { encoding: 'bytes', stream: 0, bytes: 1025 },
        }),
      )
    })
    expect(code).toBe(CLOSE_CODES.MESSAGE_TOO_LARGE)
    expect((await lost).reason).toContain('4009')
  })

  it('closes a binary frame without a stream with 4000', async () => {
    coordinator = await listeningCoordinator({ worldSize: 2 })
    const code = await rawClient(coordinator.url, (socket) => {
      socket.send(hello(coordinator!.token))
      socket.send(Buffer.alloc(16))
    })
    expect(code).toBe(CLOSE_CODES.PROTOCOL_ERROR)
  })
})

describe('size limits', () => {
  it('raise NORD_ERR_MESSAGE_TOO_LARGE before sending', async () => {
    coordinator = await listeningCoordinator({
      worldSize: 2,
      maxMessageSize: 4096,
    })
    const worker = createWorker({
      url: coordinator.url,
      token: coordinator.token,
    })
    const started = worker.start()
    await coordinator.start()
    await started
    try {
      const code = await rejectionCode(
        coordinator.send(1, new Uint8Array(4097)),
      )
      expect(code).toBe('NORD_ERR_MESSAGE_TOO_LARGE')
      const fromWorker = await rejectionCode(worker.send(0, 'x'.repeat(5000)))
      expect(fromWorker).toBe('NORD_ERR_MESSAGE_TOO_LARGE')

      await coordinator.send(1, new Uint8Array(4096))
      expect((await worker.receive(0)) as Uint8Array).toHaveLength(4096)
    } finally {
      await worker.stop()
    }
  })

  it('split payloads larger than one frame into chunks', async () => {
    coordinator = await listeningCoordinator({
      worldSize: 2,
      maxPayload: 4096,
      chunkSize: 1000,
      sendQueueSize: 8192,
    })
    const worker = createWorker({
      url: coordinator.url,
      token: coordinator.token,
    })
    const started = worker.start()
    await coordinator.start()
    await started
    try {
      const values = Array.from({ length: 5000 }, (_, i) => i)
      await coordinator.send(1, values)
      expect(await worker.receive(0)).toEqual(values)
      const buffer = new Float32Array(10_000).map((_, i) => i / 3)
      const [sum] = await Promise.all([
        coordinator.allReduce(buffer),
        worker.allReduce(buffer),
      ])
      expect(sum[9999]).toBe(Math.fround(2 * Math.fround(9999 / 3)))
    } finally {
      await worker.stop()
    }
  })
})

describe('TLS', () => {
  const openssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()

  it.skipIf(!openssl)(
    'serves wss:// with a self-signed certificate',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nord-tls-'))
      try {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-days',
            '1',
            '-subj',
            '/CN=localhost',
            '-addext',
            'subjectAltName=IP:127.0.0.1',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
          ],
          { stdio: 'ignore' },
        )
        const cert = readFileSync(join(dir, 'cert.pem'))
        coordinator = createCoordinator({
          worldSize: 2,
          tls: { cert, key: readFileSync(join(dir, 'key.pem')) },
        })
        const url = await coordinator.listen()
        expect(url.startsWith('wss://127.0.0.1:')).toBe(true)

        const worker = createWorker({ url, token: coordinator.token, ca: cert })
        const started = worker.start()
        await coordinator.start()
        await started
        const serving = serveTasks(worker)
        expect((await checkCluster(coordinator)).ok).toBe(true)
        await coordinator.stop()
        await serving
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )
})

async function expectStillServing(coordinator: Coordinator) {
  const worker = createWorker({
    url: coordinator.url,
    token: coordinator.token,
  })
  const started = worker.start()
  await coordinator.start()
  await started
  const serving = serveTasks(worker)
  expect((await checkCluster(coordinator)).ok).toBe(true)
  await coordinator.stop()
  await serving
}
