/**
 * The IDX format of MNIST and Fashion-MNIST: a 4-byte magic number (two zero
 * bytes, a dtype byte, a dimension count), one big-endian uint32 per
 * dimension, then the values in row-major order. nord reads unsigned-byte
 * files only: images with magic 0x00000803 (count, rows, columns) and labels
 * with magic 0x00000801 (count).
 */
import { DataErrorCode, NordDataError } from './errors.js'
import { readDataFile } from './files.js'

/** The dtype byte of unsigned-byte IDX data. */
const UBYTE = 0x08

const DTYPE_NAMES: Record<number, string> = {
  8: 'unsigned byte',
  9: 'signed byte',
  11: 'int16',
  12: 'int32',
  13: 'float32',
  14: 'float64',
}

/** The images of one IDX file, one byte per pixel. */
export interface IdxImages {
  file: string
  count: number
  rows: number
  columns: number
  /** `count * rows * columns` bytes, image after image, each row-major. */
  pixels: Uint8Array
}

/** The labels of one IDX file. */
export interface IdxLabels {
  file: string
  count: number
  labels: Uint8Array
}

/** The source of a file's bytes, for error messages. */
interface Origin {
  file: string
  /** True when the bytes were decompressed from gzip. */
  gzip: boolean
}

interface IdxHeader {
  dimensions: number[]
  /** The byte offset of the first value. */
  dataOffset: number
}

/** Parses an IDX image file (magic 0x00000803) that is already decompressed. */
export function parseIdxImages(bytes: Uint8Array, origin: Origin): IdxImages {
  const header = parseHeader(bytes, origin, 3, 'images')
  const [count, rows, columns] = header.dimensions as [number, number, number]
  const expected = header.dataOffset + count * rows * columns
  checkSize(bytes, origin, expected, `${count} images of ${rows}x${columns}`)

  const pixels = view(bytes, header.dataOffset, count * rows * columns)
  return { file: origin.file, count, rows, columns, pixels }
}

/**
 * Parses an IDX label file (magic 0x00000801) that is already decompressed.
 * With `classes`, every label must be below it.
 */
export function parseIdxLabels(
  bytes: Uint8Array,
  origin: Origin,
  classes?: number,
): IdxLabels {
  const header = parseHeader(bytes, origin, 1, 'labels')
  const [count] = header.dimensions as [number]
  checkSize(bytes, origin, header.dataOffset + count, `${count} labels`)

  const labels = view(bytes, header.dataOffset, count)
  if (classes !== undefined) checkLabelRange(labels, classes, origin.file)
  return { file: origin.file, count, labels }
}

/** Reads an IDX image file, raw or gzip (detected by its signature). */
export async function readIdxImages(path: string): Promise<IdxImages> {
  const contents = await readDataFile(path)
  return parseIdxImages(contents.bytes, { file: path, gzip: contents.gzip })
}

/** Reads an IDX label file, raw or gzip (detected by its signature). */
export async function readIdxLabels(
  path: string,
  classes?: number,
): Promise<IdxLabels> {
  const contents = await readDataFile(path)
  return parseIdxLabels(
    contents.bytes,
    { file: path, gzip: contents.gzip },
    classes,
  )
}

/**
 * Reads an image file and its label file, and checks that they have the same
 * count and that every label is below `classes`.
 */
export async function readIdxPair(
  imagesPath: string,
  labelsPath: string,
  classes: number,
): Promise<{ images: IdxImages; labels: IdxLabels }> {
  const [images, labels] = await Promise.all([
    readIdxImages(imagesPath),
    readIdxLabels(labelsPath, classes),
  ])
  if (images.count !== labels.count) {
    throw new NordDataError(
      DataErrorCode.mismatch,
      `${imagesPath} has ${images.count} images but ${labelsPath} has ${labels.count} labels`,
      {
        file: labelsPath,
        value: { images: images.count, labels: labels.count },
        hint: 'The two files come from different splits or one is damaged. Use the image and label files of the same split',
      },
    )
  }
  return { images, labels }
}

function parseHeader(
  bytes: Uint8Array,
  origin: Origin,
  dimensionCount: number,
  kind: 'images' | 'labels',
): IdxHeader {
  const expectedMagic = 0x800 | dimensionCount
  const expectedText = `${hex(expectedMagic)} for IDX ${kind}`
  if (bytes.length < 4) {
    throw truncatedError(
      origin,
      `${describeSize(origin, bytes.length)}, fewer than the 4 bytes of the IDX magic number`,
    )
  }

  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const magic = data.getUint32(0)
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw formatError(
      origin,
      `magic number ${hex(magic)} is not an IDX magic number (expected ${expectedText})`,
      'The file is not an IDX file. Check that it is the right file',
    )
  }

  const dtype = bytes[2]!
  if (dtype !== UBYTE) {
    const name = DTYPE_NAMES[dtype] ?? 'unknown'
    throw formatError(
      origin,
      `IDX dtype 0x${dtype.toString(16).padStart(2, '0')} (${name}) is not supported, expected 0x08 (unsigned byte)`,
      'nord reads unsigned-byte image and label files such as MNIST',
    )
  }

  const dimensions = bytes[3]!
  if (dimensions !== dimensionCount) {
    throw formatError(
      origin,
      `magic number ${hex(magic)} means ${dimensions} dimension${dimensions === 1 ? '' : 's'}, expected ${expectedText}`,
      `Check that the file holds ${kind}`,
    )
  }

  const dataOffset = 4 + 4 * dimensions
  if (bytes.length < dataOffset) {
    throw truncatedError(
      origin,
      `${describeSize(origin, bytes.length)}, fewer than the ${dataOffset}-byte header`,
    )
  }
  const sizes = Array.from({ length: dimensions }, (_, index) =>
    data.getUint32(4 + 4 * index),
  )
  return { dimensions: sizes, dataOffset }
}

/** Checks that the byte count equals what the header implies. */
function checkSize(
  bytes: Uint8Array,
  origin: Origin,
  expected: number,
  contents: string,
): void {
  if (bytes.length === expected) return

  const summary = `header says ${contents} = ${expected} bytes, but ${describeSize(origin, bytes.length)}`
  if (bytes.length < expected) throw truncatedError(origin, summary)
  throw formatError(
    origin,
    summary,
    'The file has extra bytes after the data, so it is damaged or not an IDX file. Download it again',
  )
}

function checkLabelRange(
  labels: Uint8Array,
  classes: number,
  file: string,
): void {
  const index = labels.findIndex((label) => label >= classes)
  if (index === -1) return

  throw new NordDataError(
    DataErrorCode.format,
    `${file}: label ${labels[index]} at index ${index} is out of range, expected 0 to ${classes - 1}`,
    {
      file,
      value: labels[index],
      hint: `The file does not belong to a ${classes}-class dataset, or it is damaged`,
    },
  )
}

function describeSize(origin: Origin, length: number): string {
  return origin.gzip
    ? `the decompressed file has ${length} bytes`
    : `the file has ${length} bytes`
}

function truncatedError(origin: Origin, summary: string): NordDataError {
  return new NordDataError(
    DataErrorCode.truncated,
    `${origin.file}: ${summary}`,
    { file: origin.file, hint: 'The file is truncated. Download it again' },
  )
}

function formatError(
  origin: Origin,
  summary: string,
  hint: string,
): NordDataError {
  return new NordDataError(DataErrorCode.format, `${origin.file}: ${summary}`, {
    file: origin.file,
    hint,
  })
}

function view(bytes: Uint8Array, offset: number, length: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + offset, length)
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`
}
