/**
 * `@nord/core/testing`: tools for testing nord plugins. The conformance
 * suite runs under any test runner, because it imports none.
 */
export type {
  CheckName,
  ConformanceCheck,
  ConformanceOptions,
  InvalidOptionsCase,
  OptimizerFactory,
} from './conformance.js'
export {
  CHECK_NAMES,
  ConformanceError,
  runOptimizerConformance,
} from './conformance.js'
