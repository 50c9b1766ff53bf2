/**
 * The WebSocket cluster environment of nord: a coordinator (rank 0) and
 * workers on any machines that can reach it, with point-to-point messages
 * and collectives over binary frames.
 */
import { definePlugin } from '@nord/core'
import { type Coordinator, createCoordinator } from './coordinator.js'
import type { CoordinatorOptions } from './options.js'

export type {
  Coordinator,
  CoordinatorEvents,
  WorkerInfo,
  WorkerLostEvent,
  WorkerRejectedEvent,
} from './coordinator.js'
export { createCoordinator } from './coordinator.js'
export type { ClusterErrorCode } from './errors.js'
export type { LaunchOptions, LocalWorkers } from './launcher.js'
export { launchLocalWorkers } from './launcher.js'
export type {
  CoordinatorOptions,
  LimitOptions,
  ResolvedCoordinatorOptions,
  ResolvedWorkerOptions,
  WorkerOptions,
} from './options.js'
export {
  resolveCoordinatorOptions,
  resolveWorkerOptions,
} from './options.js'
export type { WorkerOffer } from './protocol.js'
export { CLOSE_CODES, isPermanentClose, PROTOCOL_VERSION } from './protocol.js'
export { reduceInOrder } from './reduce.js'
export type { RunWorkerOptions } from './run-worker.js'
export { runWorker } from './run-worker.js'
export type { CollectiveCheck, TaskHandler, TaskMessage } from './tasks.js'
export {
  BUILTIN_TASKS,
  checkCluster,
  REJECT_TASK,
  rejectWorker,
  runCollectiveCheck,
  serveTasks,
  wasRejected,
} from './tasks.js'
export type { Worker, WorkerEvents, WorkerExit } from './worker.js'
export { createWorker } from './worker.js'
export type { WorkerProcessOptions } from './worker-process.js'
export { runWorkerProcess } from './worker-process.js'

/**
 * The plugin: `create` returns a coordinator, the environment of the
 * process that runs the search. Workers join it with `nord worker`.
 */
export default definePlugin<'environment', Coordinator, CoordinatorOptions>({
  kind: 'environment',
  name: 'nord:environment-ws',
  core: '^0.1.0',
  create: (options, context) =>
    createCoordinator({ logger: context.logger, ...options }),
})
