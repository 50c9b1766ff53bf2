/**
 * Finds the folder of a dataset. The order is: the `dataDir` option, the
 * `NORD_DATA_DIR` environment variable, the per-user cache, the folders that
 * system packages install into, and last the embedded Fashion-MNIST test
 * split. Each folder may contain the files directly or in a subfolder named
 * after the dataset.
 */
import { stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from '@nord/core'
import {
  DATASET_LAYOUTS,
  type DatasetName,
  EMBEDDED_FILES,
  type RequiredFile,
} from './datasets.js'
import { DataErrorCode, NordDataError } from './errors.js'

/** Overrides of what the lookup reads from the process and the system. */
export interface LookupOptions {
  /** The variables to read `NORD_DATA_DIR` and `XDG_CACHE_HOME` from; `process.env` by default. */
  env?: Record<string, string | undefined>
  /** The home folder under which `.cache` lies; `os.homedir()` by default. */
  homeDir?: string
  /** Folders searched after the cache; the dataset's system folders by default, `[]` for none. */
  systemDirs?: string[]
  /** Whether the embedded Fashion-MNIST test split may be used; true by default. */
  allowEmbedded?: boolean
}

/** The place in the lookup order where a dataset was found. */
export type DataOrigin =
  | 'dataDir'
  | 'NORD_DATA_DIR'
  | 'cache'
  | 'system'
  | 'embedded'

/** The folder and files the lookup chose. */
export interface DatasetLocation {
  origin: DataOrigin
  dir: string
  /** The path of each required file, keyed by its role (`trainImages`, `data_batch_1.bin`). */
  files: Record<string, string>
  /** True for the embedded Fashion-MNIST test split. */
  embedded: boolean
}

export interface LocateOptions extends LookupOptions {
  /** A folder that must contain the files; the lookup stops here if it does not. */
  dataDir?: string
  logger?: Logger
}

/** The folder of the embedded Fashion-MNIST copy, inside the package. */
export const EMBEDDED_DIR = fileURLToPath(
  new URL('../assets/fashion-mnist', import.meta.url),
)

/**
 * Returns the per-user cache folder of a dataset:
 * `$XDG_CACHE_HOME/nord/datasets/<name>`, or `~/.cache/nord/datasets/<name>`
 * when `XDG_CACHE_HOME` is unset or not absolute.
 */
export function datasetCacheDir(
  name: string,
  options: Pick<LookupOptions, 'env' | 'homeDir'> = {},
): string {
  const env = options.env ?? process.env
  const xdg = env.XDG_CACHE_HOME
  const root =
    xdg && isAbsolute(xdg) ? xdg : join(options.homeDir ?? homedir(), '.cache')
  return join(root, 'nord', 'datasets', name)
}

/**
 * Finds a folder that contains every file of the dataset. An explicit
 * `dataDir` that lacks any file raises `NORD_ERR_DATA_NOT_FOUND` at once.
 * Other folders that contain only some files are skipped with a warning.
 */
export async function locateDataset(
  name: DatasetName,
  options: LocateOptions = {},
): Promise<DatasetLocation> {
  const layout = DATASET_LAYOUTS[name]
  if (options.dataDir !== undefined) {
    return locateExplicit(name, options.dataDir)
  }

  const searched: string[] = []
  for (const [origin, root] of searchRoots(name, options)) {
    const match = await searchRoot(root, layout.subfolders, layout.files)
    searched.push(...match.searched)
    if (match.found) return { origin, embedded: false, ...match.found }
    if (match.partial) warnPartial(options.logger, name, origin, match.partial)
  }

  const embedded = await locateEmbedded(name, options)
  if (embedded) return embedded
  throw notFoundError(name, searched)
}

/** The folder that contains all files, or the missing files of the fullest folder. */
interface RootMatch {
  found?: { dir: string; files: Record<string, string> }
  partial?: { dir: string; missing: string[] }
  searched: string[]
}

async function locateExplicit(
  name: DatasetName,
  dataDir: string,
): Promise<DatasetLocation> {
  const layout = DATASET_LAYOUTS[name]
  const match = await searchRoot(dataDir, layout.subfolders, layout.files)
  if (match.found) {
    return { origin: 'dataDir', embedded: false, ...match.found }
  }

  const missing = match.partial?.missing ?? layout.files.map(describeFile)
  const dir = match.partial?.dir ?? dataDir
  throw new NordDataError(
    DataErrorCode.notFound,
    `dataDir ${dataDir}: the ${name} files are missing from ${dir}: ${missing.join(', ')}`,
    {
      file: dir,
      value: dataDir,
      hint: `Put the files in that folder (or in a subfolder ${layout.subfolders.join(' or ')}), or leave dataDir unset to search the usual places`,
    },
  )
}

function searchRoots(
  name: DatasetName,
  options: LocateOptions,
): [DataOrigin, string][] {
  const env = options.env ?? process.env
  const roots: [DataOrigin, string][] = []
  const fromEnv = env.NORD_DATA_DIR
  if (fromEnv) roots.push(['NORD_DATA_DIR', fromEnv])
  roots.push(['cache', datasetCacheDir(name, options)])
  const systemDirs = options.systemDirs ?? DATASET_LAYOUTS[name].systemDirs
  for (const dir of systemDirs) roots.push(['system', dir])
  return roots
}

/** Checks `root` and then each of its `subfolders`, returning the first complete one. */
async function searchRoot(
  root: string,
  subfolders: string[],
  required: RequiredFile[],
): Promise<RootMatch> {
  const searched: string[] = []
  let partial: RootMatch['partial']
  for (const dir of [root, ...subfolders.map((sub) => join(root, sub))]) {
    searched.push(dir)
    const { files, missing } = await findFiles(dir, required)
    if (missing.length === 0) return { found: { dir, files }, searched }

    const fuller = !partial || missing.length < partial.missing.length
    if (missing.length < required.length && fuller) partial = { dir, missing }
  }
  return { searched, ...(partial ? { partial } : {}) }
}

/** Maps each required file to its first existing name in `dir`. */
async function findFiles(
  dir: string,
  required: RequiredFile[],
): Promise<{ files: Record<string, string>; missing: string[] }> {
  const files: Record<string, string> = {}
  const missing: string[] = []
  for (const file of required) {
    const path = await firstExisting(dir, file.names)
    if (path) files[file.key] = path
    else missing.push(describeFile(file))
  }
  return { files, missing }
}

async function firstExisting(
  dir: string,
  names: string[],
): Promise<string | undefined> {
  for (const name of names) {
    const path = join(dir, name)
    if (await isFile(path)) return path
  }
  return undefined
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

async function locateEmbedded(
  name: DatasetName,
  options: LocateOptions,
): Promise<DatasetLocation | undefined> {
  if (name !== 'fashion-mnist' || options.allowEmbedded === false) {
    return undefined
  }
  const { files, missing } = await findFiles(EMBEDDED_DIR, EMBEDDED_FILES)
  if (missing.length > 0) return undefined
  return { origin: 'embedded', dir: EMBEDDED_DIR, files, embedded: true }
}

function describeFile(file: RequiredFile): string {
  return file.names.join(' or ')
}

function warnPartial(
  logger: Logger | undefined,
  name: DatasetName,
  origin: DataOrigin,
  partial: { dir: string; missing: string[] },
): void {
  logger?.warn(
    `${partial.dir} has some ${name} files but lacks ${partial.missing.join(', ')}, so it is skipped`,
    { dataset: name, origin, dir: partial.dir, missing: partial.missing },
  )
}

function notFoundError(name: DatasetName, searched: string[]): NordDataError {
  const layout = DATASET_LAYOUTS[name]
  const expected = layout.files.map(describeFile).join(', ')
  return new NordDataError(
    DataErrorCode.notFound,
    `${name} not found. Expected ${expected} in one of: ${searched.join(', ')}`,
    { value: searched, hint: fetchHint(name) },
  )
}

function fetchHint(name: DatasetName): string {
  if (name === 'cifar10') {
    return 'Download cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html, extract it and pass its folder as --data-dir or NORD_DATA_DIR'
  }
  return `Run downloadDataset('${name}') from @nord/curators, or pass a folder with the files as --data-dir or NORD_DATA_DIR`
}
