/** Shared tools of the CLI tests: running `nord` and writing plugin packages. */
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

export const bin = join(import.meta.dirname, '..', 'dist', 'bin.js')
export const repositoryRoot = join(import.meta.dirname, '..', '..', '..')
const execFileAsync = promisify(execFile)

export interface NordOutput {
  code: number
  stdout: string
  stderr: string
}

/** Runs `nord` in a child process and returns its exit code and output. */
export async function nord(
  args: string[],
  cwd = tmpdir(),
  env: Record<string, string> = {},
): Promise<NordOutput> {
  try {
    const { stdout, stderr } = await execFileAsync('node', [bin, ...args], {
      cwd,
      timeout: 600_000,
      env: { ...process.env, NORD_DATA_DIR: '', ...env },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

/**
 * Starts `nord` with `NORD_TEST_HANG_AT=<evaluation>`, waits until the test
 * evaluator hangs in that evaluation, and sends `signal`. Resolves with the
 * exit code, or the signal name when the process was killed.
 */
export async function interruptAt(
  args: string[],
  cwd: string,
  evaluation: number,
  signal: 'SIGINT' | 'SIGKILL',
): Promise<number | string | null> {
  const child = spawn('node', [bin, ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      NORD_DATA_DIR: '',
      NORD_TEST_HANG_AT: String(evaluation),
    },
  })
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, killedBy) => resolve(code ?? killedBy)),
  )
  let stderr = ''
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      if (stderr.includes(`TEST hanging at evaluation ${evaluation}`)) resolve()
    })
    exited.then(() =>
      reject(
        new Error(`nord exited before evaluation ${evaluation}:\n${stderr}`),
      ),
    )
  })
  child.kill(signal)
  return exited
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'nord-cli-'))
}

export function readJournal(dir: string) {
  return readFileSync(join(dir, 'journal.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
}

export function readSummary(dir: string) {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))
}

/** Writes `node_modules/<name>` in `project` with an ESM entry `index.js`. */
export function writePackage(
  project: string,
  name: string,
  source: string,
): void {
  const folder = join(project, 'node_modules', name)
  mkdirSync(folder, { recursive: true })
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify({
      name,
      version: '1.0.0',
      type: 'module',
      main: 'index.js',
    }),
  )
  writeFileSync(join(folder, 'index.js'), source)
}

/**
 * A fast evaluator plugin that trains nothing: the accuracy is a hash of the
 * descriptor, so equal descriptors score equally in every process. With
 * `NORD_TEST_HANG_AT=n` its n-th evaluation in the process never ends (until
 * aborted), and it writes a line to standard error.
 */
export const HASH_EVALUATOR = `
let calls = 0
const hangAt = Number(process.env.NORD_TEST_HANG_AT ?? 0)

function accuracyOf(descriptor) {
  let hash = 2166136261
  for (const char of JSON.stringify(descriptor)) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0
  }
  return (hash % 1000) / 1000
}

export default {
  kind: 'evaluator',
  name: 'test:hash-evaluator',
  core: '>=0.1.0',
  create() {
    return {
      name: 'test:hash-evaluator',
      async evaluate(request) {
        calls++
        if (calls === hangAt) {
          process.stderr.write('TEST hanging at evaluation ' + calls + '\\n')
          const timer = setInterval(() => {}, 1000)
          request.signal?.addEventListener('abort', () => clearInterval(timer))
          return new Promise(() => {})
        }
        const accuracy = accuracyOf(request.descriptor)
        return {
          status: 'ok',
          fitness: accuracy,
          accuracy,
          loss: 1 - accuracy,
          parameters: null,
          flops: null,
          seconds: 0,
        }
      },
    }
  },
}
`
