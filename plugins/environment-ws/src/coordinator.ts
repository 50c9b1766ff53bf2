/**
 * The coordinator: rank 0 of a cluster world. It listens for workers,
 * checks their token and version, assigns ranks, watches heartbeats, routes
 * point-to-point messages between ranks and computes every collective.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import {
  CORE_VERSION,
  type Environment,
  type JsonValue,
  type Logger,
  type NordError,
  type ReduceOp,
} from '@nord/core'
import { type WebSocket, WebSocketServer } from 'ws'
import { type CollectiveSpec, CollectiveTable } from './collectives.js'
import { clusterError, errorMessage } from './errors.js'
import { Link, type LinkLimits, type PayloadValue } from './link.js'
import { Mailbox } from './mailbox.js'
import {
  type CoordinatorOptions,
  type ResolvedCoordinatorOptions,
  resolveCoordinatorOptions,
} from './options.js'
import {
  CLOSE_CODES,
  type CollectiveMessage,
  type CoordinatorMessage,
  type HelloMessage,
  PROTOCOL_VERSION,
  parseWorkerMessage,
  type WorkerMessage,
  type WorkerOffer,
} from './protocol.js'
import {
  checkPeerRank,
  copyMessage,
  isCompatibleVersion,
  notStartedError,
  stoppedError,
} from './shared.js'

/** A worker that has a rank. */
export interface WorkerInfo {
  rank: number
  /** Stays the same across the worker's reconnects. */
  session: string
  offer: WorkerOffer
  /** The remote address and port, for logs. */
  address: string
}

/** The reason a worker lost its rank. */
export interface WorkerLostEvent extends WorkerInfo {
  /** `NORD_ERR_WORKER_LOST` or `NORD_ERR_SLOW_PEER`. */
  code: string
  reason: string
}

/** A connection that was closed before it got a rank. */
export interface WorkerRejectedEvent {
  address: string
  /** The WebSocket close code sent, such as 4001. */
  closeCode: number
  reason: string
}

export interface CoordinatorEvents {
  'worker-joined': [WorkerInfo]
  'worker-lost': [WorkerLostEvent]
  'worker-rejected': [WorkerRejectedEvent]
}

/** The coordinator's environment: rank 0, with the server's address and events. */
export interface Coordinator extends Environment {
  readonly role: 'coordinator'
  /** `ws://host:port` or `wss://host:port`, once `listen()` has resolved. */
  readonly url: string
  readonly port: number
  /** The token workers must send; print it for the people who start workers. */
  readonly token: string
  /** The workers that hold a rank now, in rank order. */
  readonly workers: WorkerInfo[]
  /** Starts the server without waiting for workers; returns the URL. Idempotent. */
  listen(): Promise<string>
  on<E extends keyof CoordinatorEvents>(
    event: E,
    listener: (...args: CoordinatorEvents[E]) => void,
  ): this
  off<E extends keyof CoordinatorEvents>(
    event: E,
    listener: (...args: CoordinatorEvents[E]) => void,
  ): this
}

interface Peer extends WorkerInfo {
  link: Link<WorkerMessage, CoordinatorMessage>
  lastSeen: number
  /** True once it was sent `ready` (every rank is taken). */
  ready: boolean
}

/**
 * Creates a coordinator. `start()` listens (unless `listen()` already did)
 * and resolves once every rank of `worldSize` has a worker. `stop()` closes
 * every worker with code 4006, fails pending operations with
 * `NORD_ERR_ENVIRONMENT_STOPPED` and closes the server; it may be called
 * more than once.
 *
 * @throws NordValidationError `NORD_ERR_INVALID_OPTION` for invalid options.
 */
export function createCoordinator(
  options: CoordinatorOptions = {},
): Coordinator {
  return new CoordinatorEnvironment(resolveCoordinatorOptions(options))
}

