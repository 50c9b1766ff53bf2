/**
 * The worker process of the data-parallel evaluator; see `runWorkerProcess`
 * of `@nord/environment-ws` for its options. It serves the built-in tasks
 * and the evaluator's setup and train tasks until the coordinator stops,
 * and exits with 1 when the coordinator rejects it.
 */
import { runWorkerProcess } from '@nord/environment-ws'
import { dataParallelWorkerTasks } from './worker-tasks.js'

await runWorkerProcess(dataParallelWorkerTasks)
