import { IssueList, type Logger } from '@nord/core'
import type { IdxDatasetName } from './datasets.js'
import type { LookupOptions } from './lookup.js'
import type { Normalization } from './normalize.js'

/** Options shared by the file-based curators. */
export interface CuratorOptions {
  /** The seed of every random choice: subsets, the validation split, the training order. */
  seed: number
  /** A folder that must contain the dataset's files; searched for when absent. */
  dataDir?: string
  /** Training samples to keep, a stratified random subset; all when absent. */
  trainSize?: number
  /** Test samples to keep, a stratified random subset; all when absent. */
  testSize?: number
  /**
   * The validation split, carved from the training samples after `trainSize`
   * is applied: a fraction in (0, 1) or a count of samples. None when absent.
   */
  validationSize?: number
  /** `scale` (the default) maps pixels to [0, 1]; `standardize` also centres each channel on the training statistics. */
  normalize?: Normalization
  /** Receives warnings, such as the use of the embedded demo copy; warnings go to stderr when absent. */
  logger?: Logger
  /** Overrides of the environment and folders that the lookup reads. */
  lookup?: LookupOptions
}

/** Options of `createIdxCurator`. */
export interface IdxCuratorOptions extends CuratorOptions {
  name: IdxDatasetName
  /**
   * Test samples taken from the embedded 10,000-image copy when no full
   * Fashion-MNIST is found; the rest become the training split. 2,000 by
   * default.
   */
  embeddedTestSize?: number
}

/** Options of `createCifar10Curator`. */
export type Cifar10CuratorOptions = CuratorOptions

/** Curator options with defaults applied. */
export interface ResolvedCuratorOptions {
  seed: number
  dataDir: string | undefined
  trainSize: number | undefined
  testSize: number | undefined
  validationSize: number | undefined
  normalize: Normalization
  logger: Logger
  lookup: LookupOptions
}

export interface ResolvedIdxCuratorOptions extends ResolvedCuratorOptions {
  name: IdxDatasetName
  embeddedTestSize: number
}

/** Test samples of the embedded split when `embeddedTestSize` is absent. */
export const DEFAULT_EMBEDDED_TEST_SIZE = 2000

/** Images in the embedded Fashion-MNIST copy. */
export const EMBEDDED_IMAGES = 10_000

const IDX_NAMES: IdxDatasetName[] = ['fashion-mnist', 'mnist']
const NORMALIZATIONS: Normalization[] = ['scale', 'standardize']
const SHARED_KEYS = [
  'seed',
  'dataDir',
  'trainSize',
  'testSize',
  'validationSize',
  'normalize',
  'logger',
  'lookup',
]
const LOOKUP_KEYS = ['env', 'homeDir', 'systemDirs', 'allowEmbedded']

/** Validates the options of `createIdxCurator`, reporting every problem at once. */
export function resolveIdxCuratorOptions(
  options: IdxCuratorOptions,
): ResolvedIdxCuratorOptions {
  const issues = new IssueList()
  const record = asRecord(options, issues)
  checkUnknownKeys(
    record,
    [...SHARED_KEYS, 'name', 'embeddedTestSize'],
    '',
    issues,
  )
  if (!IDX_NAMES.includes(record.name as IdxDatasetName)) {
    issues.add(
      'name',
      `must be one of ${IDX_NAMES.join(', ')}, got ${describe(record.name)}`,
    )
  }
  const embeddedTestSize = record.embeddedTestSize ?? DEFAULT_EMBEDDED_TEST_SIZE
  if (
    !Number.isInteger(embeddedTestSize) ||
    (embeddedTestSize as number) < 1 ||
    (embeddedTestSize as number) >= EMBEDDED_IMAGES
  ) {
    issues.add(
      'embeddedTestSize',
      `must be an integer from 1 to ${EMBEDDED_IMAGES - 1}, got ${describe(embeddedTestSize)}`,
    )
  }

  const shared = checkShared(record, issues)
  issues.throwIfAny('createIdxCurator options')
  return {
    ...shared,
    name: record.name as IdxDatasetName,
    embeddedTestSize: embeddedTestSize as number,
  }
}

/** Validates the options of `createCifar10Curator`, reporting every problem at once. */
export function resolveCifar10CuratorOptions(
  options: Cifar10CuratorOptions,
): ResolvedCuratorOptions {
  const issues = new IssueList()
  const record = asRecord(options, issues)
  checkUnknownKeys(record, SHARED_KEYS, '', issues)
  const shared = checkShared(record, issues)
  issues.throwIfAny('createCifar10Curator options')
  return shared
}