class CoordinatorEnvironment extends EventEmitter implements Coordinator {
  readonly name = 'ws'
  readonly rank = 0
  readonly role = 'coordinator' as const
  readonly worldSize: number
  readonly logger: Logger
  private readonly options: ResolvedCoordinatorOptions
  private readonly peers = new Map<number, Peer>()
  private readonly mailbox = new Mailbox()
  private readonly collectives: CollectiveTable
  private readonly tokenDigest: Buffer
  private server: Server | undefined
  private wss: WebSocketServer | undefined
  private listening: Promise<string> | undefined
  private heartbeat: NodeJS.Timeout | undefined
  private joinWaiters: (() => void)[] = []
  private nextSeq = 0
  private address = ''
  private started = false
  private stopped = false

  constructor(options: ResolvedCoordinatorOptions) {
    super()
    this.options = options
    this.worldSize = options.worldSize
    this.logger = options.logger
    this.tokenDigest = digest(options.token)
    this.collectives = new CollectiveTable(
      options.worldSize,
      options.collectiveTimeout,
      {
        sendResult: (rank, seq, value) => this.sendResult(rank, seq, value),
        sendAbort: (rank, seq, error) => this.sendAbort(rank, seq, error),
        missingRanks: () => this.missingRanks(),
      },
    )
  }

  get url(): string {
    return this.address
  }

  get port(): number {
    return Number(new URL(this.address || 'ws://0:0').port)
  }

  get token(): string {
    return this.options.token
  }

  get workers(): WorkerInfo[] {
    return [...this.peers.values()]
      .sort((a, b) => a.rank - b.rank)
      .map(({ rank, session, offer, address }) => ({
        rank,
        session,
        offer,
        address,
      }))
  }

  listen(): Promise<string> {
    if (this.stopped) return Promise.reject(stoppedError('listen'))
    this.listening ??= this.openServer()
    return this.listening
  }

  async start(): Promise<void> {
    await this.listen()
    await this.waitForWorld()
    this.started = true
    this.logger.info('cluster started', {
      url: this.url,
      worldSize: this.worldSize,
    })
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.heartbeat)
    const error = stoppedError('the operation')
    this.collectives.failAll(error)
    this.mailbox.failAll(error)

