/**
 * Composes a search on a cluster in user code, with the same GA as
 * `ga-search.ts`. With `data-parallel`, two worker processes train each
 * network together. With `async`, each worker trains whole networks, and
 * the steady-state GA gets each result as it arrives.
 *
 * Run: pnpm --filter @nord/examples cluster-search [data-parallel|async] [RUN_DIR]
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  convNetSizeSpace,
  createLogger,
  createRandom,
  type Evaluator,
  openRunDirectory,
  runSearch,
} from '@nord/core'
import { createIdxCurator } from '@nord/curators'
import { createCoordinator } from '@nord/environment-ws'
import { createAsyncEvaluator } from '@nord/evaluator-async'
import { createDataParallelEvaluator } from '@nord/evaluator-data-parallel'
import { createGeneticOptimizer } from '@nord/optimizer-ga'

const mode = process.argv[2] ?? 'data-parallel'
if (mode !== 'data-parallel' && mode !== 'async') {
  throw new Error(`mode must be data-parallel or async, got ${mode}`)
}
const workers = 2
const seed = 42
const random = createRandom(seed)
const logger = createLogger({ level: 'info' })

const space = convNetSizeSpace({
  layers: 2,
  filters: [1, 32],
  kernelSize: [1, 9],
})
// Each worker loads the data itself from these options, so they are plain
// JSON; the evaluator checks that the workers' data equals this process's.
const data = {
  name: 'fashion-mnist',
  trainSize: 1000,
  testSize: 500,
  seed: random.derive('dataset').seed,
} as const
const curator = createIdxCurator({ ...data, logger })
const dataset = await curator.load()

// The coordinator is rank 0; the world is the coordinator and the workers.
const coordinator = createCoordinator({ worldSize: workers + 1, logger })
const training = { epochs: 1, batchSize: 32 }
const evaluator: Evaluator =
  mode === 'data-parallel'
    ? createDataParallelEvaluator({
        coordinator,
        dataset: data,
        workers,
        ...training,
      })
    : createAsyncEvaluator({ coordinator, dataset: data, workers, ...training })
const optimizer = createGeneticOptimizer(
  {
    population: 4,
    generations: 2,
    variant: mode === 'async' ? 'steady-state' : 'generational',
  },
  { space, seed: random.derive('optimizer').seed },
)

const dir = process.argv[3] ?? join(tmpdir(), `nord-${mode}-${Date.now()}`)
const run = openRunDirectory(dir)
try {
  const summary = await runSearch({
    optimizer,
    space,
    evaluator,
    context: { dataset, curator, environment: coordinator, logger },
    seed,
    budget: { evaluations: 8 },
    // The async evaluator keeps one network on each worker.
    concurrency: mode === 'async' ? workers : 1,
    run,
    logger,
  })
  console.log(`status: ${summary.status}`)
  console.log(`evaluations: ${summary.counts.evaluated}`)
  console.log(`evaluator: ${JSON.stringify(summary.evaluator)}`)
  if (summary.best) {
    console.log(`accuracy: ${summary.best.evaluation.accuracy?.toFixed(4)}`)
  }
} finally {
  run.close()
  await coordinator.stop()
}
console.log(`journal: ${join(dir, 'journal.jsonl')}`)
