/**
 * The wire protocol between a coordinator and its workers. Control messages
 * are JSON text frames, checked against the validators below before use.
 * Numbers in bulk (Float32Array, Uint8Array, large JSON values) travel as
 * binary frames: a control message announces a stream of `bytes` bytes and
 * binary chunks follow, each `[u32 stream][u32 offset][data]` little-endian.
 * Nothing received is ever executed or imported: JSON is parsed with
 * `JSON.parse` and binary data is copied into typed arrays.
 */
import { isPlainObject } from '@nord/core'

/** Bumped whenever a change to the messages breaks older peers. */
export const PROTOCOL_VERSION = 1

/** Bytes before the data of every binary chunk: stream id and offset. */
export const CHUNK_HEADER_BYTES = 8

/**
 * WebSocket close codes of nord, in the 4000 range that RFC 6455 leaves to
 * applications. A worker closed with a permanent code exits and never
 * reconnects; after a transient one it reconnects with backoff.
 */
export const CLOSE_CODES = {
  /** Permanent: a message was not valid JSON or failed its schema. */
  PROTOCOL_ERROR: 4000,
  /** Permanent: the token was missing or wrong. */
  AUTHENTICATION_FAILED: 4001,
  /** Permanent: the protocol or the nord version does not match. */
  INCOMPATIBLE_VERSION: 4002,
  /** Transient: every rank of the world is taken. */
  WORLD_FULL: 4003,
  /** Transient: no `hello` arrived within the worker timeout. */
  HELLO_TIMEOUT: 4004,
  /** Transient: no heartbeat within the worker timeout. */
  HEARTBEAT_TIMEOUT: 4005,
  /** Permanent: the coordinator stopped; the run is over. */
  COORDINATOR_STOPPED: 4006,
  /** Transient: the same worker session connected again. */
  REPLACED: 4007,
  /** Transient: the peer did not drain its send queue in time. */
  SLOW_PEER: 4008,
  /** Permanent: a message announced more bytes than the size limit. */
  MESSAGE_TOO_LARGE: 4009,
} as const

/** The close code `ws` itself sends for a frame over `maxPayload`. */
export const WS_MESSAGE_TOO_BIG = 1009

const PERMANENT_CODES = new Set<number>([
  CLOSE_CODES.PROTOCOL_ERROR,
  CLOSE_CODES.AUTHENTICATION_FAILED,
  CLOSE_CODES.INCOMPATIBLE_VERSION,
  CLOSE_CODES.COORDINATOR_STOPPED,
  CLOSE_CODES.MESSAGE_TOO_LARGE,
  WS_MESSAGE_TOO_BIG,
])

/** True for close codes after which a worker must not reconnect. */
export function isPermanentClose(code: number): boolean {
  return PERMANENT_CODES.has(code)
}

/** The encoding of a payload's bytes. */
export type Encoding = 'json' | 'bytes' | 'float32'

/** A value sent inline (small JSON) or as a binary stream that follows. */
export type Payload =
  | { encoding: 'json'; json: unknown }
  | { encoding: Encoding; stream: number; bytes: number }

/** A message as its sender writes it: the link adds the payload field. */
export type Outgoing<T> = T extends unknown ? Omit<T, 'payload'> : never

export type CollectiveOp = 'barrier' | 'broadcast' | 'gather' | 'allReduce'

/** The offer a worker announces in its `hello`. */
export interface WorkerOffer {
  /** The TensorFlow.js backend it trains on, or `none`. */
  backend: string
  /** Cores available to it. */
  cores: number
  /** Its `@nord/core` version. */
  nord: string
  /** Its host name, for logs only. */
  host: string
}

/** The limits a coordinator sends in `welcome`; a worker adopts them. */
export interface WireLimits {
  maxPayload: number
  maxMessageSize: number
  heartbeatInterval: number
  workerTimeout: number
  collectiveTimeout: number
}

export interface HelloMessage {
  type: 'hello'
  protocol: number
  token: string
  session: string
  /** The rank it held before a reconnect, which it gets back if free. */
  rank?: number
  /** The largest WebSocket message it accepts, in bytes. */
  maxPayload: number
  offer: WorkerOffer
}

