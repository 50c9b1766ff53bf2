import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  convNetSizeSpace,
  createLocalEnvironment,
  type Dataset,
  Descriptor,
  type DescriptorJSON,
  type EvaluationRequest,
  type Evaluator,
  type EvaluatorContext,
  type JournalEvent,
  type JsonValue,
  openRunDirectory,
  readJournal,
  runSearch,
  silentLogger,
} from '@nord/core'
import { createIdxCurator } from '@nord/curators'
import {
  type Coordinator,
  createCoordinator,
  launchLocalWorkers,
  type WorkerLostEvent,
} from '@nord/environment-ws'
import { createLocalEvaluator } from '@nord/evaluator-local'
import { createGeneticOptimizer } from '@nord/optimizer-ga'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type AsyncEvaluator,
  type AsyncEvaluatorStats,
  asyncWorkerScript,
  createAsyncEvaluator,
  resolveAsyncEvaluatorOptions,
} from '../src/index.js'

const DATA = {
  name: 'fashion-mnist' as const,
  trainSize: 300,
  testSize: 100,
  seed: 5,
}
const TRAINING = { epochs: 1, batchSize: 32 }

let context: EvaluatorContext
const cleanups: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  const curator = createIdxCurator({ ...DATA, logger: silentLogger })
  const dataset: Dataset = await curator.load()
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

