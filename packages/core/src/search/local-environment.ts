/**
 * The environment of a single process: one rank that is both coordinator and
 * worker. Collectives return their input, and messages go to a queue that
 * the same rank reads.
 */
import { NordError } from '../errors.js'
import type { Environment, JsonValue, Logger, ReduceOp } from '../types.js'
import { silentLogger } from './logger.js'

type Message = JsonValue | Uint8Array

interface Waiter {
  resolve(message: Message): void
  reject(error: Error): void
}

/**
 * Creates the local environment: rank 0 of a world of 1 with role `local`.
 * `start` and `stop` may be called more than once. After `stop`, every
 * operation (and a pending `receive`) fails with
 * `NORD_ERR_ENVIRONMENT_STOPPED`.
 */
export function createLocalEnvironment(
  logger: Logger = silentLogger,
): Environment {
  const queue: Message[] = []
  const waiters: Waiter[] = []
  let stopped = false

  const ensureRunning = (operation: string) => {
    if (stopped) throw stoppedError(operation)
  }

  return {
    name: 'local',
    rank: 0,
    worldSize: 1,
    role: 'local',
    logger,

    async start() {
      ensureRunning('start')
    },

    async stop() {
      if (stopped) return
      stopped = true
      queue.length = 0
      for (const waiter of waiters.splice(0)) {
        waiter.reject(stoppedError('receive'))
      }
    },

    async send(to, message) {
      ensureRunning('send')
      checkRank('send', 'to', to)
      const copy = copyMessage(message)
      const waiter = waiters.shift()
      if (waiter) waiter.resolve(copy)
      else queue.push(copy)
    },

    async receive(from) {
      ensureRunning('receive')
      checkRank('receive', 'from', from)
      if (queue.length > 0) return queue.shift()!
      return new Promise<Message>((resolve, reject) => {
        waiters.push({ resolve, reject })
      })
    },

    async broadcast(value, root = 0) {
      ensureRunning('broadcast')
      checkRank('broadcast', 'root', root)
      return value
    },

    async gather(value, root = 0) {
      ensureRunning('gather')
      checkRank('gather', 'root', root)
      return [value]
    },

    async barrier() {
      ensureRunning('barrier')
    },

    async allReduce(buffer: Float32Array, _op: ReduceOp = 'sum') {
      ensureRunning('allReduce')
      // With one rank, both the sum and the mean equal the input.
      return buffer.slice()
    },
  }
}

function checkRank(operation: string, key: string, rank: number): void {
  if (rank === 0) return
  throw new NordError(
    'NORD_ERR_ENVIRONMENT_RANK',
    `${operation}: ${key} must be rank 0 in the local environment (world size 1), got ${rank}`,
    {
      value: rank,
      hint: 'Use a distributed environment to run more than one rank',
    },
  )
}

function stoppedError(operation: string): NordError {
  return new NordError(
    'NORD_ERR_ENVIRONMENT_STOPPED',
    `${operation} called after the local environment was stopped`,
    { hint: 'Create a new environment for another run' },
  )
}

function copyMessage(message: Message): Message {
  if (message instanceof Uint8Array) return message.slice()
  return structuredClone(message)
}
