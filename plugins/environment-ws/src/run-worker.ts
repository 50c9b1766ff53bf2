/** A worker process's whole life: join, serve tasks, report how it ended. */
import { createLogger, type Logger } from '@nord/core'
import { errorCode, errorMessage } from './errors.js'
import type { WorkerOptions } from './options.js'
import {
  BUILTIN_TASKS,
  serveTasks,
  type TaskHandler,
  wasRejected,
} from './tasks.js'
import { createWorker } from './worker.js'

export interface RunWorkerOptions extends WorkerOptions {
  /** Tasks besides the built-in ones. */
  tasks?: Record<string, TaskHandler>
}

/**
 * Joins the coordinator and runs its tasks until it stops. Returns the exit
 * code for the process: 0 when the coordinator stopped the run or the
 * process was interrupted, 1 when the worker was rejected (at joining, or
 * later with the reject task), gave up reconnecting or failed. Prints one line saying why to `logger`.
 */
export async function runWorker(options: RunWorkerOptions): Promise<number> {
  const { tasks, ...workerOptions } = options
  const logger: Logger = options.logger ?? createLogger()
  const worker = createWorker({ ...workerOptions, logger })

  const onSignal = () => void worker.stop()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    await worker.start()
    logger.info('worker ready', { rank: worker.rank, url: options.url })
    await serveTasks(worker, { ...BUILTIN_TASKS, ...tasks })
    if (wasRejected(worker)) return 1
    logger.info('the coordinator stopped; worker exits')
    return 0
  } catch (error) {
    if (errorCode(error) === 'NORD_ERR_ENVIRONMENT_STOPPED') return 0
    const code = errorCode(error)
    logger.error(`worker failed: ${errorMessage(error)}`, { code })
    return 1
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await worker.stop()
  }
}