function checkShared(
  record: Record<string, unknown>,
  issues: IssueList,
): ResolvedCuratorOptions {
  if (!Number.isSafeInteger(record.seed)) {
    issues.add('seed', `must be a safe integer, got ${describe(record.seed)}`)
  }
  if (
    record.dataDir !== undefined &&
    (typeof record.dataDir !== 'string' || record.dataDir === '')
  ) {
    issues.add(
      'dataDir',
      `must be a non-empty folder path, got ${describe(record.dataDir)}`,
    )
  }
  for (const key of ['trainSize', 'testSize']) {
    const value = record[key]
    if (value !== undefined && !isPositiveInteger(value)) {
      issues.add(key, `must be a positive integer, got ${describe(value)}`)
    }
  }
  checkValidationSize(record.validationSize, issues)
  const normalize = record.normalize ?? 'scale'
  if (!NORMALIZATIONS.includes(normalize as Normalization)) {
    issues.add(
      'normalize',
      `must be one of ${NORMALIZATIONS.join(', ')}, got ${describe(normalize)}`,
    )
  }
  checkLogger(record.logger, issues)
  checkLookup(record.lookup, issues)

  return {
    seed: record.seed as number,
    dataDir: record.dataDir as string | undefined,
    trainSize: record.trainSize as number | undefined,
    testSize: record.testSize as number | undefined,
    validationSize: record.validationSize as number | undefined,
    normalize: normalize as Normalization,
    logger: (record.logger as Logger | undefined) ?? stderrLogger,
    lookup: (record.lookup as LookupOptions | undefined) ?? {},
  }
}

function checkValidationSize(value: unknown, issues: IssueList): void {
  if (value === undefined) return
  const fraction = typeof value === 'number' && value > 0 && value < 1
  if (fraction || isPositiveInteger(value)) return
  issues.add(
    'validationSize',
    `must be a fraction in (0, 1) or a positive integer count, got ${describe(value)}`,
  )
}

function checkLogger(value: unknown, issues: IssueList): void {
  if (value === undefined) return
  const methods = ['debug', 'info', 'warn', 'error']
  const logger = value as Record<string, unknown> | null
  const missing = methods.filter(
    (method) => typeof logger?.[method] !== 'function',
  )
  if (missing.length > 0) {
    issues.add(
      'logger',
      `must have the methods ${methods.join(', ')}, missing ${missing.join(', ')}`,
    )
  }
}

function checkLookup(value: unknown, issues: IssueList): void {
  if (value === undefined) return
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.add('lookup', `must be an object, got ${describe(value)}`)
    return
  }

  const lookup = value as Record<string, unknown>
  checkUnknownKeys(lookup, LOOKUP_KEYS, 'lookup.', issues)
  if (
    lookup.env !== undefined &&
    (typeof lookup.env !== 'object' || lookup.env === null)
  ) {
    issues.add(
      'lookup.env',
      `must be an object of variables, got ${describe(lookup.env)}`,
    )
  }
  if (lookup.homeDir !== undefined && typeof lookup.homeDir !== 'string') {
    issues.add(
      'lookup.homeDir',
      `must be a folder path, got ${describe(lookup.homeDir)}`,
    )
  }
  const dirs = lookup.systemDirs
  if (
    dirs !== undefined &&
    !(Array.isArray(dirs) && dirs.every((dir) => typeof dir === 'string'))
  ) {
    issues.add(
      'lookup.systemDirs',
      `must be an array of folder paths, got ${describe(dirs)}`,
    )
  }
  if (
    lookup.allowEmbedded !== undefined &&
    typeof lookup.allowEmbedded !== 'boolean'
  ) {
    issues.add(
      'lookup.allowEmbedded',
      `must be a boolean, got ${describe(lookup.allowEmbedded)}`,
    )
  }
}

function asRecord(
  options: unknown,
  issues: IssueList,
): Record<string, unknown> {
  if (
    typeof options === 'object' &&
    options !== null &&
    !Array.isArray(options)
  ) {
    return options as Record<string, unknown>
  }
  issues.add('(options)', `must be an object, got ${describe(options)}`)
  return {}
}

/** Reports keys that no option has, which are usually misspelt. */
function checkUnknownKeys(
  record: Record<string, unknown>,
  known: string[],
  prefix: string,
  issues: IssueList,
): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key) && record[key] !== undefined) {
      issues.add(
        `${prefix}${key}`,
        `is not an option (the options are ${known.join(', ')})`,
      )
    }
  }
}

function isPositiveInteger(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) > 0
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === undefined) return 'nothing'
  if (typeof value === 'function') return 'a function'
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** The logger used when none is given: warnings and errors to stderr, nothing else. */
const stderrLogger: Logger = {
  debug() {},
  info() {},
  warn(message) {
    process.stderr.write(`nord: warning: ${message}\n`)
  },
  error(message) {
    process.stderr.write(`nord: error: ${message}\n`)
  },
}
