/**
 * The worker process of the async evaluator; see `runWorkerProcess` of
 * `@nord/environment-ws` for its options. It serves the built-in tasks and
 * the async evaluator's setup and evaluate tasks until the coordinator
 * stops, and exits with 1 when the coordinator rejects it.
 */
import { runWorkerProcess } from '@nord/environment-ws'
import { asyncWorkerTasks } from './worker-tasks.js'

await runWorkerProcess(asyncWorkerTasks)
