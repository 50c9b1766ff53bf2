/**
 * Options of the coordinator and the worker: the types users write, the
 * resolved types with every default applied, and the checks that report
 * every problem at once with its key path.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import {
  checkBoolean,
  checkInteger,
  hashString32,
  IssueList,
  isPlainObject,
  type Logger,
  rejectUnknownKeys,
  silentLogger,
} from '@nord/core'

/** Limits shared by both ends. Each side enforces its own values. */
export interface LimitOptions {
  /** Largest WebSocket message sent or accepted, in bytes. Default 4 MiB (4194304). */
  maxPayload?: number
  /**
   * Largest payload of one send or collective (the sum of its chunks), in
   * bytes. Default 256 MiB (268435456); at most 4 GiB - 1.
   */
  maxMessageSize?: number
  /** Bytes of data per binary chunk of a large payload. Default 1 MiB (1048576). */
  chunkSize?: number
  /**
   * Bytes buffered for one peer (`ws.bufferedAmount`) above which a send
   * waits for the peer to drain. Default 16 MiB (16777216).
   */
  sendQueueSize?: number
}

/** Options of `createCoordinator`. */
export interface CoordinatorOptions extends LimitOptions {
  /** Ranks in the world, the coordinator (rank 0) included. Default 2. */
  worldSize?: number
  /** Address to listen on. Default `127.0.0.1`, reachable from this machine only. */
  host?: string
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number
  /** The shared secret workers must send. Default: 32 random bytes as hex. */
  token?: string
  /** Reject workers without the token. Default true. */
  requireToken?: boolean
  /** PEM certificate and key; when given, the coordinator serves `wss://`. */
  tls?: { cert: string | Buffer; key: string | Buffer }
  /** Milliseconds between heartbeats (WebSocket pings). Default 5000. */
  heartbeatInterval?: number
  /**
   * Milliseconds without any frame from a worker (pong included) after
   * which it is lost; also the time a send waits for a slow peer to drain
   * before dropping it. Default 15000.
   */
  workerTimeout?: number
  /** Milliseconds a collective waits for every rank. Default 60000. */
  collectiveTimeout?: number
  /** Milliseconds `start()` waits for the world to fill; 0 waits forever. Default 0. */
  joinTimeout?: number
  /** Receives the coordinator's own lines and every worker's, with `rank`. */
  logger?: Logger
}

export interface ResolvedCoordinatorOptions extends Required<LimitOptions> {
  worldSize: number
  host: string
  port: number
  token: string
  requireToken: boolean
  tls: { cert: string | Buffer; key: string | Buffer } | undefined
  heartbeatInterval: number
  workerTimeout: number
  collectiveTimeout: number
  joinTimeout: number
  logger: Logger
}

/** Options of `createWorker`. */
export interface WorkerOptions extends LimitOptions {
  /** The coordinator's address, `ws://host:port` or `wss://host:port`. Required. */
  url: string
  /** The coordinator's token. Required unless the coordinator runs without one. */
  token?: string
  /** PEM certificates trusted for `wss://`, besides the system ones (such as a self-signed one). */
  ca?: string | Buffer
  /** The TensorFlow.js backend this worker announces. Default `none`. */
  backend?: string
  /** Reconnect attempts in a row before giving up. Default 10. */
  maxReconnectAttempts?: number
  /** Milliseconds before the first reconnect; each next wait doubles. Default 250. */
  reconnectDelay?: number
  /** Upper bound of the wait between reconnects, in milliseconds. Default 10000. */
  maxReconnectDelay?: number
  /** Milliseconds to open the connection and get a rank. Default 10000. */
  connectTimeout?: number
  /** Identifies this worker across reconnects. Default: a random UUID. */
  session?: string
  /** Seed of the jitter added to reconnect waits. Default: a hash of `session`. */
  seed?: number
  /** Receives this worker's connection events, printed where it runs. */
  logger?: Logger
}

