/**
 * Trains and scores one network in this process with the local evaluator,
 * on a subset of Fashion-MNIST (the full data if it is installed, otherwise
 * the demo copy that nord ships).
 *
 * Run: pnpm --filter @nord/examples local-evaluation
 */
import { createLocalEnvironment, createLogger, Descriptor } from '@nord/core'
import { createIdxCurator } from '@nord/curators'
import { createLocalEvaluator } from '@nord/evaluator-local'

const logger = createLogger({ level: 'info' })

const curator = createIdxCurator({
  name: 'fashion-mnist',
  trainSize: 2000,
  testSize: 500,
  seed: 1,
  logger,
})
const dataset = await curator.load()

const descriptor = new Descriptor()
descriptor.addSequential('conv2d', { filters: 16, kernelSize: 5 }, 'conv1')
descriptor.addSequential('relu6', {}, 'relu6_1')
descriptor.addSequential('conv2d', { filters: 16, kernelSize: 5 }, 'conv2')
descriptor.addSequential('relu6', {}, 'relu6_2')

const evaluator = createLocalEvaluator({ epochs: 2, batchSize: 32 })
await evaluator.setup?.({
  dataset,
  curator,
  environment: createLocalEnvironment(logger),
  logger,
})
const evaluation = await evaluator.evaluate({
  candidate: { id: 'example', genotype: [] },
  descriptor: descriptor.toJSON(),
  seed: 1,
})
await evaluator.teardown?.()

console.log(`status:     ${evaluation.status}`)
console.log(`accuracy:   ${evaluation.accuracy?.toFixed(4)}`)
console.log(`loss:       ${evaluation.loss?.toFixed(4)}`)
console.log(`parameters: ${evaluation.parameters}`)
console.log(`FLOPs:      ${evaluation.flops}`)
console.log(`backend:    ${evaluation.backend}`)
console.log(`seconds:    ${evaluation.seconds.toFixed(1)}`)
if (evaluation.status !== 'ok') {
  console.log(`reason:     ${evaluation.reason}`)
  process.exitCode = 1
}
