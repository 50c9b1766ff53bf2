/**
 * Composes a genetic-algorithm search in user code, without the CLI: the
 * NORD paper's two-layer conv-net space, the GA plugin, the local evaluator
 * and a run directory with the journal.
 *
 * Run: pnpm --filter @nord/examples ga-search [RUN_DIR]
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  convNetSizeSpace,
  createLocalEnvironment,
  createLogger,
  createRandom,
  openRunDirectory,
  runSearch,
} from '@nord/core'
import { createIdxCurator } from '@nord/curators'
import { createLocalEvaluator } from '@nord/evaluator-local'
import { createGeneticOptimizer } from '@nord/optimizer-ga'

const seed = 42
const random = createRandom(seed)
const logger = createLogger({ level: 'info' })

const space = convNetSizeSpace({
  layers: 2,
  filters: [1, 32],
  kernelSize: [1, 9],
})
const curator = createIdxCurator({
  name: 'fashion-mnist',
  trainSize: 1000,
  testSize: 500,
  seed: random.derive('dataset').seed,
  logger,
})
const dataset = await curator.load()

const optimizer = createGeneticOptimizer(
  { population: 4, generations: 2 },
  { space, seed: random.derive('optimizer').seed },
)
const evaluator = createLocalEvaluator({ epochs: 1, batchSize: 32 })

const dir = process.argv[2] ?? join(tmpdir(), `nord-ga-${Date.now()}`)
const run = openRunDirectory(dir)
const summary = await runSearch({
  optimizer,
  space,
  evaluator,
  context: {
    dataset,
    curator,
    environment: createLocalEnvironment(logger),
    logger,
  },
  seed,
  budget: { generations: 2 },
  run,
  logger,
})
run.close()

console.log(`status: ${summary.status}`)
console.log(
  `candidates: ${summary.counts.candidates}, ok: ${summary.counts.ok}`,
)
if (summary.best) {
  const { candidate, evaluation } = summary.best
  console.log(`best: ${candidate.id} [${candidate.genotype.join(', ')}]`)
  console.log(`accuracy: ${evaluation.accuracy?.toFixed(4)}`)
}
console.log(`journal: ${join(dir, 'journal.jsonl')}`)