/** Starts `workers` worker processes through a set-up async evaluator. */
async function startCluster(
  workers: number,
  options: { attempts?: number; dataset?: typeof DATA } = {},
): Promise<{ coordinator: Coordinator; evaluator: AsyncEvaluator }> {
  const coordinator = createCoordinator({
    worldSize: workers + 1,
    logger: silentLogger,
  })
  const evaluator = createAsyncEvaluator({
    coordinator,
    dataset: options.dataset ?? DATA,
    workers,
    attempts: options.attempts ?? 2,
    stdio: 'ignore',
    ...TRAINING,
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
  return descriptor.toJSON()
}

function request(id: string, descriptor: DescriptorJSON, seed: number) {
  const result: EvaluationRequest = {
    candidate: { id, genotype: [] },
    descriptor,
    seed,
  }
  return result
}

function killFirstWorker(evaluator: AsyncEvaluator): void {
  const [first] = evaluator.processes
  if (!first) throw new Error('the evaluator started no worker process')
  first.kill('SIGKILL')
}

/** Kills the first worker and waits until the coordinator frees its rank. */
async function killFirstWorkerAndWait(
  evaluator: AsyncEvaluator,
  coordinator: Coordinator,
): Promise<number> {
  const lost = new Promise<number>((resolve) => {
    const onLost = (event: WorkerLostEvent) => {
      coordinator.off('worker-lost', onLost)
      resolve(event.rank)
    }
    coordinator.on('worker-lost', onLost)
  })
  killFirstWorker(evaluator)
  return lost
}

/** Starts one more worker process for `coordinator`, stopped after the test. */
function startLateWorker(coordinator: Coordinator, args: string[] = []) {
  const late = launchLocalWorkers(1, coordinator.url, coordinator.token, {
    script: asyncWorkerScript(),
    args,
    stdio: 'ignore',
  })
  cleanups.push(() => late.stop())
  return late
}

/** Polls `condition` every 50 ms; the test timeout ends a wait that never succeeds. */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Creates a Fashion-MNIST folder whose training and test files are swapped. */
function swappedFashionMnist(): string {
  const folder = mkdtempSync(join(tmpdir(), 'nord-swapped-'))
  cleanups.push(async () => rmSync(folder, { recursive: true, force: true }))
  const system = '/usr/share/datasets/fashion-mnist'
  const swaps: [string, string][] = [
    ['train-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz'],
    ['train-labels-idx1-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
  ]
  mkdirSync(folder, { recursive: true })
  for (const [train, test] of swaps) {
    symlinkSync(join(system, test), join(folder, train))
    symlinkSync(join(system, train), join(folder, test))
  }
  return folder
}

function journalEvaluations(path: string) {
  return readJournal(path).events.filter(
    (event): event is Extract<JournalEvent, { type: 'evaluation' }> =>
      event.type === 'evaluation',
  )
}

function askedIds(path: string): string[] {
  return readJournal(path)
    .events.filter((event) => event.type === 'ask')
    .flatMap((event) =>
      event.type === 'ask' ? event.candidates.map((c) => c.id) : [],
    )
}

describe('async evaluator options', () => {
  it('reports every invalid option with its path', () => {
    const coordinator = createCoordinator({ logger: silentLogger })
    const attempt = () =>
      resolveAsyncEvaluatorOptions({
        coordinator,
        dataset: DATA,
        workers: -1,
        attempts: 0,
        epochs: 0,
      })

    expect(attempt).toThrow(/evaluator\.options\.workers: must be/)
    expect(attempt).toThrow(/evaluator\.options\.attempts: must be/)
    expect(attempt).toThrow(/evaluator\.options\.epochs: must be/)
  })

  it('applies the defaults', () => {
    const coordinator = createCoordinator({ logger: silentLogger })
    const resolved = resolveAsyncEvaluatorOptions({
      coordinator,
      dataset: DATA,
    })

    expect(resolved.workers).toBe(0)
    expect(resolved.attempts).toBe(2)
    expect(resolved.training.epochs).toBe(1)
  })
})

describe('async evaluator', () => {
  it('matches the local evaluator on two workers', async () => {
    const { evaluator } = await startCluster(2)
    const local = createLocalEvaluator(TRAINING)
    await local.setup?.(context)
    const requests = [
      request('a', convNet(4, 3), 1),
      request('b', convNet(4, 5), 2),
      request('c', convNet(2, 3), 3),
      request('d', convNet(3, 7), 4),
    ]

    const remote = await Promise.all(requests.map((r) => evaluator.evaluate(r)))

    for (const [i, r] of requests.entries()) {
      const evaluation = remote[i]
      const expected = await local.evaluate(r)
      expect(evaluation?.extra?.worker).toBeDefined()
      expect(evaluation?.status).toBe('ok')
      expect(evaluation?.accuracy).toBe(expected.accuracy)
      expect(evaluation?.loss).toBe(expected.loss)
    }
    const ranks = new Set(remote.map((e) => e.extra?.worker))
    expect(ranks).toEqual(new Set([1, 2]))
    const utilisation = evaluator.stats().workers
    expect(utilisation.map((u) => u.rank)).toEqual([1, 2])
    expect(utilisation.every((u) => u.busySeconds > 0)).toBe(true)
    expect(utilisation.reduce((sum, u) => sum + u.evaluations, 0)).toBe(4)
  })

  it('rejects workers whose data differs', async () => {
    const attempt = startCluster(1, { dataset: { ...DATA, seed: 6 } })

    await expect(attempt).rejects.toMatchObject({
      code: 'NORD_ERR_DATA_MISMATCH',
    })
  })

  it('fails an evaluation after its last worker is lost', async () => {
    const { evaluator, coordinator } = await startCluster(1)
    const lost = new Promise((resolve) =>
      coordinator.on('worker-lost', resolve),
    )
    const pending = evaluator.evaluate(request('a', convNet(4, 3), 1))

    killFirstWorker(evaluator)
    await lost
    const evaluation = await pending

    expect(evaluation.status).toBe('failed')
    expect(evaluation.code).toBe('NORD_ERR_WORKER_LOST')
    expect(evaluation.reason).toMatch(/lost/)
  })

  it('fails an aborted evaluation', async () => {
    const { evaluator } = await startCluster(1)
    const controller = new AbortController()
    const pending = evaluator.evaluate({
      ...request('a', convNet(4, 3), 1),
      signal: controller.signal,
    })

    controller.abort(new Error('timed out after 0.1 s'))
    const evaluation = await pending

    expect(evaluation.status).toBe('failed')
    expect(evaluation.reason).toMatch(/timed out/)
    const next = await evaluator.evaluate(request('b', convNet(4, 3), 2))
    expect(next.status).toBe('ok')
    expect(next.extra?.worker).toBe(1)
    expect(evaluator.stats().workers[0]?.cancelled).toBe(1)
  })
})

describe('async evaluator with late workers', () => {
  it('gives work to a worker that takes a lost rank', async () => {
    const { evaluator, coordinator } = await startCluster(2)
    const lostRank = await killFirstWorkerAndWait(evaluator, coordinator)

    startLateWorker(coordinator)
    await waitFor(() => evaluator.stats().workers.length === 3)
    const requests = [
      request('a', convNet(4, 3), 1),
      request('b', convNet(4, 5), 2),
      request('c', convNet(2, 3), 3),
      request('d', convNet(3, 7), 4),
    ]
    const results = await Promise.all(
      requests.map((r) => evaluator.evaluate(r)),
    )

    const stats = evaluator.stats()
    const entries = stats.workers.filter((w) => w.rank === lostRank)
    expect(entries).toHaveLength(2)
    expect(entries[0]?.lost).toBe(true)
    expect(entries[1]?.lost).toBe(false)
    expect(entries[1]?.joinedAt).toBeGreaterThan(0)
    expect(entries[1]?.evaluations).toBeGreaterThan(0)
    expect(results.every((e) => e.status === 'ok')).toBe(true)
    expect(results.some((e) => e.extra?.worker === lostRank)).toBe(true)
    expect(stats.rejected).toEqual([])
  })

  it('rejects a late worker whose data differs', async () => {
    const { evaluator, coordinator } = await startCluster(2)
    const lostRank = await killFirstWorkerAndWait(evaluator, coordinator)

    const late = startLateWorker(coordinator, [
      '--data-dir',
      swappedFashionMnist(),
    ])
    await waitFor(() => evaluator.stats().rejected.length === 1)
    const results = await Promise.all([
      evaluator.evaluate(request('a', convNet(4, 3), 1)),
      evaluator.evaluate(request('b', convNet(4, 5), 2)),
    ])

    const stats = evaluator.stats()
    expect(stats.rejected[0]?.rank).toBe(lostRank)
    expect(stats.rejected[0]?.reason).toMatch(/different data/)
    expect(stats.workers).toHaveLength(2)
    expect(results.every((e) => e.status === 'ok')).toBe(true)
    expect(results.every((e) => e.extra?.worker !== lostRank)).toBe(true)
    expect(await late.exited).toEqual([1])
  })

  it('reports the overall share of busy time', async () => {
    const { evaluator } = await startCluster(1)
    await evaluator.evaluate(request('a', convNet(4, 3), 1))
    await evaluator.teardown?.()

    // The stats must fit the JSON that summary.json records.
    const first: JsonValue & AsyncEvaluatorStats = evaluator.stats()
    const second = evaluator.stats()
    const [worker] = first.workers
    expect(first.overall.busySeconds).toBe(worker?.busySeconds)
    expect(first.overall.share).toBeGreaterThan(0)
    expect(first.overall.share).toBeLessThanOrEqual(1)
    expect(first.overall.share).toBeCloseTo(
      first.overall.busySeconds / first.overall.elapsedSeconds,
      2,
    )
    expect(second).toEqual(first)
  })
})

describe('async evaluator in a search', () => {
  let folder: string

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'nord-async-'))
    return () => rmSync(folder, { recursive: true, force: true })
  })

  function searchOptions(evaluator: Evaluator, name: string) {
    const space = convNetSizeSpace({
      layers: 1,
      filters: [2, 6],
      kernelSize: [1, 5],
    })
    const optimizer = createGeneticOptimizer(
      { population: 4, generations: 2 },
      { space, seed: 3 },
    )
    const run = openRunDirectory(join(folder, name))
    cleanups.push(async () => run.close())
    return { run, options: { optimizer, space, evaluator, seed: 9 } }
  }

  it('journals every candidate of a GA search', async () => {
    const { evaluator } = await startCluster(2)
    const { run, options } = searchOptions(evaluator, 'ga')

    const summary = await runSearch({
      ...options,
      run,
      budget: { evaluations: 8 },
      concurrency: 2,
    })

    const evaluations = journalEvaluations(run.journalPath)
    expect(summary.status).toBe('completed')
    expect(evaluations.map((e) => e.candidate.id).sort()).toEqual(
      askedIds(run.journalPath).sort(),
    )
    expect(evaluations.length).toBe(8)
    for (const event of evaluations) {
      expect([1, 2]).toContain(event.evaluation.extra?.worker)
    }
  })

  it('reruns the candidate of a killed worker', async () => {
    const { evaluator, coordinator } = await startCluster(2)
    let lostRank = 0
    coordinator.on('worker-lost', (event) => {
      lostRank = event.rank
    })
    // Kills a worker the first time both workers hold an evaluation.
    let inFlight = 0
    let killed = false
    const killing: Evaluator = {
      name: evaluator.name,
      async evaluate(request) {
        inFlight++
        const pending = evaluator.evaluate(request)
        if (inFlight === 2 && !killed) {
          killed = true
          killFirstWorker(evaluator)
        }
        try {
          return await pending
        } finally {
          inFlight--
        }
      },
    }
    const { run, options } = searchOptions(killing, 'killed')

    await runSearch({
      ...options,
      run,
      budget: { evaluations: 8 },
      concurrency: 2,
    })

    const evaluations = journalEvaluations(run.journalPath).filter(
      (e) => !e.cacheHit,
    )
    expect(killed).toBe(true)
    expect(lostRank).toBeGreaterThan(0)
    expect(evaluations.every((e) => e.evaluation.status !== 'failed')).toBe(
      true,
    )
    expect(
      evaluations.some((e) => e.evaluation.extra?.worker === lostRank),
    ).toBe(false)
    expect(journalEvaluations(run.journalPath).length).toBe(8)
    const lost = evaluator.stats().workers.find((u) => u.rank === lostRank)
    expect(lost?.evaluations).toBe(0)
    expect(lost?.busySeconds).toBeGreaterThan(0)
  })
})