export interface ResolvedWorkerOptions extends Required<LimitOptions> {
  url: string
  token: string
  ca: string | Buffer | undefined
  backend: string
  maxReconnectAttempts: number
  reconnectDelay: number
  maxReconnectDelay: number
  connectTimeout: number
  session: string
  seed: number
  logger: Logger
}

/** The largest offset a chunk header can carry. */
const MAX_MESSAGE_SIZE = 2 ** 32 - 1

const LIMIT_DEFAULTS: Required<LimitOptions> = {
  maxPayload: 4 * 1024 * 1024,
  maxMessageSize: 256 * 1024 * 1024,
  chunkSize: 1024 * 1024,
  sendQueueSize: 16 * 1024 * 1024,
}

const COORDINATOR_KEYS = [
  'worldSize',
  'host',
  'port',
  'token',
  'requireToken',
  'tls',
  'heartbeatInterval',
  'workerTimeout',
  'collectiveTimeout',
  'joinTimeout',
  'logger',
  ...Object.keys(LIMIT_DEFAULTS),
]

const WORKER_KEYS = [
  'url',
  'token',
  'ca',
  'backend',
  'maxReconnectAttempts',
  'reconnectDelay',
  'maxReconnectDelay',
  'connectTimeout',
  'session',
  'seed',
  'logger',
  ...Object.keys(LIMIT_DEFAULTS),
]

/**
 * Checks coordinator options and applies the defaults.
 *
 * @throws NordValidationError `NORD_ERR_INVALID_OPTION` listing every problem.
 */
export function resolveCoordinatorOptions(
  options: CoordinatorOptions = {},
): ResolvedCoordinatorOptions {
  const issues = new IssueList()
  rejectUnknownKeys('', options, COORDINATOR_KEYS, issues)

  const resolved: ResolvedCoordinatorOptions = {
    ...LIMIT_DEFAULTS,
    worldSize: 2,
    host: '127.0.0.1',
    port: 0,
    // The token is a secret, so it comes from the system's CSPRNG and never
    // from a seeded generator.
    token: randomBytes(32).toString('hex'),
    requireToken: true,
    tls: undefined,
    heartbeatInterval: 5000,
    workerTimeout: 15_000,
    collectiveTimeout: 60_000,
    joinTimeout: 0,
    logger: silentLogger,
    ...withoutUndefined(options),
  }

  checkInteger('worldSize', resolved.worldSize, { min: 1, max: 65_535 }, issues)
  checkNonEmptyString('host', resolved.host, issues)
  checkInteger('port', resolved.port, { min: 0, max: 65_535 }, issues)
  checkNonEmptyString('token', resolved.token, issues)
  checkBoolean('requireToken', resolved.requireToken, issues)
  checkTls(resolved.tls, issues)
  checkInteger(
    'heartbeatInterval',
    resolved.heartbeatInterval,
    { min: 10 },
    issues,
  )
  checkInteger('workerTimeout', resolved.workerTimeout, { min: 10 }, issues)
  checkInteger(
    'collectiveTimeout',
    resolved.collectiveTimeout,
    { min: 1 },
    issues,
  )
  checkInteger('joinTimeout', resolved.joinTimeout, { min: 0 }, issues)
  if (resolved.workerTimeout <= resolved.heartbeatInterval) {
    issues.add(
      'workerTimeout',
      `must be greater than heartbeatInterval (${resolved.heartbeatInterval} ms), got ${resolved.workerTimeout}`,
    )
  }
  checkLimits(resolved, issues)
  issues.throwIfAny('the coordinator options')
  return resolved
}

/**
 * Checks worker options and applies the defaults.
 *
 * @throws NordValidationError `NORD_ERR_INVALID_OPTION` listing every problem.
 */
