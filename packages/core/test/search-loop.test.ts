import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { convNetSizeSpace } from '../src/descriptor/index.js'
import { NordValidationError } from '../src/errors.js'
import { FAILED_FITNESS } from '../src/search/candidate-evaluation.js'
import { createLogger } from '../src/search/logger.js'
import {
  openRunDirectory,
  type RunDirectory,
  readJournal,
} from '../src/search/run-directory.js'
import { candidateSeed, runSearch } from '../src/search/search-loop.js'
import type {
  SearchOptions,
  SearchProgressEvent,
} from '../src/search/search-types.js'
import type {
  Evaluation,
  EvaluationRequest,
  EvaluatorContext,
  JournalEvent,
} from '../src/types.js'
import {
  CountingOptimizer,
  fakeHash,
  fakeSpace,
  fakeValidate,
  okEvaluation,
  RecordingEvaluator,
  ScriptedOptimizer,
} from './search-fakes.js'

const folders: string[] = []
const runs: RunDirectory[] = []

afterEach(() => {
  for (const run of runs.splice(0)) run.close()
  for (const folder of folders.splice(0)) {
    rmSync(folder, { recursive: true, force: true })
  }
})

function openTempRun(): RunDirectory {
  const folder = mkdtempSync(join(tmpdir(), 'nord-search-'))
  folders.push(folder)
  const run = openRunDirectory(join(folder, 'run'))
  runs.push(run)
  return run
}

function baseOptions(
  overrides: Partial<SearchOptions> & Pick<SearchOptions, 'optimizer'>,
): SearchOptions {
  return {
    space: fakeSpace,
    evaluator: new RecordingEvaluator(),
    seed: 7,
    budget: { evaluations: 100 },
    validate: fakeValidate,
    hash: fakeHash,
    ...overrides,
  }
}

function journalOf(run: RunDirectory): JournalEvent[] {
  const contents = readJournal(run.journalPath)
  expect(contents.truncated).toBeNull()
  return contents.events
}

function evaluationsOf(events: JournalEvent[]) {
  return events.flatMap((event) => (event.type === 'evaluation' ? [event] : []))
}

