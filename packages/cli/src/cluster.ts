import { readFileSync } from 'node:fs'
import { createLogger, type LogLevel, NordError } from '@nord/core'
import {
  type CoordinatorOptions,
  checkCluster,
  createCoordinator,
  runWorker,
} from '@nord/environment-ws'
import { asyncWorkerTasks } from '@nord/evaluator-async'
import { dataParallelWorkerTasks } from '@nord/evaluator-data-parallel'

/** The port `nord coordinator` listens on when `--port` is absent. */
export const DEFAULT_PORT = 7431

export interface CoordinatorFlags {
  port?: string
  host?: string
  token?: string
  world?: string
  cert?: string
  key?: string
  logLevel?: string
}

export interface WorkerFlags {
  connect?: string
  token?: string
  ca?: string
  dataDir?: string
  backend?: string
  logLevel?: string
}

/**
 * `nord coordinator`: listens, waits until every rank of the world has a
 * worker, runs the collective check (barrier, broadcast, gather, all-reduce
 * sum and mean) and prints its result. Returns 0 when the check passed.
 */
export async function coordinatorCommand(
  flags: CoordinatorFlags,
): Promise<number> {
  const logger = createLogger({ level: logLevel(flags.logLevel) })
  const options: CoordinatorOptions = {
    port: parseCount('--port', flags.port ?? String(DEFAULT_PORT)),
    worldSize: parseCount('--world', flags.world ?? '3'),
    logger,
  }
  if (flags.host !== undefined) options.host = flags.host
  if (flags.token !== undefined) options.token = flags.token
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    throw new NordError(
      'NORD_ERR_CONFIG',
      '--cert and --key must be given together',
      { hint: 'Pass both the PEM certificate and its private key' },
    )
  }
  if (flags.cert !== undefined && flags.key !== undefined) {
    options.tls = { cert: readPem(flags.cert), key: readPem(flags.key) }
  }

  const coordinator = createCoordinator(options)
  const url = await coordinator.listen()
  printJoinInstructions(url, coordinator.token, flags.token === undefined)

  const stop = () => void coordinator.stop()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    await coordinator.start()
    const check = await checkCluster(coordinator)
    process.stdout.write(
      `collective check over ${check.worldSize} ranks: ${check.ok ? 'ok' : 'FAILED'}\n` +
        `  all-reduce sum:  [${check.sum.join(', ')}]\n` +
        `  all-reduce mean: [${check.mean.join(', ')}]\n` +
        `  gather:          [${check.gathered?.join(', ')}]\n`,
    )
    return check.ok ? 0 : 1
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    await coordinator.stop()
  }
}

/**
 * `nord worker`: joins a coordinator and serves its tasks until it stops.
 * The tasks are the built-in collective check and those of the async
 * evaluator of `nord search --evaluator async`. The token comes from `--token` or the
 * `NORD_TOKEN` environment variable. Returns 1 when the async evaluator
 * rejected the worker, for example because its data differs.
 */
export async function workerCommand(flags: WorkerFlags): Promise<number> {
  if (!flags.connect) {
    throw new NordError('NORD_ERR_CONFIG', '--connect is required', {
      hint: 'Pass the address the coordinator printed, such as ws://127.0.0.1:7431',
    })
  }
  const logger = createLogger({ level: logLevel(flags.logLevel) })
  return runWorker({
    url: flags.connect,
    token: flags.token ?? process.env.NORD_TOKEN ?? '',
    ca: flags.ca === undefined ? undefined : readPem(flags.ca),
    backend: await detectBackend(flags.backend),
    logger,
    tasks: {
      ...asyncWorkerTasks(logger, { dataDir: flags.dataDir }),
      ...dataParallelWorkerTasks(logger, { dataDir: flags.dataDir }),
    },
  })
}

function printJoinInstructions(url: string, token: string, generated: boolean) {
  const lines = [`nord coordinator listening on ${url}`]
  if (generated) lines.push(`token (generated): ${token}`)
  lines.push(
    'start each worker with:',
    `  nord worker --connect ${url} --token ${generated ? token : '<token>'}`,
  )
  process.stderr.write(`${lines.join('\n')}\n`)
}

/** Activates the TensorFlow.js backend the worker will announce. */
async function detectBackend(choice: string | undefined): Promise<string> {
  if (choice === 'none') return 'none'
  const { selectBackend } = await import('@nord/tfjs')
  const selection = await selectBackend({
    backend: (choice ?? 'auto') as 'auto',
  })
  return selection.name
}

function readPem(file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (error) {
    throw new NordError('NORD_ERR_CONFIG', `cannot read ${file}`, {
      value: file,
      hint: 'Pass the path of a PEM file',
      cause: error,
    })
  }
}

function parseCount(flag: string, text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new NordError(
      'NORD_ERR_CONFIG',
      `${flag} must be a non-negative integer, got ${JSON.stringify(text)}`,
      { value: text },
    )
  }
  return value
}

function logLevel(text: string | undefined): LogLevel {
  const levels: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']
  const level = (text ?? 'info') as LogLevel
  if (levels.includes(level)) return level
  throw new NordError(
    'NORD_ERR_CONFIG',
    `--log-level must be one of ${levels.join(', ')}, got ${JSON.stringify(text)}`,
    { value: text },
  )
}
