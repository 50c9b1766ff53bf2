/**
 * One WebSocket between the coordinator and a worker, seen from either end:
 * bounded sending with backpressure, payload streams split into chunks, and
 * reassembly of the streams that arrive.
 */
import type { JsonValue } from '@nord/core'
import type { RawData, WebSocket } from 'ws'
import { clusterError, errorMessage } from './errors.js'
import {
  buildChunk,
  CHUNK_HEADER_BYTES,
  CLOSE_CODES,
  type Encoding,
  type Outgoing,
  type Payload,
  readChunkHeader,
} from './protocol.js'

/** A value that travels in a payload. */
export type PayloadValue = JsonValue | Uint8Array | Float32Array

/** The limits one link enforces, all in bytes or milliseconds. */
export interface LinkLimits {
  /** Largest WebSocket message sent or accepted, in bytes. */
  maxPayload: number
  /** Largest payload (the sum of its chunks), in bytes. */
  maxMessageSize: number
  /** Bytes of data in one chunk; at most `maxPayload - 8`. */
  chunkSize: number
  /** Bytes buffered for this peer before a send waits for it to drain. */
  sendQueueSize: number
  /** Milliseconds a send waits for the peer to drain before dropping it. */
  drainTimeout: number
}

/** A control message and, when it announced one, its decoded payload. */
export interface Delivery<M> {
  message: M
  value?: PayloadValue
}

export interface LinkHandlers<M> {
  /** Parses a text frame into a message, or returns what is wrong with it. */
  parse(text: string): M | string
  /** Receives each message once its payload, if any, has arrived. */
  deliver(delivery: Delivery<M>): void
  /** Called once, with the reason, when the link must be closed for a protocol violation. */
  violate(code: number, reason: string): void
}

interface Incoming<M> {
  message: M
  encoding: Encoding
  data: Uint8Array
  received: number
}

/**
 * Wraps an open WebSocket. Sends are serialized so that the chunks of one
 * payload follow its announcing message without interleaving, and so that
 * at most one stream is in flight in each direction: the receiver rejects a
 * second announcement before the first stream is complete.
 */
export class Link<M extends object, Out> {
  readonly socket: WebSocket
  limits: LinkLimits
  private readonly handlers: LinkHandlers<M>
  private queue: Promise<void> = Promise.resolve()
  private nextStream = 0
  private incoming: Incoming<M> | undefined
  private readonly writes: Promise<void>[] = []
  private closed = false

  constructor(
    socket: WebSocket,
    limits: LinkLimits,
    handlers: LinkHandlers<M>,
  ) {
    this.socket = socket
    this.limits = limits
    this.handlers = handlers
    socket.on('message', (data, isBinary) => this.onFrame(data, isBinary))
    socket.on('close', () => {
      this.closed = true
    })
  }

  /** True while the socket is open. */
  get open(): boolean {
    return !this.closed && this.socket.readyState === this.socket.OPEN
  }

  /**
   * Sends a control message, followed by `value` as its payload when given.
   *
   * @throws NordError `NORD_ERR_MESSAGE_TOO_LARGE` before sending anything
   *   when the payload or the control message is over its limit, and
   *   `NORD_ERR_DISCONNECTED` or `NORD_ERR_SLOW_PEER` when the link fails.
   */
  send(message: Outgoing<Out>, value?: PayloadValue): Promise<void> {
    const task = this.queue.then(() => this.sendNow(message, value))
    this.queue = task.catch(() => undefined)
    return task
  }

  /** Resolves once every send queued so far has been written or has failed. */
  flush(): Promise<void> {
    return this.queue
  }

  /** Closes the socket with a code and a reason of at most 123 bytes. */
  close(code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    this.socket.close(code, truncateReason(reason))
  }

