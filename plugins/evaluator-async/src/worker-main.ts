/**
 * The worker process of the async evaluator:
 * `node worker-main.js --connect ws://host:port [--ca file]`, with the token
 * in the `NORD_TOKEN` environment variable. It serves the built-in tasks
 * and the evaluator's setup and evaluate tasks until the coordinator stops.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createLogger } from '@nord/core'
import { runWorker } from '@nord/environment-ws'
import { createWorkerTasks } from './worker-tasks.js'

const { values } = parseArgs({
  options: {
    connect: { type: 'string' },
    ca: { type: 'string' },
  },
})

const logger = createLogger({
  level: process.env.NORD_LOG_LEVEL === 'debug' ? 'debug' : 'info',
  write: (line) => process.stderr.write(`[worker ${process.pid}] ${line}\n`),
})

process.exitCode = await runWorker({
  url: values.connect ?? '',
  token: process.env.NORD_TOKEN ?? '',
  ca: values.ca === undefined ? undefined : readFileSync(values.ca),
  logger,
  tasks: createWorkerTasks(logger),
})