    // Results already computed still reach the workers before the close.
    const flushes = [...this.peers.values()].map((peer) => peer.link.flush())
    await Promise.race([Promise.all(flushes), sleep(1000)])
    const sockets = [...(this.wss?.clients ?? [])]
    for (const socket of sockets) {
      socket.close(CLOSE_CODES.COORDINATOR_STOPPED, 'coordinator stopped')
    }
    await waitForClose(sockets, 1000)
    this.peers.clear()
    await this.closeServer()
    this.logger.debug('coordinator stopped', { url: this.url })
  }

  async send(to: number, message: JsonValue | Uint8Array): Promise<void> {
    this.ensureStarted('send')
    checkPeerRank('send', 'to', to, this.worldSize)
    if (to === 0) {
      this.mailbox.put(0, copyMessage(message))
      return
    }
    const peer = this.requirePeer('send', to)
    await peer.link.send({ type: 'message', from: 0 }, message)
  }

  async receive(from: number): Promise<JsonValue | Uint8Array> {
    this.ensureStarted('receive')
    checkPeerRank('receive', 'from', from, this.worldSize)
    if (from !== 0) this.requirePeer('receive', from)
    return this.mailbox.take(from)
  }

  async broadcast<T extends JsonValue | Float32Array>(
    value: T,
    root = 0,
  ): Promise<T> {
    this.ensureStarted('broadcast')
    checkPeerRank('broadcast', 'root', root, this.worldSize)
    const own = root === 0 ? value : undefined
    const result = await this.collective({ op: 'broadcast', root }, own)
    return (root === 0 ? value : result) as T
  }

  async gather<T extends JsonValue>(
    value: T,
    root = 0,
  ): Promise<T[] | undefined> {
    this.ensureStarted('gather')
    checkPeerRank('gather', 'root', root, this.worldSize)
    const result = await this.collective({ op: 'gather', root }, value)
    return result as T[] | undefined
  }

  async barrier(): Promise<void> {
    this.ensureStarted('barrier')
    await this.collective({ op: 'barrier' }, undefined)
  }

  async allReduce(
    buffer: Float32Array,
    op: ReduceOp = 'sum',
  ): Promise<Float32Array> {
    this.ensureStarted('allReduce')
    const spec = { op: 'allReduce' as const, reduce: op, length: buffer.length }
    const result = await this.collective(spec, buffer)
    return (result as Float32Array).slice()
  }

  private collective(
    spec: CollectiveSpec,
    value: PayloadValue | undefined,
  ): Promise<PayloadValue | undefined> {
    const seq = this.nextSeq++
    return new Promise((resolve, reject) => {
      this.collectives.contribute(seq, 0, spec, value, { resolve, reject })
    })
  }

  private async openServer(): Promise<string> {
    const { host, port, tls } = this.options
    const server = tls
      ? createHttpsServer({ cert: tls.cert, key: tls.key })
      : createHttpServer()
    server.on('request', (_request, response) => {
      response.writeHead(426, { 'content-type': 'text/plain' })
      response.end('nord coordinator: connect with a WebSocket\n')
    })
    this.server = server
    this.wss = new WebSocketServer({
      server,
      maxPayload: this.options.maxPayload,
    })
    this.wss.on('connection', (socket, request) => {
      const remote = `${request.socket.remoteAddress}:${request.socket.remotePort}`
      this.accept(socket, remote)
    })

    await listenOn(server, host, port)
    const bound = (server.address() as AddressInfo).port
    const scheme = tls ? 'wss' : 'ws'
    const shownHost = host.includes(':') ? `[${host}]` : host
    this.address = `${scheme}://${shownHost}:${bound}`
    this.heartbeat = setInterval(
      () => this.checkHeartbeats(),
      this.options.heartbeatInterval,
    )
    this.heartbeat.unref()
    this.logger.info('coordinator listening', {
      url: this.address,
      worldSize: this.worldSize,
    })
    return this.address
  }

  private closeServer(): Promise<void> {
    const server = this.server
    this.wss?.close()
    if (!server?.listening) return Promise.resolve()
    return new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  /** Handles a new connection until its `hello` makes it a peer or it is rejected. */
  private accept(socket: WebSocket, address: string): void {
    socket.on('error', (error) => {
      this.logger.warn('worker connection error', {
        address,
        error: errorMessage(error),
      })
    })
    if (this.stopped) {
      socket.close(CLOSE_CODES.COORDINATOR_STOPPED, 'coordinator stopped')
      return
    }

    const timer = setTimeout(() => {
      this.reject(link, address, CLOSE_CODES.HELLO_TIMEOUT, 'no hello in time')
    }, this.options.workerTimeout)
    let peer: Peer | undefined

    const link: Link<WorkerMessage, CoordinatorMessage> = new Link(
      socket,
      this.linkLimits(),
      {
        parse: parseWorkerMessage,
        violate: (code, reason) => {
          if (peer) this.dropPeer(peer, code, reason)
          else this.reject(link, address, code, reason)
        },
        deliver: ({ message, value }) => {
          if (peer) {
            peer.lastSeen = Date.now()
            this.onPeerMessage(peer, message, value)
            return
          }
          if (message.type !== 'hello') {
            this.reject(
              link,
              address,
              CLOSE_CODES.PROTOCOL_ERROR,
              'the first message must be hello',
            )
            return
          }
          clearTimeout(timer)
          peer = this.admit(link, address, message)
        },
      },
    )

    socket.on('pong', () => {
      if (peer) peer.lastSeen = Date.now()
    })
    socket.on('close', (code, reason) => {
      clearTimeout(timer)
      if (peer && this.peers.get(peer.rank) === peer) {
        const text = reason.toString() || 'no reason given'
        this.losePeer(
          peer,
          'NORD_ERR_WORKER_LOST',
          `connection closed (${code}: ${text})`,
          code === 1000,
        )
      }
    })
  }

  /** Checks a `hello`; returns the new peer, or rejects the connection. */
  private admit(
    link: Link<WorkerMessage, CoordinatorMessage>,
    address: string,
    hello: HelloMessage,
  ): Peer | undefined {
    const problem = this.checkHello(hello)
    if (problem) {
      this.reject(link, address, problem.code, problem.reason)
      return undefined
    }

    const previous = [...this.peers.values()].find(
      (peer) => peer.session === hello.session,
    )
    if (previous) {
      this.dropPeer(
        previous,
        CLOSE_CODES.REPLACED,
        'the same session connected again',
      )
    }
    const rank = this.freeRank(hello.rank)
    if (rank === undefined) {
      this.reject(
        link,
        address,
        CLOSE_CODES.WORLD_FULL,
        `all ${this.worldSize - 1} worker ranks are taken`,
      )
      return undefined
    }

    const peer: Peer = {
      rank,
      session: hello.session,
      offer: hello.offer,
      address,
      link,
      lastSeen: Date.now(),
      ready: this.peers.size + 1 === this.worldSize - 1,
    }
    this.peers.set(rank, peer)
    link.limits = {
      ...link.limits,
      maxPayload: Math.min(link.limits.maxPayload, hello.maxPayload),
    }
    void link
      .send({
        type: 'welcome',
        protocol: PROTOCOL_VERSION,
        rank,
        worldSize: this.worldSize,
        session: hello.session,
        sequence: this.nextSeq,
        ready: this.peers.size === this.worldSize - 1,
        limits: {
          maxPayload: this.options.maxPayload,
          maxMessageSize: this.options.maxMessageSize,
          heartbeatInterval: this.options.heartbeatInterval,
          workerTimeout: this.options.workerTimeout,
          collectiveTimeout: this.options.collectiveTimeout,
        },
      })
      .catch(() => undefined)

    const info = this.workers.find((worker) => worker.rank === rank)!
    this.logger.info('worker joined', { rank, address, ...hello.offer })
    this.emit('worker-joined', info)
    if (this.peers.size === this.worldSize - 1) this.releaseJoinWaiters()
    return peer
  }

  private checkHello(
    hello: HelloMessage,
  ): { code: number; reason: string } | undefined {
    if (hello.protocol !== PROTOCOL_VERSION) {
      return {
        code: CLOSE_CODES.INCOMPATIBLE_VERSION,
        reason: `protocol ${hello.protocol}, coordinator speaks ${PROTOCOL_VERSION}`,
      }
    }
    if (hello.maxPayload < 1024) {
      return {
        code: CLOSE_CODES.PROTOCOL_ERROR,
        reason: `maxPayload must be at least 1024 bytes, got ${hello.maxPayload}`,
      }
    }
    if (this.options.requireToken && !this.tokenMatches(hello.token)) {
      return {
        code: CLOSE_CODES.AUTHENTICATION_FAILED,
        reason: 'wrong or missing token',
      }
    }
    if (!isCompatibleVersion(hello.offer.nord, CORE_VERSION)) {
      return {
        code: CLOSE_CODES.INCOMPATIBLE_VERSION,
        reason: `nord ${hello.offer.nord}, coordinator runs ${CORE_VERSION}`,
      }
    }
    return undefined
  }

  /** Compares digests so that the time taken reveals nothing about the token. */
  private tokenMatches(token: string): boolean {
    return timingSafeEqual(digest(token), this.tokenDigest)
  }

  private freeRank(preferred: number | undefined): number | undefined {
    const inWorld =
      preferred !== undefined && preferred > 0 && preferred < this.worldSize
    if (inWorld && !this.peers.has(preferred)) return preferred
    for (let rank = 1; rank < this.worldSize; rank++) {
      if (!this.peers.has(rank)) return rank
    }
    return undefined
  }

  private onPeerMessage(
    peer: Peer,
    message: WorkerMessage,
    value: PayloadValue | undefined,
  ): void {
    if (message.type === 'message') this.route(peer, message.to, value)
    else if (message.type === 'collective')
      this.onCollective(peer, message, value)
    else if (message.type === 'log') {
      this.logger[message.level](message.message, {
        ...message.fields,
        rank: peer.rank,
      })
    } else {
      this.dropPeer(peer, CLOSE_CODES.PROTOCOL_ERROR, 'hello sent twice')
    }
  }

  private route(
    peer: Peer,
    to: number | undefined,
    value: PayloadValue | undefined,
  ) {
    const valid = to !== undefined && to < this.worldSize && value !== undefined
    if (!valid || value instanceof Float32Array) {
      this.dropPeer(
        peer,
        CLOSE_CODES.PROTOCOL_ERROR,
        'a message needs a valid rank in to and a payload',
      )
      return
    }
    if (to === 0) {
      this.mailbox.put(peer.rank, value)
      return
    }

    const target = this.peers.get(to)
    if (!target) {
      this.logger.warn(
        'message dropped: its destination rank is not connected',
        {
          from: peer.rank,
          to,
        },
      )
      void peer.link
        .send({
          type: 'notice',
          code: 'NORD_ERR_WORKER_LOST',
          message: `rank ${to} is not connected; a message to it was dropped`,
        })
        .catch(() => undefined)
      return
    }
    target.link
      .send({ type: 'message', from: peer.rank }, value)
      .catch((error) => this.onSendFailure(target, error))
  }

  private onCollective(
    peer: Peer,
    message: CollectiveMessage,
    value: PayloadValue | undefined,
  ): void {
    const { seq, op, root, reduce, length } = message
    const problem = checkContribution(message, value, peer.rank)
    if (problem) {
      this.dropPeer(peer, CLOSE_CODES.PROTOCOL_ERROR, problem)
      return
    }
    const spec: CollectiveSpec = { op }
    if (root !== undefined) spec.root = root
    if (reduce !== undefined) spec.reduce = reduce
    if (length !== undefined) spec.length = length
    this.collectives.contribute(seq, peer.rank, spec, value)
  }

  private sendResult(rank: number, seq: number, value?: PayloadValue): void {
    const peer = this.peers.get(rank)
    if (!peer) return
    const message = { type: 'result' as const, seq }
    peer.link
      .send(message, value)
      .catch((error) => this.onSendFailure(peer, error))
  }

  private sendAbort(rank: number, seq: number, error: NordError): void {
    const peer = this.peers.get(rank)
    if (!peer) return
    const message = {
      type: 'abort' as const,
      seq,
      code: error.code,
      message: error.message,
    }
    peer.link.send(message).catch(() => undefined)
  }

  private onSendFailure(peer: Peer, error: unknown): void {
    const code = (error as { code?: string }).code
    if (code === 'NORD_ERR_SLOW_PEER') {
      this.losePeer(peer, code, errorMessage(error))
      return
    }
    this.logger.warn('send to worker failed', {
      rank: peer.rank,
      error: errorMessage(error),
    })
  }

  private checkHeartbeats(): void {
    const now = Date.now()
    for (const peer of [...this.peers.values()]) {
      const silent = now - peer.lastSeen
      if (silent > this.options.workerTimeout) {
        peer.link.socket.terminate()
        this.losePeer(
          peer,
          'NORD_ERR_WORKER_LOST',
          `no heartbeat for ${silent} ms (workerTimeout ${this.options.workerTimeout} ms)`,
        )
      } else if (peer.link.open) {
        peer.link.socket.ping()
      }
    }
  }

  /** Closes a peer's link with `code` and removes it. */
  private dropPeer(peer: Peer, code: number, reason: string): void {
    peer.link.close(code, reason)
    this.losePeer(
      peer,
      'NORD_ERR_WORKER_LOST',
      `closed with ${code}: ${reason}`,
    )
  }

  /**
   * Frees the rank of a peer and fails the work that waited on it. `left`
   * marks a worker that closed its connection normally (code 1000, which a
   * worker's `stop()` sends), which is logged as information, not a warning.
   */
  private losePeer(
    peer: Peer,
    code: string,
    reason: string,
    left = false,
  ): void {
    if (this.peers.get(peer.rank) !== peer) return
    this.peers.delete(peer.rank)

    const error = clusterError(
      'NORD_ERR_WORKER_LOST',
      `rank ${peer.rank} (${peer.address}) was lost: ${reason}`,
      { value: peer.rank, hint: 'Start a worker to take its rank' },
    )
    this.collectives.failAll(error)
    this.mailbox.fail(peer.rank, error)
    if (this.stopped) return

    if (left) this.logger.info('worker left', { rank: peer.rank, reason })
    else this.logger.warn('worker lost', { rank: peer.rank, reason })
    const { link: _link, lastSeen: _lastSeen, ready: _ready, ...info } = peer
    this.emit('worker-lost', { ...info, code, reason })
  }

  private reject(
    link: Link<WorkerMessage, CoordinatorMessage>,
    address: string,
    closeCode: number,
    reason: string,
  ): void {
    link.close(closeCode, reason)
    this.logger.warn('worker rejected', { address, closeCode, reason })
    this.emit('worker-rejected', { address, closeCode, reason })
  }

  private missingRanks(): number[] {
    const missing = []
    for (let rank = 1; rank < this.worldSize; rank++) {
      if (!this.peers.has(rank)) missing.push(rank)
    }
    return missing
  }

  private waitForWorld(): Promise<void> {
    if (this.peers.size === this.worldSize - 1) return Promise.resolve()
    const { joinTimeout } = this.options

    return new Promise((resolve, reject) => {
      const timer =
        joinTimeout > 0
          ? setTimeout(() => {
              reject(
                clusterError(
                  'NORD_ERR_JOIN_TIMEOUT',
                  `only ${this.peers.size} of ${this.worldSize - 1} workers joined within ${joinTimeout} ms`,
                  {
                    value: this.peers.size,
                    hint: `Start workers with: nord worker --connect ${this.url} --token <token>`,
                  },
                ),
              )
            }, joinTimeout)
          : undefined
      this.joinWaiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  private releaseJoinWaiters(): void {
    for (const peer of this.peers.values()) {
      if (peer.ready) continue
      peer.ready = true
      peer.link.send({ type: 'ready' }).catch(() => undefined)
    }
    for (const release of this.joinWaiters.splice(0)) release()
  }

  private requirePeer(operation: string, rank: number): Peer {
    const peer = this.peers.get(rank)
    if (peer) return peer
    throw clusterError(
      'NORD_ERR_WORKER_LOST',
      `${operation}: rank ${rank} is not connected`,
      { value: rank, hint: 'Wait for a worker to take the rank' },
    )
  }

  private ensureStarted(operation: string): void {
    if (this.stopped) throw stoppedError(operation)
    if (!this.started) throw notStartedError(operation)
  }

  private linkLimits(): LinkLimits {
    const { maxPayload, maxMessageSize, chunkSize, sendQueueSize } =
      this.options
    return {
      maxPayload,
      maxMessageSize,
      chunkSize,
      sendQueueSize,
      drainTimeout: this.options.workerTimeout,
    }
  }
}

/** Checks that a contribution carries the value its collective needs. */
function checkContribution(
  message: CollectiveMessage,
  value: PayloadValue | undefined,
  rank: number,
): string | undefined {
  const { op, seq } = message
  if (op === 'allReduce') {
    const fits =
      value instanceof Float32Array && value.length === message.length
    return fits
      ? undefined
      : `allReduce #${seq} needs a float32 payload of length elements`
  }
  const isJson =
    value !== undefined &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Float32Array)
  if (op === 'gather' && !isJson) return `gather #${seq} needs a JSON payload`
  if (value instanceof Uint8Array) {
    return `${op} #${seq} takes JSON or float32 values, not bytes`
  }
  const isRoot = (message.root ?? 0) === rank
  if (op === 'broadcast' && isRoot && value === undefined) {
    return `broadcast #${seq} from its root needs a payload`
  }
  if (op === 'broadcast' && !isRoot && value !== undefined) {
    return `broadcast #${seq}: only the root sends a payload`
  }
  return undefined
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      reject(
        clusterError(
          'NORD_ERR_LISTEN',
          `cannot listen on ${host}:${port}: ${error.message}`,
          {
            value: `${host}:${port}`,
            hint: 'Choose another port, or a host address of this machine',
            cause: error,
          },
        ),
      )
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

function waitForClose(sockets: WebSocket[], ms: number): Promise<void> {
  const open = sockets.filter((socket) => socket.readyState !== socket.CLOSED)
  if (open.length === 0) return Promise.resolve()
  return new Promise((resolve) => {
    let remaining = open.length
    const timer = setTimeout(() => {
      for (const socket of open) socket.terminate()
      resolve()
    }, ms)
    for (const socket of open) {
      socket.once('close', () => {
        remaining--
        if (remaining === 0) {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
