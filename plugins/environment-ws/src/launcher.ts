/** Starts workers as child processes of this one, for runs on one machine. */
import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'

export interface LaunchOptions {
  /**
   * The script each worker runs with Node. It receives `--connect URL` and
   * the token in `NORD_TOKEN`. Default: this package's `worker-main.js`,
   * which joins and serves tasks until the coordinator stops.
   */
  script?: string
  /** Extra arguments after `--connect URL`, such as `['--ca', 'cert.pem']`. */
  args?: string[]
  /** Extra environment variables. */
  env?: Record<string, string>
  /** `inherit` shares this process's stdout and stderr. Default `inherit`. */
  stdio?: 'inherit' | 'pipe' | 'ignore'
}

/** Workers started by `launchLocalWorkers`. */
export interface LocalWorkers {
  readonly processes: ChildProcess[]
  /** Settles with each worker's exit code (null when a signal ended it). */
  readonly exited: Promise<(number | null)[]>
  /** Sends SIGTERM to each worker still running and waits for all to exit. */
  stop(): Promise<(number | null)[]>
}

/**
 * Starts `count` worker processes that join the coordinator at `url` with
 * `token`. The workers are children of this process: they get the token
 * through the environment, not the command line.
 */
export function launchLocalWorkers(
  count: number,
  url: string,
  token: string,
  options: LaunchOptions = {},
): LocalWorkers {
  // Resolved through the package's own exports, so that it works from the
  // built bundle and from the sources alike.
  const script =
    options.script ??
    createRequire(import.meta.url).resolve('@nord/environment-ws/worker-main')
  const processes = Array.from({ length: count }, () =>
    spawn(
      process.execPath,
      [script, '--connect', url, ...(options.args ?? [])],
      {
        env: {
          ...process.env,
          ...options.env,
          NORD_TOKEN: token,
          // The worker exits when this process is gone (see runWorkerProcess).
          NORD_PARENT_PID: String(process.pid),
        },
        stdio: [
          'ignore',
          options.stdio ?? 'inherit',
          options.stdio ?? 'inherit',
        ],
      },
    ),
  )
  const exited = Promise.all(processes.map(waitForExit))

  return {
    processes,
    exited,
    async stop() {
      for (const child of processes) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM')
        }
      }
      return exited
    },
  }
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode)
  }
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code))
    child.once('error', () => resolve(null))
  })
}