export interface PointMessage {
  type: 'message'
  /** Set by workers: the destination rank. */
  to?: number
  /** Set by the coordinator: the source rank, from the authenticated link. */
  from?: number
  payload: Payload
}

export interface CollectiveMessage {
  type: 'collective'
  seq: number
  op: CollectiveOp
  root?: number
  reduce?: 'sum' | 'mean'
  /** Element count of an all-reduce buffer. */
  length?: number
  payload?: Payload
}

export interface LogMessage {
  type: 'log'
  level: 'debug' | 'info' | 'warn' | 'error'
  message: string
  fields?: Record<string, unknown>
}

export interface WelcomeMessage {
  type: 'welcome'
  protocol: number
  rank: number
  worldSize: number
  session: string
  /** The sequence number of the worker's next collective. */
  sequence: number
  /** True when every rank is taken; otherwise a `ready` message follows. */
  ready: boolean
  limits: WireLimits
}

/** Sent once to the workers that joined before the world was complete. */
export interface ReadyMessage {
  type: 'ready'
}

export interface ResultMessage {
  type: 'result'
  seq: number
  payload?: Payload
}

export interface AbortMessage {
  type: 'abort'
  seq: number
  code: string
  message: string
}

export interface NoticeMessage {
  type: 'notice'
  code: string
  message: string
}

/** Messages that workers send. */
export type WorkerMessage =
  | HelloMessage
  | PointMessage
  | CollectiveMessage
  | LogMessage

/** Messages that the coordinator sends. */
export type CoordinatorMessage =
  | WelcomeMessage
  | ReadyMessage
  | PointMessage
  | ResultMessage
  | AbortMessage
  | NoticeMessage

type Check = (value: unknown) => string | undefined

const ENCODINGS = ['json', 'bytes', 'float32']
const OPS = ['barrier', 'broadcast', 'gather', 'allReduce']
const LEVELS = ['debug', 'info', 'warn', 'error']

/**
 * Parses and checks a text frame from a worker. Returns the message, or a
 * string that describes what is wrong with it.
 */
export function parseWorkerMessage(text: string): WorkerMessage | string {
  return parseMessage(text, WORKER_SCHEMAS) as WorkerMessage | string
}

/** Parses and checks a text frame from the coordinator, as `parseWorkerMessage`. */
export function parseCoordinatorMessage(
  text: string,
): CoordinatorMessage | string {
  return parseMessage(text, COORDINATOR_SCHEMAS) as CoordinatorMessage | string
}

function parseMessage(
  text: string,
  schemas: Record<string, Record<string, [boolean, Check]>>,
): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return 'the message is not valid JSON'
  }
  if (!isPlainObject(value)) return 'the message must be a JSON object'

  const schema = typeof value.type === 'string' ? schemas[value.type] : null
  if (!schema) return `unknown message type ${JSON.stringify(value.type)}`

  return checkFields(value, schema) ?? value
}

function checkFields(
  value: Record<string, unknown>,
  schema: Record<string, [boolean, Check]>,
): string | undefined {
  for (const key of Object.keys(value)) {
    if (key !== 'type' && !(key in schema)) {
      return `${value.type}.${key}: unknown field`
    }
  }
  for (const [key, [required, check]] of Object.entries(schema)) {
    const field = value[key]
    if (field === undefined) {
      if (required) return `${value.type}.${key}: missing`
      continue
    }
    const problem = check(field)
    if (problem) return `${value.type}.${key}: ${problem}`
  }
  return undefined
}

const isCount: Check = (value) =>
  Number.isSafeInteger(value) && (value as number) >= 0
    ? undefined
    : 'must be a non-negative integer'

const isString =
  (maxLength: number): Check =>
  (value) =>
    typeof value === 'string' && value.length <= maxLength
      ? undefined
      : `must be a string of at most ${maxLength} characters`

const isOneOf =
  (allowed: string[]): Check =>
  (value) =>
    allowed.includes(value as string)
      ? undefined
      : `must be one of ${allowed.join(', ')}`

