import {
  createLocalEnvironment,
  type Dataset,
  Descriptor,
  type DescriptorJSON,
  type Evaluator,
  silentLogger,
} from '@nord/core'
import { createIdxCurator } from '@nord/curators'
import { beforeAll, describe, expect, it } from 'vitest'
import plugin, {
  createLocalEvaluator,
  resolveLocalEvaluatorOptions,
} from '../src/index.js'

let dataset: Dataset
const curator = createIdxCurator({
  name: 'fashion-mnist',
  trainSize: 1000,
  testSize: 300,
  seed: 11,
  logger: silentLogger,
})

beforeAll(async () => {
  dataset = await curator.load()
})

async function ready(evaluator: Evaluator) {
  await evaluator.setup?.({
    dataset,
    curator,
    environment: createLocalEnvironment(silentLogger),
    logger: silentLogger,
  })
  return evaluator
}

function convNet(filters: number, kernelSize: number): DescriptorJSON {
  const descriptor = new Descriptor()
  descriptor.addSequential('conv2d', { filters, kernelSize }, 'conv')
  descriptor.addSequential('relu6', {}, 'act')
  return descriptor.toJSON()
}

function request(descriptor: DescriptorJSON, seed = 1) {
  return { candidate: { id: 'c0', genotype: [] }, descriptor, seed }
}

describe('local evaluator', () => {
  it('trains a network above chance', async () => {
    const evaluator = await ready(
      createLocalEvaluator({ epochs: 2, batchSize: 32 }),
    )

    const evaluation = await evaluator.evaluate(request(convNet(8, 5)))

    expect(evaluation.status).toBe('ok')
    expect(evaluation.accuracy).toBeGreaterThan(0.5)
    expect(evaluation.fitness).toBe(evaluation.accuracy)
    expect(evaluation.parameters).toBe(5 * 5 * 8 + 8 + 24 * 24 * 8 * 10 + 10)
    expect(evaluation.flops).toBeGreaterThan(0)
    expect(evaluation.backend).toBeTypeOf('string')
  }, 120_000)

  it('gives the same result for the same seed', async () => {
    const evaluator = await ready(createLocalEvaluator({ batchSize: 64 }))

    const first = await evaluator.evaluate(request(convNet(4, 3), 5))
    const second = await evaluator.evaluate(request(convNet(4, 3), 5))

    expect(second.accuracy).toBe(first.accuracy)
    expect(second.loss).toBe(first.loss)
  }, 120_000)

  it('marks a kernel that does not fit as invalid', async () => {
    const evaluator = await ready(createLocalEvaluator())

    const evaluation = await evaluator.evaluate(request(convNet(4, 40)))

    expect(evaluation.status).toBe('invalid')
    expect(evaluation.fitness).toBe(0)
    expect(evaluation.code).toBe('NORD_ERR_SHAPE')
    expect(evaluation.reason).toContain('40x40')
  })

  it('marks a network above the memory limit as invalid', async () => {
    const evaluator = await ready(createLocalEvaluator())

    const evaluation = await evaluator.evaluate(request(convNet(20000, 3)))

    expect(evaluation.status).toBe('invalid')
    expect(evaluation.fitness).toBe(0)
    expect(evaluation.code).toBe('NORD_ERR_RESOURCE')
    expect(evaluation.reason).toContain('memory limit')
  })

  it('marks a diverging training as failed', async () => {
    // A learning rate near float32's maximum overflows the weights of the
    // head's dense layer on the first step, so the loss turns NaN.
    const evaluator = await ready(
      createLocalEvaluator({ optimizer: 'sgd', learningRate: 1e38 }),
    )
    const linear = new Descriptor()
    linear.addLayer('flatten', {}, 'flat')

    const evaluation = await evaluator.evaluate(request(linear.toJSON()))

    expect(evaluation.status).toBe('failed')
    expect(evaluation.fitness).toBe(0)
    expect(evaluation.code).toBe('NORD_ERR_NON_FINITE')
  }, 120_000)

  it('reports every invalid option at once', () => {
    const attempt = () =>
      resolveLocalEvaluatorOptions({
        epochs: 0,
        batchSize: 2.5,
        learningRate: -1,
        optimizer: 'lbfgs',
        colour: 'red',
      } as never)

    expect(attempt).toThrowError(/evaluator\.options\.epochs/)
    expect(attempt).toThrowError(/evaluator\.options\.batchSize/)
    expect(attempt).toThrowError(/evaluator\.options\.learningRate/)
    expect(attempt).toThrowError(/evaluator\.options\.optimizer/)
    expect(attempt).toThrowError(/evaluator\.options\.colour: unknown option/)
  })

  it('is exported as an evaluator plugin', () => {
    expect(plugin.kind).toBe('evaluator')
    expect(plugin.name).toBe('nord:evaluator-local')
  })
})
