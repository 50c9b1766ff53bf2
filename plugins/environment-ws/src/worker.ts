/**
 * The worker: a rank of a cluster world that joins a coordinator over a
 * WebSocket. It reconnects with exponential backoff after transient
 * failures and gives up at once when the coordinator rejects it for good.
 */
import { EventEmitter } from 'node:events'
import { availableParallelism, hostname } from 'node:os'
import {
  CORE_VERSION,
  createRandom,
  type Environment,
  type JsonValue,
  type Logger,
  NordError,
  type Random,
  type ReduceOp,
} from '@nord/core'
import WebSocket from 'ws'
import type { CollectiveSpec } from './collectives.js'
import { clusterError, errorMessage } from './errors.js'
import { Link, type PayloadValue } from './link.js'
import { Mailbox } from './mailbox.js'
import {
  type ResolvedWorkerOptions,
  resolveWorkerOptions,
  type WorkerOptions,
} from './options.js'
import {
  CLOSE_CODES,
  type CoordinatorMessage,
  isPermanentClose,
  PROTOCOL_VERSION,
  parseCoordinatorMessage,
  type WelcomeMessage,
  type WorkerMessage,
  WS_MESSAGE_TOO_BIG,
} from './protocol.js'
import {
  checkPeerRank,
  copyMessage,
  notStartedError,
  stoppedError,
} from './shared.js'

/** The reason a worker stopped for good. */
export interface WorkerExit {
  /** The close code that ended it, or 1000 after `stop()`. */
  closeCode: number
  reason: string
  /** The coded error for a rejection or a failed reconnect; undefined after `stop()`. */
  error?: NordError
}

export interface WorkerEvents {
  joined: [{ rank: number; worldSize: number }]
  disconnected: [{ closeCode: number; reason: string }]
  reconnecting: [{ attempt: number; delay: number; reason: string }]
}

/** A worker's environment. `rank` and `worldSize` are set once `start()` resolves. */
export interface Worker extends Environment {
  readonly role: 'worker'
  /** Identifies this worker across reconnects. */
  readonly session: string
  /** Settles once the worker stopped for good, with the reason. */
  readonly exited: Promise<WorkerExit>
  /** Resolves once the worker has a rank in a complete world; rejects once it stopped for good. */
  whenJoined(): Promise<void>
  on<E extends keyof WorkerEvents>(
    event: E,
    listener: (...args: WorkerEvents[E]) => void,
  ): this
  off<E extends keyof WorkerEvents>(
    event: E,
    listener: (...args: WorkerEvents[E]) => void,
  ): this
}

type WorkerLink = Link<CoordinatorMessage, WorkerMessage>

interface PendingCollective {
  resolve(value: PayloadValue | undefined): void
  reject(error: Error): void
  timer: NodeJS.Timeout
}

/**
 * Creates a worker. `start()` connects and announces the worker's offer
 * (backend, cores, nord version). It resolves once the coordinator assigned
 * a rank and every rank of the world is taken. It rejects with
 * `NORD_ERR_AUTHENTICATION`, `NORD_ERR_INCOMPATIBLE_VERSION`,
 * `NORD_ERR_REJECTED` or `NORD_ERR_RECONNECT_FAILED` when joining fails.
 *
 * @throws NordValidationError `NORD_ERR_INVALID_OPTION` for invalid options.
 */
export function createWorker(options: WorkerOptions): Worker {
  return new WorkerEnvironment(resolveWorkerOptions(options))
}

class WorkerEnvironment extends EventEmitter implements Worker {
  readonly name = 'ws'
  readonly role = 'worker' as const
  readonly logger: Logger
  readonly exited: Promise<WorkerExit>
  private readonly options: ResolvedWorkerOptions
  private readonly random: Random
  private readonly mailbox = new Mailbox()
  private readonly pending = new Map<number, PendingCollective>()
  private link: WorkerLink | undefined
  private welcome: WelcomeMessage | undefined
  private joinWaiters: { resolve(): void; reject(error: Error): void }[] = []
  private resolveExit: (exit: WorkerExit) => void = () => undefined
  private exit: WorkerExit | undefined
  private nextSeq = 0
  private attempts = 0
  private lastSeen = 0
  private watchdog: NodeJS.Timeout | undefined
  private retry: NodeJS.Timeout | undefined
  private helloTimer: NodeJS.Timeout | undefined
  private starting: Promise<void> | undefined

