export {
  checkEvaluation,
  FAILED_FITNESS,
} from './candidate-evaluation.js'
export { createLocalEnvironment } from './local-environment.js'
export type {
  DebugFunction,
  DebugOptions,
  LoggerOptions,
  LogLevel,
} from './logger.js'
export {
  createDebug,
  createLogger,
  formatLine,
  isDebugEnabled,
  silentLogger,
} from './logger.js'
export type { NumberBounds, RangeBounds } from './options.js'
export {
  checkBoolean,
  checkInteger,
  checkNumber,
  checkOneOf,
  formatValue,
  isPlainObject,
  joinPath,
  rejectUnknownKeys,
} from './options.js'
export { checkPlugin, definePlugin, loadPlugin } from './plugins.js'
export type {
  JournalContents,
  RunContents,
  RunDirectory,
  RunDirectoryOptions,
} from './run-directory.js'
export {
  CONFIG_FILE,
  JOURNAL_FILE,
  openRunDirectory,
  readJournal,
  readRunDirectory,
  SUMMARY_FILE,
} from './run-directory.js'
export { candidateSeed, runSearch } from './search-loop.js'
export type {
  BestCandidate,
  SearchBudget,
  SearchCounts,
  SearchOptions,
  SearchProgress,
  SearchProgressEvent,
  SearchSummary,
  StopReason,
} from './search-types.js'
export { CORE_VERSION } from './version.js'