  private async sendNow(
    message: Outgoing<Out>,
    value?: PayloadValue,
  ): Promise<void> {
    if (value === undefined) {
      await this.write(encodeControl(message, this.limits.maxPayload))
      return
    }

    const { encoding, bytes } = encodePayload(value)
    if (bytes.byteLength > this.limits.maxMessageSize) {
      throw tooLarge('payload', bytes.byteLength, this.limits.maxMessageSize)
    }
    if (encoding === 'json' && bytes.byteLength <= this.limits.chunkSize) {
      const inline = { ...message, payload: { encoding, json: value } }
      await this.write(encodeControl(inline, this.limits.maxPayload))
      return
    }

    const stream = this.nextStream
    this.nextStream = (this.nextStream + 1) >>> 0
    const payload = { encoding, stream, bytes: bytes.byteLength }
    await this.write(
      encodeControl({ ...message, payload }, this.limits.maxPayload),
    )
    await this.writeChunks(stream, bytes)
  }

  private async writeChunks(stream: number, bytes: Uint8Array): Promise<void> {
    const step = Math.min(
      this.limits.chunkSize,
      this.limits.maxPayload - CHUNK_HEADER_BYTES,
    )
    for (let offset = 0; offset < bytes.byteLength; offset += step) {
      const data = bytes.subarray(offset, offset + step)
      await this.write(buildChunk(stream, offset, data))
    }
  }

  /** Writes one frame once the bytes buffered for the peer are under the bound. */
  private async write(frame: Buffer | string): Promise<void> {
    const size =
      typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length
    await this.drain(size)
    if (!this.open) {
      throw clusterError('NORD_ERR_DISCONNECTED', 'the connection is closed', {
        hint: 'The peer left; the operation cannot complete',
      })
    }

    const written = new Promise<void>((resolve) => {
      this.socket.send(frame, () => resolve())
    })
    this.writes.push(written)
    void written.then(() => {
      const index = this.writes.indexOf(written)
      if (index >= 0) this.writes.splice(index, 1)
    })
  }