describe('runSearch', () => {
  it('journals every step in order', async () => {
    const run = openTempRun()
    const optimizer = new ScriptedOptimizer([
      [
        [3, 1],
        [5, 2],
      ],
      [
        [7, 3],
        [2, 4],
      ],
    ])

    const summary = await runSearch(baseOptions({ optimizer, run }))

    const events = journalOf(run)
    expect(events.map((event) => event.type)).toEqual([
      'run-start',
      'ask',
      'evaluation',
      'evaluation',
      'tell',
      'ask',
      'evaluation',
      'evaluation',
      'tell',
      'run-end',
    ])
    const ids = evaluationsOf(events).map((event) => event.candidate.id)
    expect(ids).toEqual(['g0-0', 'g0-1', 'g1-0', 'g1-1'])
    expect(events.at(-1)).toMatchObject({ reason: 'completed' })
    expect(summary.status).toBe('completed')
    expect(summary.stopReason).toBe('optimizer-done')
    expect(summary.generations).toBe(2)
  })

  it('records the run start with seed, config and version', async () => {
    const run = openTempRun()
    const optimizer = new ScriptedOptimizer([[[3, 1]]])
    const config = { experiment: 'journal-test' }

    await runSearch(baseOptions({ optimizer, run, config }))

    const [start] = journalOf(run)
    expect(start).toMatchObject({ type: 'run-start', seed: 7, config })
    expect(start).toHaveProperty('nord', '0.1.0')
  })

  it('tells the optimizer what it journals', async () => {
    const run = openTempRun()
    const optimizer = new ScriptedOptimizer([
      [
        [3, 1],
        [5, 2],
      ],
    ])

    await runSearch(baseOptions({ optimizer, run }))

    const journaled = evaluationsOf(journalOf(run)).map((event) => ({
      candidate: event.candidate,
      evaluation: event.evaluation,
    }))
    expect(optimizer.tells).toHaveLength(1)
    expect(optimizer.tells[0]).toEqual(journaled)
    const tell = journalOf(run).find((event) => event.type === 'tell')
    expect(tell).toMatchObject({
      candidateIds: ['g0-0', 'g0-1'],
      best: { candidateId: 'g0-1', fitness: 0.5 },
    })
  })

  it('writes a summary equal to its result', async () => {
    const run = openTempRun()
    const optimizer = new ScriptedOptimizer([
      [
        [3, 1],
        [8, 2],
        [5, 5],
      ],
    ])

    const summary = await runSearch(baseOptions({ optimizer, run }))

    const written = JSON.parse(readFileSync(run.summaryPath, 'utf8'))
    expect(written).toEqual(JSON.parse(JSON.stringify(summary)))
    expect(summary.seed).toBe(7)
    expect(summary.journal).toBe(run.journalPath)
    expect(summary.backends).toEqual(['cpu'])
    expect(summary.counts).toEqual({
      candidates: 3,
      evaluated: 3,
      cacheHits: 0,
      ok: 3,
      invalid: 0,
      failed: 0,
    })
    expect(summary.best?.candidate.id).toBe('g0-1')
    expect(summary.best?.hash).toBe('conv-8-2')
    expect(summary.best?.descriptor).toEqual(fakeSpace.decode([8, 2]))
    expect(summary.best?.evaluation.fitness).toBe(0.8)
    expect(Date.parse(summary.startedAt)).not.toBeNaN()
    expect(Date.parse(summary.endedAt ?? '')).not.toBeNaN()
  })

  it('records a throwing evaluator as failed and goes on', async () => {
    const run = openTempRun()
    const evaluator = new RecordingEvaluator(async (request) => {
      if (request.candidate.id === 'g0-0') throw new Error('out of memory')
      return okEvaluation(0.6)
    })
    const optimizer = new ScriptedOptimizer([
      [
        [3, 1],
        [5, 2],
      ],
    ])

    const summary = await runSearch(baseOptions({ optimizer, evaluator, run }))

    const [failed, ok] = evaluationsOf(journalOf(run))
    expect(failed?.evaluation.status).toBe('failed')
    expect(failed?.evaluation.fitness).toBe(FAILED_FITNESS)
    expect(failed?.evaluation.code).toBe('NORD_ERR_EVALUATION_FAILED')
    expect(failed?.evaluation.reason).toContain('out of memory')
    expect(failed?.evaluation.reason).toContain('g0-0')
    expect(failed?.evaluation.reason).toContain('test:recording')
    expect(ok?.evaluation.status).toBe('ok')
    expect(summary.counts.failed).toBe(1)
    expect(summary.counts.ok).toBe(1)
  })

  it('keeps the code of a thrown NordError', async () => {
    const { NordError } = await import('../src/errors.js')
    const evaluator = new RecordingEvaluator(async () => {
      throw new NordError('NORD_ERR_TRAINING', 'loss diverged')
    })
    const optimizer = new ScriptedOptimizer([[[3, 1]]])
    const run = openTempRun()

    await runSearch(baseOptions({ optimizer, evaluator, run }))

    const [event] = evaluationsOf(journalOf(run))
    expect(event?.evaluation.code).toBe('NORD_ERR_TRAINING')
  })

  it('records a NaN loss as failed and goes on', async () => {
    const run = openTempRun()
    const evaluator = new RecordingEvaluator(async (request) => {
      if (request.candidate.id === 'g0-0') {
        return { ...okEvaluation(0.4), loss: Number.NaN }
      }
      return okEvaluation(0.6)
    })
    const optimizer = new ScriptedOptimizer([
      [
        [3, 1],
        [5, 2],
      ],
    ])

    const summary = await runSearch(baseOptions({ optimizer, evaluator, run }))

    const [failed, ok] = evaluationsOf(journalOf(run))
    expect(failed?.evaluation.status).toBe('failed')
    expect(failed?.evaluation.code).toBe('NORD_ERR_NON_FINITE')
    expect(failed?.evaluation.reason).toContain('loss (NaN)')
    expect(failed?.evaluation.fitness).toBe(FAILED_FITNESS)
    expect(failed?.evaluation.loss).toBeNull()
    expect(ok?.evaluation.status).toBe('ok')
    expect(summary.best?.candidate.id).toBe('g0-1')
  })

  it('records an infinite fitness as failed', async () => {
    const evaluator = new RecordingEvaluator(async () => ({
      ...okEvaluation(0.4),
      fitness: Number.POSITIVE_INFINITY,
    }))
    const optimizer = new ScriptedOptimizer([[[3, 1]]])

    const summary = await runSearch(baseOptions({ optimizer, evaluator }))

    expect(summary.counts.failed).toBe(1)
    expect(summary.best).toBeNull()
    expect(optimizer.tells[0]?.[0]?.evaluation.reason).toContain(
      'fitness (Infinity)',
    )
  })

  it('times out a hanging evaluation and goes on', async () => {
    const run = openTempRun()
    const signals: AbortSignal[] = []
    const evaluator = new RecordingEvaluator((request) => {
      if (request.candidate.id !== 'g0-0') {
        return Promise.resolve(okEvaluation(0.6))
      }
      signals.push(request.signal!)
      return new Promise<Evaluation>(() => {})
    })
    const optimizer = new ScriptedOptimizer([
      [
        [3, 1],
        [5, 2],
      ],
    ])

    const summary = await runSearch(
      baseOptions({ optimizer, evaluator, run, evaluationTimeout: 0.05 }),
    )

    const [timedOut, ok] = evaluationsOf(journalOf(run))
    expect(timedOut?.evaluation.status).toBe('failed')
    expect(timedOut?.evaluation.code).toBe('NORD_ERR_EVALUATION_TIMEOUT')
    expect(timedOut?.evaluation.reason).toContain('timed out after 0.05 s')
    expect(signals[0]?.aborted).toBe(true)
    expect(ok?.evaluation.status).toBe('ok')
    expect(summary.status).toBe('completed')
  })

  it('records invalid descriptors without evaluating them', async () => {
    const run = openTempRun()
    const evaluator = new RecordingEvaluator()
    const optimizer = new ScriptedOptimizer([
      [
        [0, 1],
        [5, 2],
      ],
    ])

    const summary = await runSearch(baseOptions({ optimizer, evaluator, run }))

    const [invalid] = evaluationsOf(journalOf(run))
    expect(invalid?.evaluation.status).toBe('invalid')
    expect(invalid?.evaluation.fitness).toBe(FAILED_FITNESS)
    expect(invalid?.evaluation.code).toBe('NORD_ERR_INVALID_PARAM')
    expect(invalid?.evaluation.reason).toBe(
      'layers[0].params.filters: must be at least 1, got 0',
    )
    expect(evaluator.requests.map((request) => request.candidate.id)).toEqual([
      'g0-1',
    ])
    expect(summary.counts.invalid).toBe(1)
  })

  it('records a decoding error as failed', async () => {
    const space = {
      ...fakeSpace,
      decode: () => {
        throw new Error('gene out of range')
      },
    }
    const optimizer = new ScriptedOptimizer([[[3, 1]]])

    const summary = await runSearch(baseOptions({ optimizer, space }))

    const evaluation = optimizer.tells[0]?.[0]?.evaluation
    expect(evaluation?.status).toBe('failed')
    expect(evaluation?.code).toBe('NORD_ERR_DECODE')
    expect(evaluation?.reason).toContain('gene out of range')
    expect(summary.counts.failed).toBe(1)
  })

  it('reuses the evaluation of a duplicate descriptor', async () => {
    const run = openTempRun()
    const evaluator = new RecordingEvaluator()
    const optimizer = new ScriptedOptimizer([
      [
        [3, 1],
        [3, 1],
        [4, 1],
      ],
      [
        [4, 1],
        [3, 1],
      ],
    ])

    const summary = await runSearch(baseOptions({ optimizer, evaluator, run }))

    const evaluated = evaluator.requests.map((request) => request.candidate.id)
    expect(evaluated).toEqual(['g0-0', 'g0-2'])
    const hits = evaluationsOf(journalOf(run)).map((event) => [
      event.candidate.id,
      event.cacheHit?.of ?? null,
    ])
    expect(hits).toEqual([
      ['g0-0', null],
      ['g0-1', 'g0-0'],
      ['g0-2', null],
      ['g1-0', 'g0-2'],
      ['g1-1', 'g0-0'],
    ])
    expect(summary.counts.cacheHits).toBe(3)
    expect(summary.counts.evaluated).toBe(5)
    expect(optimizer.tells.map((results) => results.length)).toEqual([3, 2])
    expect(optimizer.tells[1]?.[0]?.evaluation.fitness).toBe(0.4)
  })

  it('trains a duplicate once when both run at once', async () => {
    const evaluator = new RecordingEvaluator()
    const optimizer = new ScriptedOptimizer([
      [
        [3, 1],
        [3, 1],
      ],
    ])

    const summary = await runSearch(
      baseOptions({ optimizer, evaluator, concurrency: 2 }),
    )

    expect(evaluator.requests).toHaveLength(1)
    expect(summary.counts.cacheHits).toBe(1)
  })

  it('stops as interrupted when aborted', async () => {
    const run = openTempRun()
    const controller = new AbortController()
    const inFlight: AbortSignal[] = []
    const evaluator = new RecordingEvaluator((request) => {
      if (request.candidate.id !== 'g1-1') {
        return Promise.resolve(okEvaluation(0.5))
      }
      inFlight.push(request.signal!)
      controller.abort()
      // Like a training loop that ignores the signal.
      return new Promise<Evaluation>(() => {})
    })
    const optimizer = new ScriptedOptimizer([
      [
        [1, 1],
        [2, 1],
      ],
      [
        [3, 1],
        [4, 1],
        [5, 1],
      ],
      [[6, 1]],
    ])

    const summary = await runSearch(
      baseOptions({ optimizer, evaluator, run, signal: controller.signal }),
    )

    expect(summary.status).toBe('interrupted')
    expect(summary.stopReason).toBe('interrupted')
    expect(inFlight[0]?.aborted).toBe(true)
    const events = journalOf(run)
    expect(events.at(-1)).toMatchObject({
      type: 'run-end',
      reason: 'interrupted',
    })
    const ids = evaluationsOf(events).map((event) => event.candidate.id)
    expect(ids).toEqual(['g0-0', 'g0-1', 'g1-0'])
    expect(optimizer.tells).toHaveLength(1)
    expect(optimizer.asks).toHaveLength(2)
    const written = JSON.parse(readFileSync(run.summaryPath, 'utf8'))
    expect(written.status).toBe('interrupted')
    expect(written.counts.evaluated).toBe(3)
  })

  it('does not ask when aborted before the start', async () => {
    const controller = new AbortController()
    controller.abort()
    const optimizer = new ScriptedOptimizer([[[1, 1]]])

    const summary = await runSearch(
      baseOptions({ optimizer, signal: controller.signal }),
    )

    expect(summary.status).toBe('interrupted')
    expect(optimizer.asks).toHaveLength(0)
  })

  it('gives each candidate a seed from the run seed', async () => {
    const generations = [
      [
        [3, 1],
        [5, 2],
      ],
      [[7, 3]],
    ]
    const seedsOf = async (seed: number) => {
      const evaluator = new RecordingEvaluator()
      const optimizer = new ScriptedOptimizer(generations)
      await runSearch(baseOptions({ optimizer, evaluator, seed }))
      return evaluator.requests.map((request) => request.seed)
    }

    const first = await seedsOf(11)
    const second = await seedsOf(11)
    const other = await seedsOf(12)

    expect(second).toEqual(first)
    expect(other).not.toEqual(first)
    expect(new Set(first).size).toBe(3)
    expect(first[0]).toBe(candidateSeed(11, 'g0-0'))
  })

  it('stops when the evaluation budget is spent', async () => {
    const run = openTempRun()
    const evaluator = new RecordingEvaluator()
    const optimizer = new ScriptedOptimizer([
      [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
      ],
      [
        [5, 1],
        [6, 1],
        [7, 1],
        [8, 1],
      ],
    ])

    const summary = await runSearch(
      baseOptions({ optimizer, evaluator, run, budget: { evaluations: 6 } }),
    )

    expect(summary.counts.evaluated).toBe(6)
    expect(summary.counts.candidates).toBe(8)
    expect(summary.stopReason).toBe('evaluations')
    expect(summary.status).toBe('completed')
    expect(evaluator.requests).toHaveLength(6)
    expect(optimizer.tells.map((results) => results.length)).toEqual([4, 2])
    const end = journalOf(run).at(-1)
    expect(end).toMatchObject({ type: 'run-end', reason: 'completed' })
  })

  it('counts cache hits against the evaluation budget', async () => {
    const evaluator = new RecordingEvaluator()
    const optimizer = new ScriptedOptimizer([
      [
        [1, 1],
        [1, 1],
        [1, 1],
        [2, 1],
      ],
    ])

    const summary = await runSearch(
      baseOptions({ optimizer, evaluator, budget: { evaluations: 3 } }),
    )

    expect(summary.counts.evaluated).toBe(3)
    expect(summary.counts.cacheHits).toBe(2)
    expect(evaluator.requests).toHaveLength(1)
  })

  it('stops when the generation budget is spent', async () => {
    const optimizer = new ScriptedOptimizer([
      [[1, 1]],
      [[2, 1]],
      [[3, 1]],
      [[4, 1]],
    ])

    const summary = await runSearch(
      baseOptions({ optimizer, budget: { generations: 2 } }),
    )

    expect(summary.generations).toBe(2)
    expect(summary.stopReason).toBe('generations')
    expect(optimizer.asks).toHaveLength(2)
  })

  it('stops when the time budget is spent', async () => {
    let clock = 0
    const evaluator = new RecordingEvaluator(async () => {
      clock += 10_000
      return okEvaluation(0.5)
    })
    const optimizer = new CountingOptimizer()

    const summary = await runSearch(
      baseOptions({
        optimizer,
        evaluator,
        budget: { seconds: 25 },
        now: () => clock,
      }),
    )

    expect(summary.stopReason).toBe('seconds')
    expect(summary.counts.evaluated).toBe(3)
    expect(summary.seconds).toBe(30)
  })

  it('asks a steady-state optimizer for what fits', async () => {
    const optimizer = new CountingOptimizer()

    const summary = await runSearch(
      baseOptions({ optimizer, concurrency: 2, budget: { evaluations: 5 } }),
    )

    expect(optimizer.asks).toEqual([2, 1, 1, 1])
    expect(summary.counts.evaluated).toBe(5)
  })

  it('evaluates two at once with concurrency 2', async () => {
    let running = 0
    let maxRunning = 0
    const evaluator = new RecordingEvaluator(async () => {
      running++
      maxRunning = Math.max(maxRunning, running)
      for (let turn = 0; turn < 5; turn++) {
        await new Promise((resolve) => setImmediate(resolve))
      }
      running--
      return okEvaluation(0.5)
    })
    const optimizer = new ScriptedOptimizer([
      [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
        [5, 1],
      ],
    ])

    const summary = await runSearch(
      baseOptions({ optimizer, evaluator, concurrency: 2 }),
    )

    expect(maxRunning).toBe(2)
    expect(summary.counts.ok).toBe(5)
    const told = optimizer.tells[0]?.map((result) => result.candidate.id)
    expect(told).toEqual(['g0-0', 'g0-1', 'g0-2', 'g0-3', 'g0-4'])
  })

  it('evaluates one at a time by default', async () => {
    let running = 0
    let maxRunning = 0
    const evaluator = new RecordingEvaluator(async () => {
      running++
      maxRunning = Math.max(maxRunning, running)
      await new Promise((resolve) => setImmediate(resolve))
      running--
      return okEvaluation(0.5)
    })
    const optimizer = new ScriptedOptimizer([
      [
        [1, 1],
        [2, 1],
        [3, 1],
      ],
    ])

    await runSearch(baseOptions({ optimizer, evaluator }))

    expect(maxRunning).toBe(1)
  })

  it('journals a failed run and rethrows an optimizer error', async () => {
    const run = openTempRun()
    const optimizer = new ScriptedOptimizer([[[1, 1]], [[2, 1]]])
    optimizer.tell = () => {
      throw new Error('population collapsed')
    }

    await expect(runSearch(baseOptions({ optimizer, run }))).rejects.toThrow(
      'population collapsed',
    )

    const end = journalOf(run).at(-1)
    expect(end).toMatchObject({
      type: 'run-end',
      reason: 'failed',
      message: 'population collapsed',
    })
    const written = JSON.parse(readFileSync(run.summaryPath, 'utf8'))
    expect(written.status).toBe('failed')
    expect(written.counts.evaluated).toBe(1)
  })

  it('rejects repeated candidate ids', async () => {
    const optimizer = new ScriptedOptimizer([[[1, 1]], [[2, 1]]])
    const ask = optimizer.ask.bind(optimizer)
    optimizer.ask = (n) =>
      ask(n).map((candidate) => ({ ...candidate, id: 'x' }))

    await expect(runSearch(baseOptions({ optimizer }))).rejects.toMatchObject({
      code: 'NORD_ERR_OPTIMIZER',
    })
  })

  it('reports every invalid option before journaling', async () => {
    const run = openTempRun()
    const optimizer = new ScriptedOptimizer([[[1, 1]]])
    const options = baseOptions({
      optimizer,
      run,
      budget: {},
      concurrency: 0,
      evaluationTimeout: -1,
    })

    const error = await runSearch(options).catch((caught) => caught)

    expect(error).toBeInstanceOf(NordValidationError)
    const paths = (error as NordValidationError).issues.map(
      (issue) => issue.path,
    )
    expect(paths).toEqual(['budget', 'concurrency', 'evaluationTimeout'])
    expect(readFileSync(run.journalPath, 'utf8')).toBe('')
  })

  it('sets up and tears down the evaluator with the context', async () => {
    const calls: string[] = []
    const evaluator = new RecordingEvaluator()
    const context = { logger: createLogger({ level: 'silent' }) }
    Object.assign(evaluator, {
      setup: (received: unknown) => {
        calls.push(received === context ? 'setup(context)' : 'setup(other)')
      },
      teardown: () => {
        calls.push('teardown')
      },
    })
    const optimizer = new ScriptedOptimizer([[[1, 1]]])

    await runSearch(
      baseOptions({
        optimizer,
        evaluator,
        context: context as unknown as EvaluatorContext,
      }),
    )

    expect(calls).toEqual(['setup(context)', 'teardown'])
  })

  it('reports progress for a progress bar', async () => {
    const events: SearchProgressEvent[] = []
    const optimizer = new ScriptedOptimizer([
      [
        [3, 1],
        [5, 2],
      ],
      [[7, 3]],
    ])

    await runSearch(
      baseOptions({
        optimizer,
        budget: { evaluations: 3 },
        onProgress: (event) => events.push(event),
      }),
    )

    expect(events.map((event) => event.type)).toEqual([
      'candidate-started',
      'candidate-finished',
      'candidate-started',
      'candidate-finished',
      'generation-finished',
      'candidate-started',
      'candidate-finished',
      'generation-finished',
    ])
    const last = events.at(-1)!
    expect(last.progress.done).toBe(3)
    expect(last.progress.total).toBe(3)
    expect(last.progress.best).toEqual({ candidateId: 'g1-0', fitness: 0.7 })
    expect(last.progress.remainingSeconds).toBe(0)
  })

  it('ignores a throwing progress callback', async () => {
    const lines: string[] = []
    const optimizer = new ScriptedOptimizer([[[3, 1]]])

    const summary = await runSearch(
      baseOptions({
        optimizer,
        logger: createLogger({
          level: 'warn',
          write: (line) => lines.push(line),
        }),
        onProgress: () => {
          throw new Error('display closed')
        },
      }),
    )

    expect(summary.counts.ok).toBe(1)
    expect(lines[0]).toContain('WARN progress callback failed')
    expect(lines[0]).toContain('display closed')
  })

  it('logs failed candidates as warnings', async () => {
    const lines: string[] = []
    const evaluator = new RecordingEvaluator(async () => {
      throw new Error('no memory')
    })
    const optimizer = new ScriptedOptimizer([[[3, 1]]])

    await runSearch(
      baseOptions({
        optimizer,
        evaluator,
        logger: createLogger({
          level: 'warn',
          write: (line) => lines.push(line),
        }),
      }),
    )

    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('WARN candidate failed candidate=g0-0')
  })

  it('passes each request its descriptor and candidate', async () => {
    const evaluator = new RecordingEvaluator()
    const optimizer = new ScriptedOptimizer([[[4, 2]]])

    await runSearch(baseOptions({ optimizer, evaluator }))

    const request = evaluator.requests[0] as EvaluationRequest
    expect(request.descriptor).toEqual(fakeSpace.decode([4, 2]))
    expect(request.candidate.id).toBe('g0-0')
    expect(request.signal?.aborted).toBe(false)
  })

  it('uses core descriptor checks by default', async () => {
    const run = openTempRun()
    const evaluator = new RecordingEvaluator()
    const context = {
      dataset: { inputShape: [28, 28, 1], classes: 10 },
    } as unknown as EvaluatorContext
    const optimizer = new ScriptedOptimizer([
      [
        [8, 3, 8, 3],
        [8, 29, 8, 3],
        [8, 20, 8, 10],
        [8, 3, 8, 3],
      ],
    ])

    await runSearch({
      optimizer,
      evaluator,
      context,
      space: convNetSizeSpace(),
      seed: 1,
      budget: { evaluations: 4 },
      run,
    })

    const events = evaluationsOf(journalOf(run))
    const statuses = events.map((event) => event.evaluation.status)
    expect(statuses).toEqual(['ok', 'invalid', 'invalid', 'ok'])
    expect(events[1]?.evaluation.reason).toContain('kernel')
    expect(events[3]?.cacheHit).toEqual({ of: 'g0-0' })
    expect(events[0]?.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(evaluator.requests).toHaveLength(1)
  })
})
