import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { IssueList, type Logger } from '@nord/core'
import { DOWNLOADS, type IdxDatasetName } from './datasets.js'
import { DataErrorCode, NordDataError } from './errors.js'
import { datasetCacheDir, type LookupOptions } from './lookup.js'

/** Options of `downloadDataset`. */
export interface DownloadOptions {
  /** The URL the files are fetched from as `<baseUrl>/<file>`; the dataset's upstream mirror by default. */
  baseUrl?: string
  /** The folder to write to; the dataset's per-user cache folder by default, where the lookup finds it. */
  dir?: string
  /** The fetch implementation; the global `fetch` by default. */
  fetch?: typeof fetch
  /** Whether to fetch files again even when a verified copy is already in `dir`; false by default. */
  force?: boolean
  logger?: Logger
  /** Overrides of the variables and home folder that decide the default `dir`. */
  lookup?: Pick<LookupOptions, 'env' | 'homeDir'>
  /** A signal that aborts the download in progress. */
  signal?: AbortSignal
}

/** One file of a finished download. */
export interface DownloadedFile {
  name: string
  path: string
  /** The verified SHA-256 digest, lowercase hex. */
  sha256: string
  /** False when a verified copy was already present and was kept. */
  downloaded: boolean
}

export interface DownloadResult {
  name: IdxDatasetName
  dir: string
  files: DownloadedFile[]
}

let temporaryCounter = 0

/**
 * Downloads the four IDX files of MNIST or Fashion-MNIST into `dir` and
 * verifies each against SHA-256 digests built into this package. A file is
 * written under a temporary name and renamed only after it is verified, so
 * `dir` never contains a partial or corrupt file under the real name. Raises
 * `NORD_ERR_DATA_CHECKSUM` on a digest mismatch and `NORD_ERR_DATA_DOWNLOAD`
 * when a request fails.
 */
export async function downloadDataset(
  name: IdxDatasetName,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  checkDownloadOptions(name, options)
  const spec = DOWNLOADS[name]
  const dir = options.dir ?? datasetCacheDir(name, options.lookup)
  const baseUrl = (options.baseUrl ?? spec.baseUrl).replace(/\/+$/, '')
  await mkdir(dir, { recursive: true })

  const files: DownloadedFile[] = []
  for (const [file, digests] of Object.entries(spec.sha256)) {
    const target = {
      file,
      path: join(dir, file),
      url: `${baseUrl}/${file}`,
      digests,
    }
    files.push(await downloadFile(target, options))
  }
  return { name, dir, files }
}

interface DownloadTarget {
  file: string
  path: string
  url: string
  /** Accepted SHA-256 digests. */
  digests: string[]
}

async function downloadFile(
  target: DownloadTarget,
  options: DownloadOptions,
): Promise<DownloadedFile> {
  const existing = options.force ? undefined : await hashFile(target.path)
  if (existing !== undefined && target.digests.includes(existing)) {
    options.logger?.info(`${target.path} is present and verified, skipping`, {
      file: target.file,
    })
    return {
      name: target.file,
      path: target.path,
      sha256: existing,
      downloaded: false,
    }
  }
  if (existing !== undefined) {
    options.logger?.warn(
      `${target.path} has SHA-256 ${existing}, not the expected digest, so it is downloaded again`,
      { file: target.file, sha256: existing },
    )
  }

  options.logger?.info(`downloading ${target.url}`, { file: target.file })
  const temporary = `${target.path}.${process.pid}-${++temporaryCounter}.partial`
  try {
    const sha256 = await fetchToFile(target, temporary, options)
    verifyDigest(target, sha256)
    await rename(temporary, target.path)
    return { name: target.file, path: target.path, sha256, downloaded: true }
  } finally {
    await rm(temporary, { force: true })
  }
}

/** Streams the response body into `temporary` and returns its SHA-256 digest. */
async function fetchToFile(
  target: DownloadTarget,
  temporary: string,
  options: DownloadOptions,
): Promise<string> {
  const fetchImpl = options.fetch ?? globalThis.fetch
  const init = options.signal ? { signal: options.signal } : {}
  let response: Response
  try {
    response = await fetchImpl(target.url, init)
  } catch (error) {
    throw downloadError(target, `the request failed (${reason(error)})`, error)
  }
  if (!response.ok || !response.body) {
    throw downloadError(
      target,
      `the server responded with HTTP ${response.status} ${response.statusText}`,
    )
  }

  const hash = createHash('sha256')
  const handle = await open(temporary, 'w')
  let received = 0
  try {
    for await (const chunk of response.body) {
      hash.update(chunk)
      await handle.write(chunk)
      received += chunk.byteLength
    }
  } catch (error) {
    const message = `the connection failed after ${received} bytes (${reason(error)})`
    throw downloadError(target, message, error)
  } finally {
    await handle.close()
  }
  return hash.digest('hex')
}

function verifyDigest(target: DownloadTarget, actual: string): void {
  if (target.digests.includes(actual)) return
  throw new NordDataError(
    DataErrorCode.checksum,
    `${target.file} from ${target.url}: SHA-256 is ${actual}, expected ${target.digests.join(' or ')}`,
    {
      file: target.file,
      value: actual,
      hint: 'The download is corrupt or truncated, or the server has a different file. The file was deleted; try again or use another baseUrl',
    },
  )
}

/** Returns the SHA-256 digest of a file, or undefined when it does not exist. */
async function hashFile(path: string): Promise<string | undefined> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  return hash.digest('hex')
}

function downloadError(
  target: DownloadTarget,
  what: string,
  cause?: unknown,
): NordDataError {
  return new NordDataError(
    DataErrorCode.download,
    `downloading ${target.file} from ${target.url} failed: ${what}`,
    {
      file: target.file,
      value: target.url,
      hint: 'Check the network and baseUrl, then try again. Nothing was written under the file name',
      cause,
    },
  )
}

function checkDownloadOptions(name: string, options: DownloadOptions): void {
  const issues = new IssueList()
  if (!Object.hasOwn(DOWNLOADS, name)) {
    issues.add(
      'name',
      `must be one of ${Object.keys(DOWNLOADS).join(', ')}, got ${JSON.stringify(name)} (CIFAR-10 is not downloaded by nord)`,
    )
  }
  for (const key of ['baseUrl', 'dir'] as const) {
    const value = options[key]
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      issues.add(
        key,
        `must be a non-empty string, got ${JSON.stringify(value)}`,
      )
    }
  }
  if (options.baseUrl && !/^https?:\/\//.test(options.baseUrl)) {
    issues.add(
      'baseUrl',
      `must be an http or https URL, got ${JSON.stringify(options.baseUrl)}`,
    )
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    issues.add('fetch', 'must be a function with the signature of fetch')
  }
  issues.throwIfAny('downloadDataset options')
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return `${error.message}${cause}`
}
