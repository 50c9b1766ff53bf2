import { isNordError } from '@nord/core'
import * as tf from '@tensorflow/tfjs-core'
import { NordBackendError, NordTrainingError } from './errors.js'

const WASM = 'wasm'

/**
 * Carries an error thrown by the caller's `onEpochEnd`, which
 * `toTrainingError` passes through unchanged: it is no training failure.
 */
export class CallbackFailure {
  constructor(readonly error: unknown) {}
}

/** Set when the wasm backend broke and could not be reset. */
let wasmBroken: unknown

/**
 * Runs a synchronous section that creates tensors and, when it throws,
 * disposes every tensor it created that is still alive. This covers the
 * tensors that tfjs-core 4.22.0 keeps for the gradient tape and never frees
 * when a kernel throws inside `optimizer.minimize`.
 */
export function disposeOnThrow<T>(section: () => T): T {
  const engine = tf.engine()
  const created: tf.Tensor[] = []
  const track = engine.trackTensor
  engine.trackTensor = function trackAndRecord(tensor, backend) {
    created.push(tensor)
    return track.call(this, tensor, backend)
  }

  try {
    return section()
  } catch (error) {
    engine.trackTensor = track
    abandonHeapIfBroken(error)
    disposeQuietly(created)
    throw error
  } finally {
    engine.trackTensor = track
  }
}

/** The parts of tfjs-backend-wasm 4.22.0's module that free heap memory. */
interface WasmModule {
  _free(pointer: number): void
  tfjs: { disposeData(id: number): void; dispose(): void }
}

/**
 * When `error` suggests a corrupt wasm heap, turns the active wasm backend's
 * frees into no-ops, so that disposing tensors only updates tfjs-core's
 * bookkeeping. Freeing into a corrupt heap can trap halfway and leave tensors
 * counted forever, and the heap is dropped by the reset anyway.
 */
export function abandonHeapIfBroken(error: unknown): void {
  if (tf.getBackend() !== WASM || !isHeapSuspect(error)) return
  const module = (tf.backend() as unknown as { wasm?: WasmModule }).wasm
  if (!module) return

  const skip = () => {}
  module._free = skip
  module.tfjs.disposeData = skip
  module.tfjs.dispose = skip
}

/**
 * True for the errors that a failed allocation in the wasm backend raises: a
 * `WebAssembly.RuntimeError` (a trap or an emscripten abort) or a
 * `RangeError` from a heap view out of bounds.
 */
function isHeapSuspect(error: unknown): boolean {
  return isWasmRuntimeError(error) || error instanceof RangeError
}

/** Disposes tensors, ignoring failures of a backend that is already broken. */
export function disposeQuietly(tensors: Iterable<{ dispose(): void }>): void {
  for (const tensor of tensors) {
    try {
      tensor.dispose()
    } catch {
      // A broken wasm heap can trap while freeing; the reset drops it anyway.
    }
  }
}

/**
 * Raises `NORD_ERR_BACKEND` when the wasm backend is active but broke earlier
 * in this process and could not be reset.
 */
export function throwIfBackendBroken(backend: string): void {
  if (backend !== WASM || wasmBroken === undefined) return
  throw new NordBackendError(
    'the wasm heap is broken by an earlier failure and could not be reset',
    {
      value: WASM,
      cause: wasmBroken,
      hint: 'Restart the process, or choose another backend with NORD_BACKEND',
    },
  )
}

/**
 * Turns a failure inside training into a nord error. Nord errors and errors
 * of the caller's callback pass through. Other errors become
 * `NORD_ERR_TRAINING` with the original as `cause`. A
 * `WebAssembly.RuntimeError` (such as an out-of-bounds memory access) or a
 * `RangeError` (a heap view out of bounds) on wasm may mean a corrupt heap.
 * The backend is then replaced by a fresh instance, or marked broken when
 * that fails.
 */
export async function toTrainingError(
  error: unknown,
  backend: string,
): Promise<unknown> {
  if (error instanceof CallbackFailure) return error.error
  if (isNordError(error)) return error

  const heapSuspect = backend === WASM && isHeapSuspect(error)
  let recovery = ''
  if (heapSuspect) {
    const reset = await resetWasmBackend()
    recovery = reset
      ? '; the wasm backend was reset, so later trainings start on a fresh heap'
      : '; the wasm heap is broken and later trainings on wasm fail until the process restarts'
  }

  const message = error instanceof Error ? error.message : String(error)
  return new NordTrainingError(
    `training failed on backend '${backend}': ${message}${recovery}`,
    error,
    'The network most likely needs more memory than the backend has: use a smaller network or batchSize, or lower memoryLimit so that the estimate rejects it first',
  )
}

/**
 * Replaces the wasm backend by a fresh instance with a new heap, through the
 * factory that tfjs-backend-wasm registered. Every tensor still on the old
 * backend is lost. Returns false, and marks wasm broken, when that fails.
 *
 * NOTE: a training running at the same time on wasm loses its tensors and
 * fails too.
 */
async function resetWasmBackend(): Promise<boolean> {
  const entry = tf.engine().registryFactory[WASM]
  if (!entry) {
    wasmBroken = new Error('the wasm backend factory is not registered')
    return false
  }

  try {
    tf.removeBackend(WASM)
    tf.registerBackend(WASM, entry.factory, entry.priority)
    if (!(await tf.setBackend(WASM))) throw new Error('setBackend failed')
    await tf.ready()
    return true
  } catch (resetError) {
    wasmBroken = resetError
    return false
  }
}

/** True for a `WebAssembly.RuntimeError`: a trap, or an abort of the emscripten runtime. */
function isWasmRuntimeError(error: unknown): boolean {
  const runtime = globalThis as {
    WebAssembly?: { RuntimeError?: new () => Error }
  }
  const RuntimeError = runtime.WebAssembly?.RuntimeError
  return RuntimeError !== undefined && error instanceof RuntimeError
}
