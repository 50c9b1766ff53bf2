/**
 * The worker process that `launchLocalWorkers` starts:
 * `node worker-main.js --connect ws://host:port [--ca file] [--backend name]`,
 * with the token in the `NORD_TOKEN` environment variable so that it does
 * not show in process listings.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createLogger } from '@nord/core'
import { runWorker } from './run-worker.js'

const { values } = parseArgs({
  options: {
    connect: { type: 'string' },
    ca: { type: 'string' },
    backend: { type: 'string' },
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
  backend: values.backend,
  logger,
})
