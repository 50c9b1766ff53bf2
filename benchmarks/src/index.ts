/**
 * The benchmark suite of nord: the NORD paper's experiments and other
 * design methods compared under the same budget, data and seeds, with
 * statistics, CSV and JSON files and an HTML report.
 */
export { REPORT_DIR, writeBenchReport } from './bench-report.js'
export { BENCH_HELP, benchMain } from './cli.js'
export { type MachineInfo, machineInfo } from './machine.js'
export {
  createMethodRun,
  METHOD_IDS,
  METHODS,
  type MethodId,
  type MethodInfo,
  type MethodRun,
  type MethodSettings,
  optimizerOptionsOf,
} from './methods.js'
export {
  evaluationBudget,
  FULL_SIZES,
  QUICK_SIZES,
  type ResolvedSuiteOptions,
  type RunProgress,
  resolveSuiteOptions,
  type SuiteOptions,
  UNLIMITED_GENERATIONS,
} from './options.js'
export {
  RESULT_COLUMNS,
  RESULTS_CSV,
  RESULTS_FILE,
  readSuiteResults,
  SUMMARY_COLUMNS,
  SUMMARY_CSV,
  type SuiteResults,
  type SuiteSettings,
  writeSuiteFiles,
} from './outputs.js'
export { type PerfOptions, runPerf } from './perf.js'
export {
  PERF_FILE,
  type PerfResults,
  readPerfResults,
  type SpeedupRow,
} from './perf-report.js'
export { paperSpace, type RunResult, utilisationOf } from './run-one.js'
export {
  type Description,
  describe,
  EXACT_LIMIT,
  type MannWhitneyMethod,
  type MannWhitneyResult,
  mannWhitneyU,
  midranks,
  normalUpperTail,
} from './statistics.js'
export { runSuite, type SuiteFiles } from './suite.js'
export {
  type Comparison,
  compareMethods,
  type MethodSummary,
  SIGNIFICANCE_LEVEL,
  scoredAccuracy,
  summarizeMethods,
} from './summary.js'
