/**
 * The async evaluator of nord: whole networks trained and scored in worker
 * processes of a WebSocket cluster, one network per worker at a time.
 */
import type { NordPlugin } from '@nord/core'
import { type AsyncEvaluator, createAsyncEvaluator } from './evaluator.js'
import type { AsyncEvaluatorOptions } from './options.js'

export type { AsyncEvaluator } from './evaluator.js'
export { asyncWorkerScript, createAsyncEvaluator } from './evaluator.js'
export type {
  AsyncEvaluatorOptions,
  ResolvedAsyncEvaluatorOptions,
} from './options.js'
export { resolveAsyncEvaluatorOptions } from './options.js'
export type { EvaluationReply, SetupReply } from './protocol.js'
export {
  datasetFingerprint,
  EVALUATE_TASK,
  SETUP_TASK,
} from './protocol.js'
export type {
  AsyncEvaluatorStats,
  RejectedWorker,
  WorkerStats,
} from './stats.js'
export { type AsyncWorkerOptions, asyncWorkerTasks } from './worker-tasks.js'

/** The plugin. Its options include a live coordinator, so code creates it, not a JSON config. */
const plugin: NordPlugin<'evaluator', AsyncEvaluator, AsyncEvaluatorOptions> = {
  kind: 'evaluator',
  name: 'nord:evaluator-async',
  core: '^0.1.0',
  create: (options) => createAsyncEvaluator(options),
}

export default plugin
