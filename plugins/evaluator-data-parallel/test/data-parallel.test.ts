import {
  createLocalEnvironment,
  type Dataset,
  Descriptor,
  type DescriptorJSON,
  type EvaluationRequest,
  type EvaluatorContext,
  silentLogger,
} from '@nord/core'
import { createIdxCurator } from '@nord/curators'
import { type Coordinator, createCoordinator } from '@nord/environment-ws'
import { trainAndScore } from '@nord/tfjs'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createDataParallelEvaluator,
  type DataParallelEvaluator,
  type DataParallelEvaluatorOptions,
  resolveDataParallelEvaluatorOptions,
} from '../src/index.js'

const DATA = {
  name: 'fashion-mnist' as const,
  trainSize: 300,
  testSize: 100,
  seed: 5,
}

let context: EvaluatorContext
let dataset: Dataset
const cleanups: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  const curator = createIdxCurator({ ...DATA, logger: silentLogger })
  dataset = await curator.load()
  context = {
    dataset,
    curator,
    environment: createLocalEnvironment(silentLogger),
    logger: silentLogger,
  }
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type ClusterOptions = Partial<DataParallelEvaluatorOptions>

/** Starts `workers` worker processes through a set-up data-parallel evaluator. */
async function startCluster(
  workers: number,
  options: ClusterOptions = {},
): Promise<{ coordinator: Coordinator; evaluator: DataParallelEvaluator }> {
  const coordinator = createCoordinator({
    worldSize: workers + 1,
    logger: silentLogger,
  })
  const evaluator = createDataParallelEvaluator({
    coordinator,
    dataset: DATA,
    workers,
    stdio: 'ignore',
    epochs: 1,
    batchSize: 32,
    ...options,
  })
  cleanups.push(() => coordinator.stop())
  cleanups.push(async () => evaluator.teardown?.())
  await evaluator.setup?.(context)
  return { coordinator, evaluator }
}

function convNet(filters: number, kernelSize: number): DescriptorJSON {
  const descriptor = new Descriptor()
  descriptor.addSequential('conv2d', { filters, kernelSize }, 'conv')
  descriptor.addSequential('relu6', {}, 'act')
  descriptor.addSequential('maxPooling2d', {}, 'pool')
  return descriptor.toJSON()
}

function request(
  descriptor: DescriptorJSON,
  seed: number,
  signal?: AbortSignal,
): EvaluationRequest {
  return {
    candidate: { id: `c${seed}`, genotype: [] },
    descriptor,
    seed,
    signal,
  }
}

/** Calls `action` when the coordinator starts its `nth` all-reduce. */
function onAllReduce(
  coordinator: Coordinator,
  nth: number,
  action: () => void,
) {
  const original = coordinator.allReduce.bind(coordinator)
  let calls = 0
  coordinator.allReduce = (buffer, op) => {
    calls++
    if (calls === nth) action()
    return original(buffer, op)
  }
}

