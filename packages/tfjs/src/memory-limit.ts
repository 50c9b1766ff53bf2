import { constants as bufferConstants } from 'node:buffer'
import { totalmem } from 'node:os'
import { IssueList } from '@nord/core'
import { NordResourceError } from './errors.js'
import type { MemoryEstimate } from './memory.js'

/**
 * The wasm heap's maximum in bytes: `getHeapMax()` in
 * tfjs-backend-wasm 4.22.0's dist/tf-backend-wasm.node.js, 4 GiB minus one
 * 64 KiB page. The .wasm binaries declare a maximum of 65536 pages.
 */
export const WASM_HEAP_MAX = 4_294_901_760

/**
 * The default limit on the wasm backend: half the heap's maximum. The heap
 * never shrinks, freed blocks can be too fragmented for a large tensor, and
 * when an allocation fails tfjs-backend-wasm 4.22.0 writes through a null
 * pointer, which breaks the heap for the rest of the process.
 */
export const WASM_DEFAULT_MEMORY_LIMIT = 2 * 1024 ** 3

/**
 * The maximum number of values in one typed array in this Node.js, which
 * bounds a single tensor on the cpu backend. V8 uses the same maximum for
 * `Buffer` and typed arrays: 2^32 in Node.js 20.20.
 */
export const MAX_TYPED_ARRAY_LENGTH = bufferConstants.MAX_LENGTH

/**
 * Returns the default memory limit in bytes for a backend: 2 GiB on `wasm`,
 * and half of the machine's memory (`os.totalmem()`) on the others, where
 * tensors live in the process's own memory.
 */
export function defaultMemoryLimit(backend: string): number {
  if (backend === 'wasm') return WASM_DEFAULT_MEMORY_LIMIT
  return Math.floor(totalmem() / 2)
}

/** The memory limit that applies and where it came from. */
export interface MemoryLimit {
  /** Bytes; `Infinity` turns the check off. */
  bytes: number
  source: 'option' | 'env' | 'default'
}

/**
 * Resolves the memory limit: `NORD_MEMORY_LIMIT` (bytes) when set, else the
 * `memoryLimit` option, else the backend's default.
 *
 * @throws NordValidationError (`NORD_ERR_INVALID_OPTION`) for a value that
 *   is not a positive number of bytes.
 */
export function resolveMemoryLimit(
  option: number | undefined,
  backend: string,
): MemoryLimit {
  const issues = new IssueList()
  const fromEnv = process.env.NORD_MEMORY_LIMIT?.trim()
  const envBytes = fromEnv ? Number(fromEnv) : undefined
  if (fromEnv && !isMemoryLimit(envBytes)) {
    issues.add('NORD_MEMORY_LIMIT', mustBeBytes(fromEnv))
  }
  if (option !== undefined && !isMemoryLimit(option)) {
    issues.add('memoryLimit', mustBeBytes(option))
  }
  issues.throwIfAny('the memory limit')

  if (envBytes !== undefined) return { bytes: envBytes, source: 'env' }
  if (option !== undefined) return { bytes: option, source: 'option' }
  return { bytes: defaultMemoryLimit(backend), source: 'default' }
}

/** True for a positive whole number of bytes or `Infinity`. */
export function isMemoryLimit(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    value > 0 &&
    (Number.isSafeInteger(value) || value === Number.POSITIVE_INFINITY)
  )
}

function mustBeBytes(value: unknown): string {
  return `must be a positive integer of bytes or Infinity, got ${JSON.stringify(value)}`
}

/**
 * Rejects a network whose estimate exceeds the limit, or whose largest
 * tensor exceeds the typed-array maximum on the cpu backend.
 *
 * @throws NordResourceError (`NORD_ERR_RESOURCE`).
 */
export function checkMemory(
  estimate: MemoryEstimate,
  limit: MemoryLimit,
  backend: string,
): void {
  const { largestTensor } = estimate
  if (backend === 'cpu' && largestTensor.values > MAX_TYPED_ARRAY_LENGTH) {
    throw new NordResourceError(
      `training needs a tensor of ${largestTensor.values} values in layer '${largestTensor.layer}', more than the ${MAX_TYPED_ARRAY_LENGTH} a typed array can hold in Node.js ${process.versions.node}`,
      estimate,
      limit.bytes,
      'Use a smaller network or a smaller batchSize',
    )
  }
  if (estimate.total <= limit.bytes) return

  const contributors = estimate.layers
    .slice(0, 3)
    .map((layer) => `${layer.name} ${formatBytes(layer.bytes)}`)
  throw new NordResourceError(
    `training needs an estimated ${formatBytes(estimate.total)}, more than the memory limit of ${formatBytes(limit.bytes)} on backend '${backend}' (${limitOrigin(limit)}); the largest layers are ${contributors.join(', ')}`,
    estimate,
    limit.bytes,
    'Use a smaller network or a smaller batchSize, or raise memoryLimit (or NORD_MEMORY_LIMIT)',
  )
}

function limitOrigin(limit: MemoryLimit): string {
  if (limit.source === 'env') return 'from NORD_MEMORY_LIMIT'
  if (limit.source === 'option') return 'from the memoryLimit option'
  return "the backend's default"
}

/** Formats bytes with a binary unit, such as `1.50 GiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes)
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(2)} ${units[unit]}`
}
