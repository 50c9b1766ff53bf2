/** The `main` of a worker process started by `launchLocalWorkers`. */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createLogger, type Logger } from '@nord/core'
import { runWorker } from './run-worker.js'
import type { TaskHandler } from './tasks.js'

/** The command-line options a worker process passes on to its task handlers. */
export interface WorkerProcessOptions {
  /** `--data-dir`: a folder with the dataset files on this machine. */
  dataDir?: string
}

/**
 * Runs a worker process: `node script --connect ws://host:port [--ca file]
 * [--backend name] [--data-dir dir]`, with the token in the `NORD_TOKEN`
 * environment variable so that it does not show in process listings. It
 * logs to stderr, serves the built-in tasks and those `createTasks`
 * returns until the coordinator stops, and sets `process.exitCode` as
 * `runWorker` returns it.
 */
export async function runWorkerProcess(
  createTasks?: (
    logger: Logger,
    options: WorkerProcessOptions,
  ) => Record<string, TaskHandler>,
): Promise<void> {
  const { values } = parseArgs({
    options: {
      connect: { type: 'string' },
      ca: { type: 'string' },
      backend: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  })
  const logger = createLogger({
    level: process.env.NORD_LOG_LEVEL === 'debug' ? 'debug' : 'info',
    write: (line) => process.stderr.write(`[worker ${process.pid}] ${line}\n`),
  })

  watchParent(logger)
  process.exitCode = await runWorker({
    url: values.connect ?? '',
    token: process.env.NORD_TOKEN ?? '',
    ca: values.ca === undefined ? undefined : readFileSync(values.ca),
    backend: values.backend,
    logger,
    tasks: createTasks?.(logger, { dataDir: values['data-dir'] }),
  })
}

/**
 * Exits when the process that started this worker is gone, such as a
 * search killed with SIGKILL, instead of retrying its connection for about
 * a minute. `launchLocalWorkers` sets `NORD_PARENT_PID`; a worker started
 * by hand has no parent to watch.
 */
function watchParent(logger: Logger): void {
  const parent = Number(process.env.NORD_PARENT_PID)
  if (!Number.isSafeInteger(parent) || parent <= 0) return
  const timer = setInterval(() => {
    // A child whose parent died is adopted by another process.
    if (process.ppid === parent) return
    logger.error('the process that started this worker is gone; exiting', {
      parent,
    })
    process.exit(1)
  }, 500)
  timer.unref()
}
