/**
 * The binary version of CIFAR-10: each batch file is a sequence of 3073-byte
 * records, one label byte followed by a 32x32 image stored channel by channel
 * (1024 red, 1024 green, 1024 blue bytes, each plane row-major). The official
 * files hold 10,000 records each. `batches.meta.txt` lists the class names,
 * one a line.
 */
import { readFile } from 'node:fs/promises'
import { DataErrorCode, NordDataError } from './errors.js'
import { readDataFile } from './files.js'

export const CIFAR10_SIZE = 32
export const CIFAR10_CHANNELS = 3
export const CIFAR10_CLASSES = 10
const PLANE_BYTES = CIFAR10_SIZE * CIFAR10_SIZE
const IMAGE_BYTES = PLANE_BYTES * CIFAR10_CHANNELS

/** The bytes of one record: a label byte and a 3072-byte image. */
export const CIFAR10_RECORD_BYTES = 1 + IMAGE_BYTES

/** The class names of CIFAR-10 in label order, used when `batches.meta.txt` is absent. */
export const CIFAR10_CLASS_NAMES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
]

/** The records of one or more batch files, images converted to NHWC. */
export interface Cifar10Batch {
  count: number
  /** `count * 32 * 32 * 3` bytes in NHWC order (pixel by pixel, RGB). */
  images: Uint8Array
  labels: Uint8Array
}

/** Parses the decompressed bytes of one batch file and converts it to NHWC. */
export function parseCifar10Batch(
  bytes: Uint8Array,
  file: string,
): Cifar10Batch {
  checkBatchSize(bytes.length, file)

  const count = bytes.length / CIFAR10_RECORD_BYTES
  const images = new Uint8Array(count * IMAGE_BYTES)
  const labels = new Uint8Array(count)
  for (let record = 0; record < count; record++) {
    const start = record * CIFAR10_RECORD_BYTES
    labels[record] = readLabel(bytes, start, record, file)
    planarToInterleaved(bytes, start + 1, images, record * IMAGE_BYTES)
  }
  return { count, images, labels }
}

/** Reads one batch file, raw or gzip (detected by its signature). */
export async function readCifar10Batch(path: string): Promise<Cifar10Batch> {
  const contents = await readDataFile(path)
  return parseCifar10Batch(contents.bytes, path)
}

/** Joins batches in order, as the five training batches form the train split. */
export function concatCifar10Batches(batches: Cifar10Batch[]): Cifar10Batch {
  const count = batches.reduce((sum, batch) => sum + batch.count, 0)
  const images = new Uint8Array(count * IMAGE_BYTES)
  const labels = new Uint8Array(count)
  let offset = 0
  for (const batch of batches) {
    images.set(batch.images, offset * IMAGE_BYTES)
    labels.set(batch.labels, offset)
    offset += batch.count
  }
  return { count, images, labels }
}

/** Parses `batches.meta.txt`: ten non-empty lines, the class names in label order. */
export function parseCifar10ClassNames(text: string, file: string): string[] {
  const names = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
  if (names.length !== CIFAR10_CLASSES) {
    throw new NordDataError(
      DataErrorCode.format,
      `${file}: expected ${CIFAR10_CLASSES} class names, one a line, found ${names.length}`,
      {
        file,
        value: names,
        hint: 'Restore the file from the CIFAR-10 archive or delete it to use the built-in names',
      },
    )
  }
  return names
}

/** Reads `batches.meta.txt`, or returns undefined when the file does not exist. */
export async function readCifar10ClassNames(
  path: string,
): Promise<string[] | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  return parseCifar10ClassNames(text, path)
}

function checkBatchSize(length: number, file: string): void {
  if (length > 0 && length % CIFAR10_RECORD_BYTES === 0) return

  const whole = Math.floor(length / CIFAR10_RECORD_BYTES)
  const message =
    length === 0
      ? `${file}: the file is empty, expected records of ${CIFAR10_RECORD_BYTES} bytes`
      : `${file}: ${length} bytes is not a multiple of the ${CIFAR10_RECORD_BYTES}-byte record ` +
        `(${whole} whole records and ${length - whole * CIFAR10_RECORD_BYTES} bytes left over)`
  throw new NordDataError(DataErrorCode.truncated, message, {
    file,
    value: length,
    hint: 'The file is truncated or not a CIFAR-10 binary batch. Extract it again from cifar-10-binary.tar.gz',
  })
}

function readLabel(
  bytes: Uint8Array,
  offset: number,
  record: number,
  file: string,
): number {
  const label = bytes[offset]!
  if (label < CIFAR10_CLASSES) return label

  throw new NordDataError(
    DataErrorCode.format,
    `${file}: record ${record} has label ${label}, expected 0 to ${CIFAR10_CLASSES - 1}`,
    {
      file,
      value: label,
      hint: 'The file is not a CIFAR-10 binary batch (CIFAR-100 files have two label bytes) or it is damaged',
    },
  )
}

/** Copies one image from channel planes (CHW) to interleaved pixels (HWC). */
function planarToInterleaved(
  source: Uint8Array,
  sourceOffset: number,
  target: Uint8Array,
  targetOffset: number,
): void {
  for (let pixel = 0; pixel < PLANE_BYTES; pixel++) {
    const out = targetOffset + pixel * CIFAR10_CHANNELS
    target[out] = source[sourceOffset + pixel]!
    target[out + 1] = source[sourceOffset + PLANE_BYTES + pixel]!
    target[out + 2] = source[sourceOffset + 2 * PLANE_BYTES + pixel]!
  }
}
