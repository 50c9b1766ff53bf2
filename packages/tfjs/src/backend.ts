import { createRequire } from 'node:module'
import { join } from 'node:path'
import { IssueList } from '@nord/core'
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import '@tensorflow/tfjs-backend-wasm'
import { NordBackendError } from './errors.js'
import { installWasmKernels } from './wasm/install.js'

// Before anything can initialise the wasm backend.
installWasmKernels()

/**
 * A TensorFlow.js backend nord can run on. `tensorflow` is the native
 * TensorFlow binding of `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`,
 * and `auto` picks the fastest one present.
 */
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu'

export const BACKEND_CHOICES: readonly BackendChoice[] = [
  'auto',
  'tensorflow',
  'wasm',
  'cpu',
]

/** The packages that provide the `tensorflow` backend, fastest first. */
export const NATIVE_BACKEND_PACKAGES = [
  '@tensorflow/tfjs-node-gpu',
  '@tensorflow/tfjs-node',
] as const

export interface BackendOptions {
  /**
   * The backend to use; `auto` when absent. The environment variable
   * `NORD_BACKEND`, when set, takes precedence.
   */
  backend?: BackendChoice
}

/** The backend that `selectBackend` activated and why. */
export interface BackendSelection {
  /** The TensorFlow.js backend name now active: `tensorflow`, `wasm` or `cpu`. */
  name: string
  /** The choice it came from. */
  requested: BackendChoice
  /** The origin of the choice: the `backend` option, `NORD_BACKEND` or the default. */
  source: 'option' | 'env' | 'default'
  /** The package that provides the backend, for `tensorflow`. */
  package?: string
  /** Faster backends that `auto` found but could not start, with the reason. */
  skipped: { backend: string; reason: string }[]
}

let lastSelection: BackendSelection | undefined

/**
 * Activates a TensorFlow.js backend. `auto` takes the first of
 * `@tensorflow/tfjs-node-gpu`, `@tensorflow/tfjs-node` (both optional, resolved
 * from the current working directory and then from this package), `wasm` and
 * `cpu` that starts. A backend chosen explicitly that cannot start raises
 * `NordBackendError` (`NORD_ERR_BACKEND`).
 */
export async function selectBackend(
  options: BackendOptions = {},
): Promise<BackendSelection> {
  const { choice, source } = resolveChoice(options)
  const skipped: BackendSelection['skipped'] = []
  const done = (name: string, pkg?: string): BackendSelection => {
    lastSelection = { name, requested: choice, source, skipped }
    if (pkg) lastSelection.package = pkg
    return lastSelection
  }

  if (choice === 'tensorflow' || choice === 'auto') {
    const native = await startNativeBackend(skipped)
    if (native) return done('tensorflow', native)
    if (choice === 'tensorflow') throw nativeMissingError(skipped)
  }

  if (choice === 'wasm' || choice === 'auto') {
    if (await startBackend('wasm', skipped)) return done('wasm')
    if (choice === 'wasm') throw startError('wasm', skipped)
  }

  if (await startBackend('cpu', skipped)) return done('cpu')
  throw startError('cpu', skipped)
}

/**
 * Runs `selectBackend` with its defaults (and `NORD_BACKEND`) the first time
 * it is called in a process, and returns the active backend's name. Later
 * calls keep whatever backend is active, also one set with `tf.setBackend`.
 */
export async function ensureBackend(): Promise<string> {
  if (!lastSelection) await selectBackend()
  return tf.getBackend()
}

function resolveChoice(options: BackendOptions): {
  choice: BackendChoice
  source: BackendSelection['source']
} {
  const fromEnv = process.env.NORD_BACKEND?.trim()
  const issues = new IssueList()
  if (fromEnv && !isChoice(fromEnv)) {
    issues.add('NORD_BACKEND', mustBeChoice(fromEnv))
  }
  if (options.backend !== undefined && !isChoice(options.backend)) {
    issues.add('backend', mustBeChoice(options.backend))
  }
  issues.throwIfAny('the backend choice')

  if (fromEnv) return { choice: fromEnv as BackendChoice, source: 'env' }
  if (options.backend) return { choice: options.backend, source: 'option' }
  return { choice: 'auto', source: 'default' }
}

function isChoice(value: unknown): value is BackendChoice {
  return BACKEND_CHOICES.includes(value as BackendChoice)
}

function mustBeChoice(value: unknown): string {
  return `must be one of ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(value)}`
}

/** Loads the first native binding present and activates its backend. */
async function startNativeBackend(
  skipped: BackendSelection['skipped'],
): Promise<string | undefined> {
  for (const name of NATIVE_BACKEND_PACKAGES) {
    const path = resolvePackage(name)
    if (!path) continue

    try {
      createRequire(import.meta.url)(path)
    } catch (error) {
      skipped.push({ backend: name, reason: errorMessage(error) })
      continue
    }
    if (await startBackend('tensorflow', skipped, name)) return name
  }
  return undefined
}

/**
 * Resolves the entry file of package `name` from the user's project (the
 * current directory), then from nord. Returns undefined when neither has it.
 */
export function resolvePackage(name: string): string | undefined {
  const bases = [join(process.cwd(), 'noop.js'), import.meta.url]
  for (const base of bases) {
    try {
      return createRequire(base).resolve(name)
    } catch {
      // Not installed where this base looks, so try the next one.
    }
  }
  return undefined
}

async function startBackend(
  name: string,
  skipped: BackendSelection['skipped'],
  label = name,
): Promise<boolean> {
  try {
    if (await tf.setBackend(name)) {
      await tf.ready()
      return true
    }
    skipped.push({ backend: label, reason: 'the backend failed to start' })
  } catch (error) {
    skipped.push({ backend: label, reason: errorMessage(error) })
  }
  return false
}

function nativeMissingError(
  skipped: BackendSelection['skipped'],
): NordBackendError {
  if (skipped.length > 0) return startError('tensorflow', skipped)
  return new NordBackendError(
    "backend 'tensorflow' needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu, and neither is installed",
    {
      value: 'tensorflow',
      hint: 'Install @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu with CUDA) in your project, or choose backend wasm or cpu',
    },
  )
}

function startError(
  name: string,
  skipped: BackendSelection['skipped'],
): NordBackendError {
  const reasons = skipped.map((entry) => `${entry.backend}: ${entry.reason}`)
  return new NordBackendError(
    `backend '${name}' failed to start (${reasons.join('; ')})`,
    {
      value: name,
      hint: 'Choose another backend with NORD_BACKEND or the backend option',
    },
  )
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