describe('the data-parallel evaluator', () => {
  it('trains like one process with the same global batch, and every replica agrees', async () => {
    const { evaluator } = await startCluster(2)
    const network = convNet(6, 5)

    const evaluation = await evaluator.evaluate(request(network, 11))
    const single = await trainAndScore(network, dataset, {
      seed: 11,
      epochs: 1,
      batchSize: 32,
    })

    expect(evaluation.status).toBe('ok')
    expect(evaluation.extra?.replicas).toBe(2)
    expect(evaluation.extra?.workers).toEqual([1, 2])
    expect(evaluation.loss).toBeCloseTo(single.loss, 3)
    expect(evaluation.accuracy).toBeCloseTo(single.accuracy, 2)
    const losses = evaluation.extra?.epochLosses as number[]
    expect(losses[0]).toBeCloseTo(single.epochLosses[0]!, 4)
    expect(evaluation.parameters).toBe(single.parameters)
  })

  it('gives the same result with one worker and with two', async () => {
    const network = convNet(4, 3)
    const one = await startCluster(1)
    const alone = await one.evaluator.evaluate(request(network, 3))
    const two = await startCluster(2)
    const pair = await two.evaluator.evaluate(request(network, 3))

    expect(alone.status).toBe('ok')
    expect(pair.status).toBe('ok')
    expect(pair.loss).toBeCloseTo(alone.loss!, 4)
  })

  it('records a network that cannot be built as invalid and goes on', async () => {
    const { evaluator } = await startCluster(2)

    const tooLarge = await evaluator.evaluate(request(convNet(4, 40), 1))
    const next = await evaluator.evaluate(request(convNet(4, 3), 2))

    expect(tooLarge.status).toBe('invalid')
    expect(tooLarge.reason).toMatch(/kernel|shape|larger/i)
    expect(next.status).toBe('ok')
  })

  it('stops every replica when the request is aborted, and the next evaluation runs', async () => {
    const { coordinator, evaluator } = await startCluster(2)
    const controller = new AbortController()
    onAllReduce(coordinator, 4, () => controller.abort(new Error('timed out')))

    const aborted = await evaluator.evaluate(
      request(convNet(4, 3), 1, controller.signal),
    )
    const next = await evaluator.evaluate(request(convNet(4, 3), 2))

    expect(aborted.status).toBe('failed')
    expect(aborted.code).toBe('NORD_ERR_ABORTED')
    expect(next.status).toBe('ok')
  })

  it('restarts on a replacement after SIGKILL', async () => {
    const { coordinator, evaluator } = await startCluster(2, { attempts: 2 })
    onAllReduce(coordinator, 5, () => evaluator.processes[0]!.kill('SIGKILL'))

    const evaluation = await evaluator.evaluate(request(convNet(4, 3), 1))

    expect(evaluation.status).toBe('ok')
    expect(evaluator.stats().restarts).toBe(1)
    expect(evaluator.processes).toHaveLength(3)
  }, 90_000)

  it('fails the evaluation with the lost rank when no attempt is left', async () => {
    const { coordinator, evaluator } = await startCluster(2, {
      attempts: 1,
    })
    const lost: number[] = []
    coordinator.on('worker-lost', (event) => lost.push(event.rank))
    onAllReduce(coordinator, 5, () => evaluator.processes[1]!.kill('SIGKILL'))

    const evaluation = await evaluator.evaluate(request(convNet(4, 3), 1))

    expect(evaluation.status).toBe('failed')
    expect(evaluation.code).toBe('NORD_ERR_WORKER_LOST')
    expect(lost).toHaveLength(1)
    expect(evaluation.reason).toContain(`worker rank ${lost[0]} was lost`)
  }, 90_000)
})

describe('resolveDataParallelEvaluatorOptions', () => {
  const coordinator = createCoordinator({ worldSize: 5, logger: silentLogger })

  it('keeps the global batch and learning rate by default', () => {
    const resolved = resolveDataParallelEvaluatorOptions({
      coordinator,
      dataset: DATA,
      batchSize: 64,
      learningRate: 0.002,
    })
    expect(resolved.training.batchSize).toBe(64)
    expect(resolved.training.learningRate).toBe(0.002)
    expect(resolved.scaling).toBe('global-batch')
  })

  it("applies Horovod's rule to a batch per worker", () => {
    const resolved = resolveDataParallelEvaluatorOptions({
      coordinator,
      dataset: DATA,
      batchSizePerWorker: 16,
      learningRate: 0.001,
    })
    expect(resolved.training.batchSize).toBe(64)
    expect(resolved.training.learningRate).toBeCloseTo(0.004, 10)
    expect(resolved.scaling).toBe('per-worker-batch')
  })

  it('reports every bad option at once with its key path', () => {
    expect(() =>
      resolveDataParallelEvaluatorOptions({
        coordinator,
        dataset: DATA,
        workers: 5,
        batchSize: 32,
        batchSizePerWorker: 0,
        epochs: 0,
        speed: 'fast',
      } as never),
    ).toThrow(
      /evaluator\.options\.workers: must be at most the coordinator's world size less one \(4\), got 5[\s\S]*batchSizePerWorker: must be a positive integer[\s\S]*batchSizePerWorker: cannot be combined with batchSize[\s\S]*speed: unknown option[\s\S]*epochs: must be a positive integer/,
    )
  })
})