  constructor(options: ResolvedWorkerOptions) {
    super()
    this.options = options
    this.random = createRandom(options.seed).derive('reconnect')
    this.logger = this.createForwardingLogger()
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve
    })
  }

  get rank(): number {
    return this.requireWelcome('rank').rank
  }

  get worldSize(): number {
    return this.requireWelcome('worldSize').worldSize
  }

  get session(): string {
    return this.options.session
  }

  start(): Promise<void> {
    if (this.exit) return Promise.reject(this.exitError('start'))
    if (!this.starting) {
      this.starting = this.whenJoined()
      this.connect()
    }
    return this.starting
  }

  async stop(): Promise<void> {
    if (this.exit) return
    this.finish({ closeCode: 1000, reason: 'stopped' })
    const link = this.link
    if (!link?.open) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        link.socket.terminate()
        resolve()
      }, 1000)
      link.socket.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      link.close(1000, 'worker stopped')
    })
  }

  whenJoined(): Promise<void> {
    if (this.exit) return Promise.reject(this.exitError('join'))
    if (this.welcome?.ready && this.link?.open) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.joinWaiters.push({ resolve, reject })
    })
  }

  async send(to: number, message: JsonValue | Uint8Array): Promise<void> {
    const link = this.requireLink('send')
    checkPeerRank('send', 'to', to, this.worldSize)
    if (to === this.rank) {
      this.mailbox.put(to, copyMessage(message))
      return
    }
    await link.send({ type: 'message', to }, message)
  }

  async receive(from: number): Promise<JsonValue | Uint8Array> {
    this.requireLink('receive')
    checkPeerRank('receive', 'from', from, this.worldSize)
    return this.mailbox.take(from)
  }

  async broadcast<T extends JsonValue | Float32Array>(
    value: T,
    root = 0,
  ): Promise<T> {
    checkPeerRank('broadcast', 'root', root, this.worldSize)
    const isRoot = root === this.rank
    const result = await this.collective(
      'broadcast',
      { op: 'broadcast', root },
      isRoot ? value : undefined,
    )
    return (isRoot ? value : result) as T
  }

  async gather<T extends JsonValue>(
    value: T,
    root = 0,
  ): Promise<T[] | undefined> {
    checkPeerRank('gather', 'root', root, this.worldSize)
    const result = await this.collective(
      'gather',
      { op: 'gather', root },
      value,
    )
    return result as T[] | undefined
  }

  async barrier(): Promise<void> {
    await this.collective('barrier', { op: 'barrier' }, undefined)
  }

  async allReduce(
    buffer: Float32Array,
    op: ReduceOp = 'sum',
  ): Promise<Float32Array> {
    const spec: CollectiveSpec = {
      op: 'allReduce',
      reduce: op,
      length: buffer.length,
    }
    return (await this.collective('allReduce', spec, buffer)) as Float32Array
  }

  private collective(
    operation: string,
    spec: CollectiveSpec,
    value: PayloadValue | undefined,
  ): Promise<PayloadValue | undefined> {
    const link = this.requireLink(operation)
    const seq = this.nextSeq++
    const limits = this.welcome!.limits
    // The coordinator's own timeout normally fires first, with the ranks it
    // waited for; this one covers a coordinator that went silent.
    const timeout = limits.collectiveTimeout + limits.workerTimeout

    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq)
        reject(
          clusterError(
            'NORD_ERR_COLLECTIVE_TIMEOUT',
            `${spec.op} #${seq} got no result from the coordinator within ${timeout} ms`,
            { value: seq, hint: 'Check the coordinator and the network' },
          ),
        )
      }, timeout)
      this.pending.set(seq, { resolve, reject, timer })

      link.send({ type: 'collective', seq, ...spec }, value).catch((error) => {
        this.settle(seq)?.reject(error)
      })
    })
  }

  private connect(): void {
    const { url, ca, maxPayload, connectTimeout } = this.options
    const socket = new WebSocket(url, {
      maxPayload,
      handshakeTimeout: connectTimeout,
      ...(ca === undefined ? {} : { ca }),
    })
    const link: WorkerLink = new Link(socket, this.linkLimits(), {
      parse: parseCoordinatorMessage,
      violate: (code, reason) => {
        this.options.logger.error('protocol error from the coordinator', {
          reason,
        })
        link.close(code, reason)
      },
      deliver: ({ message, value }) => this.onMessage(message, value),
    })
    this.link = link

    clearTimeout(this.helloTimer)
    const helloTimer = setTimeout(() => {
      this.options.logger.warn('no welcome from the coordinator in time', {
        url,
        connectTimeout,
      })
      socket.terminate()
    }, connectTimeout)
    this.helloTimer = helloTimer

    socket.on('open', () => this.sendHello(link))
    socket.on('ping', () => {
      this.lastSeen = Date.now()
    })
    socket.on('error', (error) => {
      this.options.logger.debug('connection error', {
        url,
        error: errorMessage(error),
      })
    })
    socket.on('close', (code, reason) => {
      clearTimeout(helloTimer)
      this.onClose(link, code, reason.toString())
    })
  }

  private sendHello(link: WorkerLink): void {
    const previous = this.welcome?.rank
    const hello: WorkerMessage = {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      token: this.options.token,
      session: this.options.session,
      maxPayload: this.options.maxPayload,
      offer: {
        backend: this.options.backend,
        cores: availableParallelism(),
        nord: CORE_VERSION,
        host: hostname().slice(0, 255),
      },
      ...(previous === undefined ? {} : { rank: previous }),
    }
    link.send(hello).catch((error) => {
      this.options.logger.warn('hello failed', { error: errorMessage(error) })
    })
  }

  private onMessage(
    message: CoordinatorMessage,
    value: PayloadValue | undefined,
  ): void {
    this.lastSeen = Date.now()
    if (message.type === 'welcome') this.onWelcome(message)
    else if (message.type === 'ready') this.onReady()
    else if (message.type === 'message') {
      this.mailbox.put(message.from ?? 0, value as JsonValue | Uint8Array)
    } else if (message.type === 'result') {
      this.settle(message.seq)?.resolve(value)
    } else if (message.type === 'abort') {
      const error = new NordError(message.code, message.message, {
        value: message.seq,
      })
      this.settle(message.seq)?.reject(error)
    } else {
      this.options.logger.warn(message.message, { code: message.code })
    }
  }

  private onWelcome(welcome: WelcomeMessage): void {
    const previous = this.welcome?.rank
    clearTimeout(this.helloTimer)
    this.welcome = welcome
    this.nextSeq = welcome.sequence
    this.attempts = 0
    if (this.link) this.link.limits = this.linkLimits()
    this.startWatchdog(welcome.limits)

    if (previous !== undefined && previous !== welcome.rank) {
      this.options.logger.warn('rejoined with a new rank', {
        previous,
        rank: welcome.rank,
      })
    }
    this.options.logger.info('joined', {
      rank: welcome.rank,
      worldSize: welcome.worldSize,
    })
    this.emit('joined', { rank: welcome.rank, worldSize: welcome.worldSize })
    if (welcome.ready) this.onReady()
  }

  private onReady(): void {
    if (this.welcome) this.welcome.ready = true
    for (const waiter of this.joinWaiters.splice(0)) waiter.resolve()
  }

  private onClose(link: WorkerLink, closeCode: number, reason: string): void {
    if (link !== this.link) return
    clearInterval(this.watchdog)
    const text = reason || 'no reason given'
    if (!this.exit) this.emit('disconnected', { closeCode, reason: text })

    if (!this.exit && isPermanentClose(closeCode)) {
      const error = rejectionError(closeCode, text, this.options.url)
      this.options.logger.debug(error.message, { closeCode })
      this.finish({ closeCode, reason: text, error })
      return
    }
    this.failOperations(
      clusterError(
        'NORD_ERR_DISCONNECTED',
        `the connection to the coordinator closed (${closeCode}: ${text})`,
        {
          value: closeCode,
          hint: 'The worker reconnects unless the close was permanent',
        },
      ),
    )
    if (!this.exit) this.scheduleReconnect(closeCode, text)
  }

  private scheduleReconnect(closeCode: number, reason: string): void {
    const { maxReconnectAttempts, reconnectDelay, maxReconnectDelay } =
      this.options
    if (this.attempts >= maxReconnectAttempts) {
      const error = clusterError(
        'NORD_ERR_RECONNECT_FAILED',
        `gave up joining ${this.options.url} after ${this.attempts} attempts; last close ${closeCode}: ${reason}`,
        {
          value: this.attempts,
          hint: 'Check that the coordinator runs and is reachable, or raise maxReconnectAttempts',
        },
      )
      this.options.logger.debug(error.message)
      this.finish({ closeCode, reason, error })
      return
    }

    // Exponential backoff with jitter in [50%, 100%] of the step, so that
    // workers that lost the coordinator together do not return in lockstep.
    const step = Math.min(
      maxReconnectDelay,
      reconnectDelay * 2 ** this.attempts,
    )
    const delay = Math.round(step * (0.5 + 0.5 * this.random.next()))
    this.attempts++
    this.options.logger.info('reconnecting', {
      attempt: this.attempts,
      delay,
      closeCode,
      reason,
    })
    this.emit('reconnecting', { attempt: this.attempts, delay, reason })
    this.retry = setTimeout(() => {
      if (!this.exit) this.connect()
    }, delay)
  }

  private startWatchdog(limits: WelcomeMessage['limits']): void {
    clearInterval(this.watchdog)
    this.lastSeen = Date.now()
    this.watchdog = setInterval(() => {
      const silent = Date.now() - this.lastSeen
      if (silent <= limits.workerTimeout) return
      this.options.logger.warn('no heartbeat from the coordinator', {
        silent,
        workerTimeout: limits.workerTimeout,
      })
      this.link?.socket.terminate()
    }, limits.heartbeatInterval)
    this.watchdog.unref()
  }

  private finish(exit: WorkerExit): void {
    if (this.exit) return
    this.exit = exit
    clearInterval(this.watchdog)
    clearTimeout(this.retry)
    const error = exit.error ?? stoppedError('the operation')
    this.failOperations(error)
    for (const waiter of this.joinWaiters.splice(0)) waiter.reject(error)
    this.resolveExit(exit)
  }

  private failOperations(error: Error): void {
    for (const seq of [...this.pending.keys()]) this.settle(seq)?.reject(error)
    this.mailbox.failAll(error)
  }

  private settle(seq: number): PendingCollective | undefined {
    const pending = this.pending.get(seq)
    if (!pending) return undefined
    this.pending.delete(seq)
    clearTimeout(pending.timer)
    return pending
  }

  private requireWelcome(operation: string): WelcomeMessage {
    if (this.exit && !this.welcome) throw this.exitError(operation)
    if (!this.welcome) throw notStartedError(operation)
    return this.welcome
  }

  private requireLink(operation: string): WorkerLink {
    if (this.exit) throw this.exitError(operation)
    this.requireWelcome(operation)
    const link = this.link
    if (!link?.open) {
      throw clusterError(
        'NORD_ERR_DISCONNECTED',
        `${operation}: not connected to the coordinator`,
        { hint: 'Await whenJoined() and retry' },
      )
    }
    return link
  }

  private exitError(operation: string): NordError {
    return this.exit?.error ?? stoppedError(operation)
  }

  private linkLimits() {
    const own = this.options
    const theirs = this.welcome?.limits
    const maxPayload = Math.min(own.maxPayload, theirs?.maxPayload ?? Infinity)
    return {
      maxPayload,
      maxMessageSize: Math.min(
        own.maxMessageSize,
        theirs?.maxMessageSize ?? Infinity,
      ),
      chunkSize: Math.min(own.chunkSize, maxPayload - 8),
      sendQueueSize: own.sendQueueSize,
      drainTimeout: theirs?.workerTimeout ?? own.connectTimeout,
    }
  }

  /** Creates the logger whose lines the coordinator prints, with this worker's rank. */
  private createForwardingLogger(): Logger {
    const forward =
      (level: 'debug' | 'info' | 'warn' | 'error') =>
      (message: string, fields?: Record<string, unknown>) => {
        const link = this.link
        if (!this.welcome || !link?.open) {
          this.options.logger[level](message, fields)
          return
        }
        const log: WorkerMessage = { type: 'log', level, message }
        if (fields) log.fields = toJsonFields(fields)
        link.send(log).catch(() => this.options.logger[level](message, fields))
      }
    return {
      debug: forward('debug'),
      info: forward('info'),
      warn: forward('warn'),
      error: forward('error'),
    }
  }
}