const isBoolean: Check = (value) =>
  typeof value === 'boolean' ? undefined : 'must be true or false'

const isObject: Check = (value) =>
  isPlainObject(value) ? undefined : 'must be an object'

const isPayload: Check = (value) => {
  if (!isPlainObject(value)) return 'must be an object'
  if (!ENCODINGS.includes(value.encoding as string)) {
    return `encoding must be one of ${ENCODINGS.join(', ')}`
  }
  if ('json' in value) {
    const inline = value.encoding === 'json' && Object.keys(value).length === 2
    return inline ? undefined : 'an inline payload has only encoding and json'
  }
  const keys = Object.keys(value).sort().join(',')
  if (keys !== 'bytes,encoding,stream') {
    return 'a stream payload has exactly encoding, stream and bytes'
  }
  return isCount(value.stream) ?? isCount(value.bytes)
}

const isOffer: Check = (value) => {
  if (!isPlainObject(value)) return 'must be an object'
  const schema: Record<string, [boolean, Check]> = {
    backend: [true, isString(64)],
    cores: [true, isCount],
    nord: [true, isString(64)],
    host: [true, isString(255)],
  }
  return checkFields({ type: 'offer', ...value }, schema)
}

const isLimits: Check = (value) => {
  if (!isPlainObject(value)) return 'must be an object'
  const schema: Record<string, [boolean, Check]> = {
    maxPayload: [true, isCount],
    maxMessageSize: [true, isCount],
    heartbeatInterval: [true, isCount],
    workerTimeout: [true, isCount],
    collectiveTimeout: [true, isCount],
  }
  return checkFields({ type: 'limits', ...value }, schema)
}

const POINT_SCHEMA: Record<string, [boolean, Check]> = {
  to: [false, isCount],
  from: [false, isCount],
  payload: [true, isPayload],
}

const WORKER_SCHEMAS: Record<string, Record<string, [boolean, Check]>> = {
  hello: {
    protocol: [true, isCount],
    token: [true, isString(1024)],
    session: [true, isString(128)],
    rank: [false, isCount],
    maxPayload: [true, isCount],
    offer: [true, isOffer],
  },
  message: POINT_SCHEMA,
  collective: {
    seq: [true, isCount],
    op: [true, isOneOf(OPS)],
    root: [false, isCount],
    reduce: [false, isOneOf(['sum', 'mean'])],
    length: [false, isCount],
    payload: [false, isPayload],
  },
  log: {
    level: [true, isOneOf(LEVELS)],
    message: [true, isString(65_536)],
    fields: [false, isObject],
  },
}

const COORDINATOR_SCHEMAS: Record<string, Record<string, [boolean, Check]>> = {
  welcome: {
    protocol: [true, isCount],
    rank: [true, isCount],
    worldSize: [true, isCount],
    session: [true, isString(128)],
    sequence: [true, isCount],
    ready: [true, isBoolean],
    limits: [true, isLimits],
  },
  ready: {},
  message: POINT_SCHEMA,
  result: { seq: [true, isCount], payload: [false, isPayload] },
  abort: {
    seq: [true, isCount],
    code: [true, isString(128)],
    message: [true, isString(65_536)],
  },
  notice: {
    code: [true, isString(128)],
    message: [true, isString(65_536)],
  },
}

/** Reads the header of a binary chunk, or returns undefined if it is too short. */
export function readChunkHeader(
  frame: Buffer,
): { stream: number; offset: number } | undefined {
  if (frame.length < CHUNK_HEADER_BYTES) return undefined
  return { stream: frame.readUInt32LE(0), offset: frame.readUInt32LE(4) }
}

/** Builds one binary chunk: the header, then `data`. */
export function buildChunk(
  stream: number,
  offset: number,
  data: Uint8Array,
): Buffer {
  const frame = Buffer.allocUnsafe(CHUNK_HEADER_BYTES + data.byteLength)
  frame.writeUInt32LE(stream, 0)
  frame.writeUInt32LE(offset, 4)
  frame.set(data, CHUNK_HEADER_BYTES)
  return frame
}
