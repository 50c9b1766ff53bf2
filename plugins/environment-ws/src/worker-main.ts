/**
 * The worker process that `launchLocalWorkers` starts by default; see
 * `runWorkerProcess` for its options. It serves the built-in tasks.
 */
import { runWorkerProcess } from './worker-process.js'

await runWorkerProcess()