function rejectionError(
  closeCode: number,
  reason: string,
  url: string,
): NordError {
  if (closeCode === CLOSE_CODES.AUTHENTICATION_FAILED) {
    return clusterError(
      'NORD_ERR_AUTHENTICATION',
      `the coordinator at ${url} rejected the token (${closeCode}: ${reason})`,
      {
        value: closeCode,
        hint: 'Pass the token that the coordinator printed with --token',
      },
    )
  }
  if (closeCode === CLOSE_CODES.INCOMPATIBLE_VERSION) {
    return clusterError(
      'NORD_ERR_INCOMPATIBLE_VERSION',
      `the coordinator at ${url} runs an incompatible version (${closeCode}: ${reason})`,
      {
        value: closeCode,
        hint: 'Install the same nord version on every machine',
      },
    )
  }
  if (closeCode === CLOSE_CODES.COORDINATOR_STOPPED) {
    return clusterError(
      'NORD_ERR_ENVIRONMENT_STOPPED',
      `the coordinator at ${url} stopped (${closeCode}: ${reason})`,
      { value: closeCode },
    )
  }
  const limit = closeCode === WS_MESSAGE_TOO_BIG ? ' over the size limit' : ''
  return clusterError(
    'NORD_ERR_REJECTED',
    `the coordinator at ${url} closed the connection for good${limit} (${closeCode}: ${reason})`,
    { value: closeCode, hint: 'Check the coordinator log for the reason' },
  )
}

/** Makes log fields survive JSON: errors become their message. */
function toJsonFields(
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const text = JSON.stringify(fields, (_key, value: unknown) => {
    if (value instanceof Error) return value.message
    if (typeof value === 'bigint') return value.toString()
    return value
  })
  return JSON.parse(text) as Record<string, unknown>
}
