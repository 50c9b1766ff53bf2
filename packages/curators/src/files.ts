import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { DataErrorCode, NordDataError } from './errors.js'

const gunzipAsync = promisify(gunzip)

/** The contents of a data file, decompressed when it was gzip. */
export interface DataFileContents {
  /** The uncompressed bytes. */
  bytes: Buffer
  /** True when the file started with the gzip signature and was decompressed. */
  gzip: boolean
}

/** True when `bytes` starts with the gzip signature `1f 8b`. */
export function hasGzipSignature(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

/**
 * Reads a data file and decompresses it when it starts with the gzip
 * signature. The file name plays no part, so `x.gz` containing raw bytes and
 * `x` containing gzip data both read correctly.
 */
export async function readDataFile(path: string): Promise<DataFileContents> {
  const raw = await readRaw(path)
  if (!hasGzipSignature(raw)) return { bytes: raw, gzip: false }

  try {
    return { bytes: await gunzipAsync(raw), gzip: true }
  } catch (error) {
    throw gzipError(path, error)
  }
}

async function readRaw(path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new NordDataError(
        DataErrorCode.notFound,
        `${path}: file not found`,
        {
          file: path,
          value: path,
          hint: 'Check the path, or let nord look the dataset up by leaving dataDir unset',
          cause: error,
        },
      )
    }
    throw error
  }
}

/** Turns a zlib failure into a coded error: an early end means truncation. */
function gzipError(path: string, error: unknown): NordDataError {
  const reason = error instanceof Error ? error.message : String(error)
  const zlibCode = (error as { code?: unknown }).code
  const truncated =
    zlibCode === 'Z_BUF_ERROR' || /unexpected end of file/i.test(reason)
  if (truncated) {
    return new NordDataError(
      DataErrorCode.truncated,
      `${path}: the gzip data ends early (${reason})`,
      {
        file: path,
        hint: 'The file is truncated. Download it again',
        cause: error,
      },
    )
  }
  return new NordDataError(
    DataErrorCode.format,
    `${path}: the file starts with the gzip signature but is not valid gzip data (${reason})`,
    {
      file: path,
      hint: 'The file is corrupt. Download it again',
      cause: error,
    },
  )
}