  private async drain(size: number): Promise<void> {
    const limit = this.limits.sendQueueSize
    const deadline = Date.now() + this.limits.drainTimeout
    while (this.open && this.socket.bufferedAmount > 0) {
      if (this.socket.bufferedAmount + size <= limit) return
      const remaining = deadline - Date.now()
      if (remaining <= 0) {
        const buffered = this.socket.bufferedAmount
        this.close(CLOSE_CODES.SLOW_PEER, 'send queue did not drain in time')
        throw clusterError(
          'NORD_ERR_SLOW_PEER',
          `the peer did not drain its send queue (${buffered} bytes buffered, bound ${limit}) within ${this.limits.drainTimeout} ms, so it was dropped`,
          { value: buffered, hint: 'Check the peer and its network link' },
        )
      }
      await Promise.race([
        this.writes[0] ?? sleep(1),
        sleep(Math.min(remaining, 50)),
      ])
    }
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.closed) return
    const buffer = toBuffer(data)
    try {
      if (isBinary) this.onChunk(buffer)
      else this.onText(buffer.toString('utf8'))
    } catch (error) {
      this.handlers.violate(CLOSE_CODES.PROTOCOL_ERROR, errorMessage(error))
    }
  }

  private onText(text: string): void {
    const parsed = this.handlers.parse(text)
    if (typeof parsed === 'string') {
      this.handlers.violate(CLOSE_CODES.PROTOCOL_ERROR, parsed)
      return
    }
    if (this.incoming) {
      this.handlers.violate(
        CLOSE_CODES.PROTOCOL_ERROR,
        'a message arrived before the previous stream was complete',
      )
      return
    }

    const payload = (parsed as { payload?: Payload }).payload
    if (payload === undefined) {
      this.handlers.deliver({ message: parsed })
    } else if ('json' in payload) {
      this.handlers.deliver({
        message: parsed,
        value: payload.json as JsonValue,
      })
    } else {
      this.startStream(parsed, payload)
    }
  }

  private startStream(
    message: M,
    payload: { encoding: Encoding; stream: number; bytes: number },
  ): void {
    if (payload.bytes > this.limits.maxMessageSize) {
      this.handlers.violate(
        CLOSE_CODES.MESSAGE_TOO_LARGE,
        `a payload of ${payload.bytes} bytes is over the limit of ${this.limits.maxMessageSize}`,
      )
      return
    }
    if (payload.encoding === 'float32' && payload.bytes % 4 !== 0) {
      this.handlers.violate(
        CLOSE_CODES.PROTOCOL_ERROR,
        `a float32 payload of ${payload.bytes} bytes is not a multiple of 4`,
      )
      return
    }

    this.incoming = {
      message,
      encoding: payload.encoding,
      data: new Uint8Array(payload.bytes),
      received: 0,
    }
    this.streamId = payload.stream
    if (payload.bytes === 0) this.finishStream()
  }

  private streamId = 0

  private onChunk(frame: Buffer): void {
    const header = readChunkHeader(frame)
    const incoming = this.incoming
    if (!header || !incoming) {
      this.handlers.violate(
        CLOSE_CODES.PROTOCOL_ERROR,
        'a binary frame arrived without an announced stream',
      )
      return
    }

    const size = frame.length - CHUNK_HEADER_BYTES
    const fits = incoming.received + size <= incoming.data.byteLength
    if (
      header.stream !== this.streamId ||
      header.offset !== incoming.received ||
      !fits
    ) {
      this.handlers.violate(
        CLOSE_CODES.PROTOCOL_ERROR,
        `a chunk of stream ${header.stream} at offset ${header.offset} does not continue stream ${this.streamId} at ${incoming.received}`,
      )
      return
    }

    incoming.data.set(frame.subarray(CHUNK_HEADER_BYTES), incoming.received)
    incoming.received += size
    if (incoming.received === incoming.data.byteLength) this.finishStream()
  }

  private finishStream(): void {
    const incoming = this.incoming!
    this.incoming = undefined
    const value = decodePayload(incoming.encoding, incoming.data)
    this.handlers.deliver({ message: incoming.message, value })
  }
}

/** Serializes a control message, checking it against the frame limit. */
function encodeControl(message: unknown, maxPayload: number): string {
  const text = JSON.stringify(message)
  const size = Buffer.byteLength(text)
  if (size > maxPayload) throw tooLarge('control message', size, maxPayload)
  return text
}

function encodePayload(value: PayloadValue): {
  encoding: Encoding
  bytes: Uint8Array
} {
  if (value instanceof Float32Array) {
    const bytes = new Uint8Array(
      value.buffer,
      value.byteOffset,
      value.byteLength,
    )
    return { encoding: 'float32', bytes }
  }
  if (value instanceof Uint8Array) return { encoding: 'bytes', bytes: value }
  return { encoding: 'json', bytes: Buffer.from(JSON.stringify(value)) }
}

function decodePayload(encoding: Encoding, data: Uint8Array): PayloadValue {
  if (encoding === 'float32') {
    return new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4)
  }
  if (encoding === 'bytes') return data
  return JSON.parse(Buffer.from(data.buffer).toString('utf8')) as JsonValue
}

function tooLarge(what: string, size: number, limit: number) {
  return clusterError(
    'NORD_ERR_MESSAGE_TOO_LARGE',
    `the ${what} is ${size} bytes, over the limit of ${limit} bytes`,
    {
      value: size,
      hint: 'Send less data per call, or raise maxMessageSize / maxPayload on both sides',
    },
  )
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}

/** Cuts a close reason to the 123 bytes that a close frame allows. */
function truncateReason(reason: string): string {
  const bytes = Buffer.from(reason)
  if (bytes.length <= 123) return reason
  return bytes
    .subarray(0, 120)
    .toString('utf8')
    .replace(/\uFFFD$/, '')
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
