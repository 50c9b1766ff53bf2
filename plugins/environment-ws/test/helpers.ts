import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import {
  type Coordinator,
  type CoordinatorEvents,
  type CoordinatorOptions,
  createCoordinator,
  type LocalWorkers,
  launchLocalWorkers,
} from '../src/index.js'

export const FIXTURE_WORKER = join(
  import.meta.dirname,
  'fixtures',
  'script-worker.mjs',
)
export const WORKER_MAIN = join(
  import.meta.dirname,
  '..',
  'dist',
  'worker-main.js',
)

/** Limits small enough that liveness tests finish in about a second. */
export const FAST_LIVENESS = {
  heartbeatInterval: 100,
  workerTimeout: 600,
  collectiveTimeout: 5000,
} satisfies CoordinatorOptions

/** A listening coordinator; the caller stops it. */
export async function listeningCoordinator(
  options: CoordinatorOptions = {},
): Promise<Coordinator> {
  const coordinator = createCoordinator(options)
  await coordinator.listen()
  return coordinator
}

/** Starts worker processes running the test fixture in `mode`, output captured. */
export function launchFixture(
  coordinator: Coordinator,
  count: number,
  mode: string,
  token = coordinator.token,
): LocalWorkers & { stderr(): string } {
  const workers = launchLocalWorkers(count, coordinator.url, token, {
    script: FIXTURE_WORKER,
    env: { FIXTURE_MODE: mode },
    stdio: 'pipe',
  })
  record(workers.processes)
  return { ...workers, stderr: () => captured(workers.processes) }
}

/** Collects the standard error of child processes as it arrives. */
export function captured(processes: ChildProcess[]): string {
  return processes
    .map((child) => (child as ChildProcess & { text?: string }).text ?? '')
    .join('')
}

/** Starts recording each child's standard error for `captured`. */
export function record(processes: ChildProcess[]): void {
  for (const child of processes) {
    const holder = child as ChildProcess & { text?: string }
    holder.text = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      holder.text += chunk.toString()
    })
    child.stdout?.resume()
  }
}

/** Resolves with the arguments of the next `event` of the coordinator. */
export function nextEvent<E extends keyof CoordinatorEvents>(
  coordinator: Coordinator,
  event: E,
): Promise<CoordinatorEvents[E][0]> {
  return new Promise((resolve) => {
    const listener = (...args: CoordinatorEvents[E]) => {
      coordinator.off(event, listener)
      resolve(args[0])
    }
    coordinator.on(event, listener)
  })
}

/** Rejects with a clear message when `promise` takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string) {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)
    }),
  ])
}

/** The code of a rejected promise. */
export async function rejectionCode(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    return (error as { code?: string }).code
  }
  return 'resolved'
}
