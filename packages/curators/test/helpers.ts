import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Logger } from '@nord/core'
import { onTestFinished } from 'vitest'

/** The folder of Debian's dataset-fashion-mnist package. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist'

/** Builds an IDX image file (magic 0x00000803) whose pixel i of image n is `pixel(n, i)`. */
export function idxImages(
  count: number,
  rows: number,
  columns: number,
  pixel: (image: number, index: number) => number = (image, index) =>
    (image * 7 + index) % 256,
): Buffer {
  const header = Buffer.alloc(16)
  header.writeUInt32BE(0x00000803, 0)
  header.writeUInt32BE(count, 4)
  header.writeUInt32BE(rows, 8)
  header.writeUInt32BE(columns, 12)
  const size = rows * columns
  const data = Buffer.alloc(count * size)
  for (let image = 0; image < count; image++) {
    for (let index = 0; index < size; index++) {
      data[image * size + index] = pixel(image, index)
    }
  }
  return Buffer.concat([header, data])
}

/** Builds an IDX label file (magic 0x00000801). */
export function idxLabels(labels: number[]): Buffer {
  const header = Buffer.alloc(8)
  header.writeUInt32BE(0x00000801, 0)
  header.writeUInt32BE(labels.length, 4)
  return Buffer.concat([header, Buffer.from(labels)])
}

/** Labels 0..classes-1 repeated, so that each class has `count / classes` samples. */
export function cyclicLabels(count: number, classes = 10): number[] {
  return Array.from({ length: count }, (_, index) => index % classes)
}

export interface IdxFolderSpec {
  train: number
  test: number
  rows?: number
  columns?: number
  gzip?: boolean
}

/**
 * Writes the four IDX files of a small dataset into `dir`. Image n of a split
 * has the first pixel `(7 * n) % 256` (distinct for up to 256 images) and
 * the label `n % 10`, so tests can trace samples.
 */
export async function writeIdxFolder(
  dir: string,
  spec: IdxFolderSpec,
): Promise<void> {
  const rows = spec.rows ?? 4
  const columns = spec.columns ?? 4
  const encode = (bytes: Buffer) => (spec.gzip ? gzipSync(bytes) : bytes)
  const suffix = spec.gzip ? '.gz' : ''
  const files: [string, Buffer][] = [
    ['train-images-idx3-ubyte', idxImages(spec.train, rows, columns)],
    ['train-labels-idx1-ubyte', idxLabels(cyclicLabels(spec.train))],
    ['t10k-images-idx3-ubyte', idxImages(spec.test, rows, columns)],
    ['t10k-labels-idx1-ubyte', idxLabels(cyclicLabels(spec.test))],
  ]
  for (const [name, bytes] of files) {
    await writeFile(join(dir, name + suffix), encode(bytes))
  }
}

/** Creates a temporary folder; call `removeDir` when done with it. */
export function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'nord-curators-'))
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true })
}

/** Creates a temporary folder that is removed when the current test ends. */
export async function temporaryDir(): Promise<string> {
  const dir = await makeTempDir()
  onTestFinished(() => removeDir(dir))
  return dir
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error'
  message: string
  fields: Record<string, unknown> | undefined
}

/** Creates a logger that records every entry for assertions. */
export function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = []
  const record =
    (level: LogEntry['level']) =>
    (message: string, fields?: Record<string, unknown>) => {
      entries.push({ level, message, fields })
    }
  return {
    entries,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  }
}

/** Lookup settings that see nothing of this machine: no variables, an empty home, no system folders. */
export function isolatedLookup(home: string) {
  return { env: {}, homeDir: home, systemDirs: [] }
}

/** Counts each value of `labels`. */
export function labelCounts(labels: ArrayLike<number>, classes = 10): number[] {
  const counts = new Array<number>(classes).fill(0)
  for (let index = 0; index < labels.length; index++) {
    counts[labels[index]!]! += 1
  }
  return counts
}

/** True when two typed arrays hold the same bytes; faster than a deep equality on large arrays. */
export function sameBytes(
  a: Uint8Array | Float32Array,
  b: Uint8Array | Float32Array,
): boolean {
  const left = Buffer.from(a.buffer, a.byteOffset, a.byteLength)
  const right = Buffer.from(b.buffer, b.byteOffset, b.byteLength)
  return left.equals(right)
}
