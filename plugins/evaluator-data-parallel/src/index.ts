/**
 * The data-parallel evaluator of nord: each network trained on every
 * worker of a WebSocket cluster at once, as Horovod does, with gradients
 * summed by all-reduce after every step.
 */
import type { NordPlugin } from '@nord/core'
import {
  createDataParallelEvaluator,
  type DataParallelEvaluator,
} from './evaluator.js'
import type { DataParallelEvaluatorOptions } from './options.js'

export type { DataParallelEvaluator, DataParallelStats } from './evaluator.js'
export {
  createDataParallelEvaluator,
  dataParallelWorkerScript,
} from './evaluator.js'
export { GroupReplica } from './group-replica.js'
export type {
  DataParallelEvaluatorOptions,
  ReplicaTraining,
  ResolvedDataParallelEvaluatorOptions,
} from './options.js'
export { resolveDataParallelEvaluatorOptions } from './options.js'
export type { SetupReply, TrainReply } from './protocol.js'
export { SETUP_TASK, TRAIN_TASK } from './protocol.js'
export { dataParallelWorkerTasks, replicaDataset } from './worker-tasks.js'

/** The plugin. Its options include a live coordinator, so code creates it, not a JSON config. */
const plugin: NordPlugin<
  'evaluator',
  DataParallelEvaluator,
  DataParallelEvaluatorOptions
> = {
  kind: 'evaluator',
  name: 'nord:evaluator-data-parallel',
  core: '^0.1.0',
  create: (options) => createDataParallelEvaluator(options),
}

export default plugin
