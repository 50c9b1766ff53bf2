/**
 * Tasks of worker processes: a worker waits for task messages from the
 * coordinator (rank 0) and runs them. The built-in `check` task runs
 * every collective once and compares the results with the same computation
 * done locally.
 */
import { type Environment, isPlainObject, type JsonValue } from '@nord/core'
import { errorCode, errorMessage } from './errors.js'
import { reduceInOrder } from './reduce.js'
import type { Worker } from './worker.js'

/** A task message: `{ nord: 'task', task: name, ...arguments }`. */
export interface TaskMessage {
  nord: 'task'
  task: string
  [key: string]: JsonValue
}

/** Runs one task on a worker; rejections are logged and the loop goes on. */
export type TaskHandler = (
  environment: Environment,
  message: TaskMessage,
) => Promise<void>

/** The outcome of `runCollectiveCheck`, the same on every rank. */
export interface CollectiveCheck {
  worldSize: number
  /** The all-reduce sum of `[r + 1, 2(r + 1), 3(r + 1), 4(r + 1)]` over ranks r. */
  sum: number[]
  /** The all-reduce mean of the same buffers. */
  mean: number[]
  /** The ranks gathered at rank 0, or null on other ranks. */
  gathered: number[] | null
  /** The value rank 0 broadcast. */
  broadcast: JsonValue
  /** True when every result equals the local computation. */
  ok: boolean
}

const CHECK_LENGTH = 4

/**
 * Runs a barrier, a broadcast, a gather and two all-reduces on every rank.
 * Every rank must call it at the same point, as with any collective.
 */
export async function runCollectiveCheck(
  environment: Environment,
): Promise<CollectiveCheck> {
  const { rank, worldSize } = environment
  await environment.barrier()
  const broadcast = await environment.broadcast({ check: 'nord' }, 0)
  const gathered = await environment.gather(rank, 0)
  const sum = await environment.allReduce(checkBuffer(rank), 'sum')
  const mean = await environment.allReduce(checkBuffer(rank), 'mean')
  // Every rank has its results before any rank goes on (and, say, stops).
  await environment.barrier()

  const buffers = Array.from({ length: worldSize }, (_, r) => checkBuffer(r))
  const expectedSum = reduceInOrder(buffers, 'sum')
  const expectedMean = reduceInOrder(buffers, 'mean')
  const ranks = Array.from({ length: worldSize }, (_, r) => r)
  const ok =
    sameValues(sum, expectedSum) &&
    sameValues(mean, expectedMean) &&
    JSON.stringify(broadcast) === JSON.stringify({ check: 'nord' }) &&
    (rank !== 0 || JSON.stringify(gathered) === JSON.stringify(ranks))

  return {
    worldSize,
    sum: [...sum],
    mean: [...mean],
    gathered: rank === 0 ? (gathered as number[]) : null,
    broadcast,
    ok,
  }
}

/**
 * Task name of the message by which the coordinator rejects a worker that
 * it will give no work, such as one that loaded other data. It carries the
 * `reason`. The worker logs it and leaves, which frees its rank.
 */
export const REJECT_TASK = 'nord:reject'

/** Workers that a coordinator rejected, so that `runWorker` exits with 1. */
const rejectedWorkers = new WeakSet<Environment>()

/** True when the coordinator rejected `worker` with the reject task. */
export function wasRejected(worker: Environment): boolean {
  return rejectedWorkers.has(worker)
}

/** The tasks that `serveTasks` runs by default. */
export const BUILTIN_TASKS: Record<string, TaskHandler> = {
  async check(environment) {
    const result = await runCollectiveCheck(environment)
    environment.logger.info('collective check finished', { ok: result.ok })
  },

  async [REJECT_TASK](environment, message) {
    rejectedWorkers.add(environment)
    environment.logger.error(
      'the coordinator rejected this worker, which gets no work and leaves the cluster',
      { reason: String(message.reason) },
    )
    await environment.stop()
  },
}

/**
 * Sends the reject task to the worker of `rank`. A failed send means the
 * worker is already gone, so it is ignored.
 */
export async function rejectWorker(
  coordinator: Environment,
  rank: number,
  reason: string,
): Promise<void> {
  const task: TaskMessage = { nord: 'task', task: REJECT_TASK, reason }
  await coordinator.send(rank, task).catch(() => undefined)
}

/**
 * Runs tasks sent by rank 0 until the coordinator stops (resolves) or the
 * worker stops for good otherwise (rejects with its coded error). After a
 * transient disconnect it waits for the worker to rejoin and goes on.
 */
export async function serveTasks(
  worker: Worker,
  tasks: Record<string, TaskHandler> = BUILTIN_TASKS,
): Promise<void> {
  for (;;) {
    let message: unknown
    try {
      message = await worker.receive(0)
    } catch (error) {
      if (errorCode(error) !== 'NORD_ERR_DISCONNECTED') return endOfRun(error)
      try {
        await worker.whenJoined()
      } catch (joinError) {
        return endOfRun(joinError)
      }
      continue
    }
    await runTask(worker, message, tasks)
  }
}

/** Returns normally when the coordinator stopped the run; rethrows otherwise. */
function endOfRun(error: unknown): void {
  if (errorCode(error) !== 'NORD_ERR_ENVIRONMENT_STOPPED') throw error
}

async function runTask(
  worker: Worker,
  message: unknown,
  tasks: Record<string, TaskHandler>,
): Promise<void> {
  if (!isTaskMessage(message)) {
    worker.logger.warn('ignored a message that is not a task')
    return
  }
  const handler = Object.hasOwn(tasks, message.task)
    ? tasks[message.task]
    : undefined
  if (!handler) {
    worker.logger.warn('unknown task', { task: message.task })
    return
  }

  try {
    await handler(worker, message)
  } catch (error) {
    worker.logger.error('task failed', {
      task: message.task,
      code: errorCode(error),
      error: errorMessage(error),
    })
  }
}

function isTaskMessage(message: unknown): message is TaskMessage {
  return (
    isPlainObject(message) &&
    message.nord === 'task' &&
    typeof message.task === 'string'
  )
}

function checkBuffer(rank: number): Float32Array {
  const buffer = new Float32Array(CHECK_LENGTH)
  for (let i = 0; i < CHECK_LENGTH; i++) buffer[i] = (i + 1) * (rank + 1)
  return buffer
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i])
}

/**
 * Sends the `check` task to every worker, then runs the check on the
 * coordinator too; returns rank 0's outcome, which includes the gather.
 */
export async function checkCluster(
  coordinator: Environment,
): Promise<CollectiveCheck> {
  const task: TaskMessage = { nord: 'task', task: 'check' }
  for (let rank = 1; rank < coordinator.worldSize; rank++) {
    await coordinator.send(rank, task)
  }
  return runCollectiveCheck(coordinator)
}