export function resolveWorkerOptions(
  options: WorkerOptions,
): ResolvedWorkerOptions {
  const issues = new IssueList()
  rejectUnknownKeys('', options, WORKER_KEYS, issues)

  const session = options?.session ?? randomUUID()
  const resolved: ResolvedWorkerOptions = {
    ...LIMIT_DEFAULTS,
    url: '',
    token: '',
    ca: undefined,
    backend: 'none',
    maxReconnectAttempts: 10,
    reconnectDelay: 250,
    maxReconnectDelay: 10_000,
    connectTimeout: 10_000,
    session,
    seed: hashString32(session),
    logger: silentLogger,
    ...withoutUndefined(options ?? {}),
  }

  checkUrl(resolved.url, issues)
  if (typeof resolved.token !== 'string') {
    issues.add('token', `must be a string, got ${typeof resolved.token}`)
  }
  checkNonEmptyString('backend', resolved.backend, issues)
  checkInteger(
    'maxReconnectAttempts',
    resolved.maxReconnectAttempts,
    { min: 0 },
    issues,
  )
  checkInteger('reconnectDelay', resolved.reconnectDelay, { min: 1 }, issues)
  checkInteger(
    'maxReconnectDelay',
    resolved.maxReconnectDelay,
    { min: 1 },
    issues,
  )
  checkInteger('connectTimeout', resolved.connectTimeout, { min: 1 }, issues)
  checkNonEmptyString('session', resolved.session, issues)
  checkInteger('seed', resolved.seed, { min: 0, max: 2 ** 32 - 1 }, issues)
  checkLimits(resolved, issues)
  issues.throwIfAny('the worker options')
  return resolved
}

function checkLimits(limits: Required<LimitOptions>, issues: IssueList): void {
  const payloadOk = checkInteger(
    'maxPayload',
    limits.maxPayload,
    { min: 1024 },
    issues,
  )
  checkInteger(
    'maxMessageSize',
    limits.maxMessageSize,
    { min: 1, max: MAX_MESSAGE_SIZE },
    issues,
  )
  const chunkOk = checkInteger(
    'chunkSize',
    limits.chunkSize,
    { min: 1 },
    issues,
  )
  const queueOk = checkInteger(
    'sendQueueSize',
    limits.sendQueueSize,
    { min: 1 },
    issues,
  )

  if (payloadOk && chunkOk && limits.chunkSize > limits.maxPayload - 8) {
    issues.add(
      'chunkSize',
      `must leave 8 bytes of chunk header within maxPayload (${limits.maxPayload}), got ${limits.chunkSize}`,
    )
  }
  if (payloadOk && queueOk && limits.sendQueueSize < limits.maxPayload) {
    issues.add(
      'sendQueueSize',
      `must be at least maxPayload (${limits.maxPayload}), got ${limits.sendQueueSize}`,
    )
  }
}

function checkNonEmptyString(path: string, value: unknown, issues: IssueList) {
  if (typeof value !== 'string' || value === '') {
    issues.add(path, `must be a non-empty string, got ${JSON.stringify(value)}`)
  }
}

function checkTls(value: unknown, issues: IssueList): void {
  if (value === undefined) return
  if (!isPlainObject(value)) {
    issues.add('tls', 'must be an object with cert and key')
    return
  }
  for (const key of ['cert', 'key']) {
    const part = value[key]
    if (typeof part !== 'string' && !Buffer.isBuffer(part)) {
      issues.add(`tls.${key}`, 'must be PEM text or a Buffer')
    }
  }
}

function checkUrl(value: unknown, issues: IssueList): void {
  let protocol = ''
  try {
    protocol = new URL(String(value)).protocol
  } catch {
    // Reported below.
  }
  if (protocol !== 'ws:' && protocol !== 'wss:') {
    issues.add(
      'url',
      `must be a ws:// or wss:// address such as ws://127.0.0.1:7431, got ${JSON.stringify(value)}`,
    )
  }
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  if (!isPlainObject(options)) return {}
  const entries = Object.entries(options).filter(([, v]) => v !== undefined)
  return Object.fromEntries(entries) as Partial<T>
}
