import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  openRunDirectory,
  type RunDirectory,
  readJournal,
  readRunDirectory,
} from '../src/search/run-directory.js'
import { runSearch } from '../src/search/search-loop.js'
import type {
  SearchOptions,
  SearchSummary,
} from '../src/search/search-types.js'
import type {
  Candidate,
  Evaluation,
  EvaluationRequest,
  Evaluator,
  Genotype,
  JournalEvent,
  Result,
} from '../src/types.js'
import {
  AgingOptimizer,
  CountingOptimizer,
  fakeHash,
  fakeSpace,
  fakeValidate,
  okEvaluation,
  RecordingEvaluator,
} from './search-fakes.js'

const folders: string[] = []
const runs: RunDirectory[] = []

afterEach(() => {
  for (const run of runs.splice(0)) run.close()
  for (const folder of folders.splice(0)) {
    rmSync(folder, { recursive: true, force: true })
  }
})

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'nord-steady-'))
  folders.push(folder)
  return folder
}

function openTempRun(): RunDirectory {
  const run = openRunDirectory(join(tempFolder(), 'run'))
  runs.push(run)
  return run
}

function track(run: RunDirectory): RunDirectory {
  runs.push(run)
  return run
}

/**
 * An evaluator whose evaluations end only when the test settles them, so
 * that tests decide the order in which results arrive.
 */
class ControlledEvaluator implements Evaluator {
  readonly name = 'test:controlled'
  readonly requests: EvaluationRequest[] = []
  private readonly settlers = new Map<string, (value: Evaluation) => void>()
  private readonly waiters = new Map<string, () => void>()

  evaluate(request: EvaluationRequest): Promise<Evaluation> {
    const { id } = request.candidate
    this.requests.push(request)
    const evaluation = new Promise<Evaluation>((resolve) => {
      this.settlers.set(id, resolve)
    })
    this.waiters.get(id)?.()
    return evaluation
  }

  /** Resolves once the loop has requested the evaluation of `id`. */
  async requested(id: string): Promise<void> {
    if (this.settlers.has(id)) return
    await new Promise<void>((resolve) => this.waiters.set(id, resolve))
  }

  finish(id: string, fitness = 0.5): void {
    const settle = this.settlers.get(id)
    if (settle === undefined) throw new Error(`${id} was never requested`)
    settle(okEvaluation(fitness))
  }

  /** Returns the ids of the requests whose signal was never aborted. */
  notAborted(): string[] {
    return this.requests
      .filter((request) => !request.signal?.aborted)
      .map((request) => request.candidate.id)
  }
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

/** Labels the events like `ask c2`, `evaluation c1` and `tell c1`. */
function labels(events: JournalEvent[]): string[] {
  return events.flatMap((event) => {
    switch (event.type) {
      case 'ask':
        return [`ask ${event.candidates.map(({ id }) => id).join(' ')}`]
      case 'evaluation':
        return [`evaluation ${event.candidate.id}`]
      case 'tell':
        return [`tell ${event.candidateIds.join(' ')}`]
      default:
        return [event.type]
    }
  })
}

function journalLabels(run: RunDirectory): string[] {
  return labels(readJournal(run.journalPath).events)
}

/** Proposes one candidate at a time, and nothing while one is pending. */
class OneAtATimeOptimizer extends CountingOptimizer {
  private waiting = false

  override ask(n = 1): Candidate[] {
    if (this.waiting) {
      this.asks.push(n)
      return []
    }
    this.waiting = true
    return super.ask(1)
  }

  override tell(results: Result[]): void {
    super.tell(results)
    this.waiting = false
  }
}

describe('steady-state loop', () => {
  it('tells a fast result before a slow one ends', async () => {
    const run = openTempRun()
    const evaluator = new ControlledEvaluator()
    const search = runSearch(
      baseOptions({
        optimizer: new CountingOptimizer(),
        evaluator,
        run,
        concurrency: 2,
        budget: { evaluations: 3 },
      }),
    )

    await evaluator.requested('c1')
    evaluator.finish('c1')
    await evaluator.requested('c2')
    const whileSlowRuns = journalLabels(run)
    evaluator.finish('c0')
    evaluator.finish('c2')
    await search

    expect(whileSlowRuns).toContain('tell c1')
    expect(whileSlowRuns).toContain('ask c2')
    expect(whileSlowRuns).not.toContain('evaluation c0')
    const all = journalLabels(run)
    expect(all.indexOf('tell c1')).toBeLessThan(all.indexOf('ask c2'))
    expect(all.indexOf('ask c2')).toBeLessThan(all.indexOf('evaluation c0'))
  })

  it('keeps concurrency evaluations in flight', async () => {
    const evaluator = new ControlledEvaluator()
    const optimizer = new CountingOptimizer()
    const search = runSearch(
      baseOptions({
        optimizer,
        evaluator,
        concurrency: 3,
        budget: { evaluations: 6 },
      }),
    )
    const finished: string[] = []
    const inFlight = () => evaluator.requests.length - finished.length
    const counts: number[] = []

    await evaluator.requested('c2')
    counts.push(inFlight())
    for (const [done, next] of [
      ['c0', 'c3'],
      ['c1', 'c4'],
      ['c2', 'c5'],
    ] as const) {
      evaluator.finish(done)
      finished.push(done)
      await evaluator.requested(next)
      counts.push(inFlight())
    }
    for (const id of ['c3', 'c4', 'c5']) evaluator.finish(id)
    const summary = await search

    expect(counts).toEqual([3, 3, 3, 3])
    expect(optimizer.asks).toEqual([3, 1, 1, 1])
    expect(summary.counts.evaluated).toBe(6)
  })

  it('asks for one candidate after each tell', async () => {
    const run = openTempRun()
    const optimizer = new CountingOptimizer()

    const summary = await runSearch(
      baseOptions({
        optimizer,
        run,
        concurrency: 2,
        budget: { evaluations: 5 },
      }),
    )

    const asksAndTells = journalLabels(run)
      .filter((label) => /^(ask|tell)/.test(label))
      .map((label) => label.split(' ')[0])
    expect(asksAndTells).toEqual([
      'ask',
      'tell',
      'ask',
      'tell',
      'ask',
      'tell',
      'ask',
      'tell',
      'tell',
    ])
    expect(optimizer.asks).toEqual([2, 1, 1, 1])
    expect(summary.generations).toBe(5)
  })

  it('counts started evaluations against the budget', async () => {
    const evaluator = new RecordingEvaluator()
    const optimizer = new CountingOptimizer()

    const summary = await runSearch(
      baseOptions({
        optimizer,
        evaluator,
        concurrency: 3,
        budget: { evaluations: 5 },
      }),
    )

    expect(summary.stopReason).toBe('evaluations')
    expect(summary.counts.evaluated).toBe(5)
    expect(summary.counts.candidates).toBe(5)
    expect(evaluator.requests).toHaveLength(5)
    expect(optimizer.asks).toEqual([3, 1, 1])
  })

  it('counts each tell against the generation budget', async () => {
    const optimizer = new CountingOptimizer()

    const summary = await runSearch(
      baseOptions({ optimizer, concurrency: 2, budget: { generations: 3 } }),
    )

    expect(summary.stopReason).toBe('generations')
    expect(summary.generations).toBe(3)
    expect(summary.counts.evaluated).toBe(3)
    expect(optimizer.asks).toEqual([2, 1])
  })

  it('tells running evaluations after the time budget', async () => {
    let clock = 0
    const evaluator = new ControlledEvaluator()
    const optimizer = new CountingOptimizer()
    const search = runSearch(
      baseOptions({
        optimizer,
        evaluator,
        concurrency: 2,
        budget: { seconds: 25 },
        now: () => clock,
      }),
    )

    await evaluator.requested('c1')
    clock = 30_000
    evaluator.finish('c0')
    evaluator.finish('c1')
    const summary = await search

    expect(summary.stopReason).toBe('seconds')
    expect(optimizer.tells).toEqual([['c0'], ['c1']])
    expect(optimizer.asks).toEqual([2])
    expect(evaluator.requests).toHaveLength(2)
  })

  it('waits for a result when the optimizer proposes nothing', async () => {
    const optimizer = new OneAtATimeOptimizer()

    const summary = await runSearch(
      baseOptions({ optimizer, concurrency: 2, budget: { evaluations: 3 } }),
    )

    expect(summary.stopReason).toBe('evaluations')
    expect(summary.counts.evaluated).toBe(3)
    expect(optimizer.asks).toEqual([1, 1, 1, 1, 1])
  })

  it('stops as interrupted with evaluations in flight', async () => {
    const run = openTempRun()
    const controller = new AbortController()
    const evaluator = new ControlledEvaluator()
    const search = runSearch(
      baseOptions({
        optimizer: new CountingOptimizer(),
        evaluator,
        run,
        concurrency: 2,
        signal: controller.signal,
      }),
    )

    await evaluator.requested('c1')
    evaluator.finish('c1')
    await evaluator.requested('c2')
    controller.abort()
    const summary = await search

    expect(summary.status).toBe('interrupted')
    expect(summary.counts.evaluated).toBe(1)
    expect(evaluator.notAborted()).toEqual(['c1'])
    const all = journalLabels(run)
    expect(all.filter((label) => label.startsWith('evaluation'))).toEqual([
      'evaluation c1',
    ])
    expect(all.at(-1)).toBe('run-end')
  })

  it('ends running evaluations before rethrowing a tell error', async () => {
    const run = openTempRun()
    const evaluator = new ControlledEvaluator()
    const optimizer = new CountingOptimizer()
    optimizer.tell = () => {
      throw new Error('population collapsed')
    }
    const search = runSearch(
      baseOptions({ optimizer, evaluator, run, concurrency: 2 }),
    )
    const failure = search.catch((error: unknown) => error)

    await evaluator.requested('c1')
    evaluator.finish('c0')
    const error = await failure

    expect(String(error)).toContain('population collapsed')
    expect(evaluator.requests[1]?.signal?.aborted).toBe(true)
    const events = readJournal(run.journalPath).events
    expect(events.at(-1)).toMatchObject({ type: 'run-end', reason: 'failed' })
    expect(labels(events)).not.toContain('evaluation c1')
  })

  it('repeats itself from the seed with concurrency 1', async () => {
    const evaluator = () =>
      new RecordingEvaluator(async (request) => {
        // Durations differ per candidate, in event-loop turns.
        const turns = request.candidate.genotype[0]! % 4
        for (let turn = 0; turn < turns; turn++) {
          await new Promise((resolve) => setImmediate(resolve))
        }
        return okEvaluation(request.candidate.genotype[1]! / 10)
      })
    const journalOf = async () => {
      const run = openTempRun()
      await runSearch(
        baseOptions({
          optimizer: new AgingOptimizer(3),
          evaluator: evaluator(),
          run,
          budget: { evaluations: 12 },
        }),
      )
      return readJournal(run.journalPath).events.flatMap((event) =>
        event.type === 'tell' ? [event.optimizerState] : [],
      )
    }

    const first = await journalOf()
    const second = await journalOf()

    expect(first).toHaveLength(12)
    expect(second).toEqual(first)
  })
})

// ---------------------------------------------------------------------------
// Resume

const BUDGET = 9

function resumeOptions(
  run: RunDirectory,
  evaluator: Evaluator,
  concurrency: number,
): SearchOptions {
  return {
    optimizer: new AgingOptimizer(11),
    space: fakeSpace,
    evaluator,
    seed: 5,
    budget: { evaluations: BUDGET },
    concurrency,
    run,
    validate: fakeValidate,
    hash: fakeHash,
  }
}

/** Scores by both genes, so that equal genotypes score equally. */
function scoreOf(genotype: Genotype): Evaluation {
  return okEvaluation(((genotype[0]! * 7 + genotype[1]! * 3) % 10) / 10 + 0.01)
}

/** An evaluator whose durations differ per candidate, in event-loop turns. */
function unevenEvaluator(): RecordingEvaluator {
  return new RecordingEvaluator(async (request) => {
    const turns = (request.candidate.genotype[0]! * 3) % 5
    for (let turn = 0; turn < turns; turn++) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    return scoreOf(request.candidate.genotype)
  })
}

/** Resumes the run in `dir` with a fresh optimizer, as the CLI does. */
async function resume(dir: string, concurrency: number) {
  const contents = readRunDirectory(dir)
  const run = track(openRunDirectory(dir, { resume: true }))
  const evaluator = unevenEvaluator()
  const summary = await runSearch({
    ...resumeOptions(run, evaluator, concurrency),
    resume: contents.journal,
  })
  run.close()
  const events = readJournal(join(dir, 'journal.jsonl')).events
  return { summary, evaluator, before: contents.journal.events, events }
}

/**
 * Checks what an interruption must never cost: every evaluation journaled
 * before it is reused, none is journaled twice, every evaluation is told
 * once, and each id names one genotype.
 */
function expectNothingLost(
  resumed: Awaited<ReturnType<typeof resume>>,
  where: string,
): void {
  const { summary, evaluator, before, events } = resumed
  const journaledBefore = new Set(
    before.flatMap((event) =>
      event.type === 'evaluation' ? [event.candidate.id] : [],
    ),
  )
  const evaluatedAgain = evaluator.requests
    .map((request) => request.candidate.id)
    .filter((id) => journaledBefore.has(id))
  expect(evaluatedAgain, where).toEqual([])

  const evaluated = events.flatMap((event) =>
    event.type === 'evaluation' ? [event.candidate.id] : [],
  )
  expect(new Set(evaluated).size, where).toBe(evaluated.length)
  expect(evaluated, where).toHaveLength(BUDGET)

  const told = events.flatMap((event) =>
    event.type === 'tell' ? event.candidateIds : [],
  )
  expect(new Set(told).size, where).toBe(told.length)
  expect([...told].sort(), where).toEqual([...evaluated].sort())

  const genotypes = new Map<string, string>()
  for (const event of events) {
    if (event.type !== 'ask') continue
    for (const { id, genotype } of event.candidates) {
      const text = genotype.join(',')
      expect(genotypes.get(id) ?? text, `${where}: ${id}`).toBe(text)
      genotypes.set(id, text)
    }
  }

  expect(summary.status, where).toBe('completed')
  expect(summary.stopReason, where).toBe('evaluations')
  expect(summary.counts.evaluated, where).toBe(BUDGET)
  const lastTell = events.findLast((event) => event.type === 'tell')
  expect(lastTell?.optimizerState, where).toMatchObject({ pending: [] })
}

async function uninterrupted(concurrency: number) {
  const run = track(openRunDirectory(join(tempFolder(), 'full')))
  const evaluator = unevenEvaluator()
  const summary = await runSearch(resumeOptions(run, evaluator, concurrency))
  run.close()
  const text = readFileSync(run.journalPath, 'utf8')
  return {
    summary,
    text,
    events: readJournal(run.journalPath).events,
    calls: evaluator.requests.length,
  }
}

function tellsOf(events: JournalEvent[]) {
  return events.flatMap((event) =>
    event.type === 'tell'
      ? [{ ids: event.candidateIds, state: event.optimizerState }]
      : [],
  )
}

function countsOf(summary: SearchSummary) {
  return {
    counts: summary.counts,
    generations: summary.generations,
    best: summary.best?.candidate.id,
  }
}

describe('steady-state resume', () => {
  it('journals pending candidates with each tell', async () => {
    const full = await uninterrupted(2)

    const states = tellsOf(full.events).map(
      ({ state }) => (state as { pending: unknown[] }).pending.length,
    )

    expect(states.some((pending) => pending > 0)).toBe(true)
  })

  for (const concurrency of [1, 2]) {
    it(`loses nothing after a kill at any line, concurrency ${concurrency}`, async () => {
      const full = await uninterrupted(concurrency)
      const lines = full.text.split('\n').filter((line) => line !== '')

      // Each line is kept whole or cut in half, alternately, which covers
      // both cases at every kind of event in half the time.
      for (let kept = 1; kept < lines.length - 1; kept++) {
        const partial = kept % 2 === 1
        const dir = join(tempFolder(), `kill-${kept}`)
        mkdirSync(dir)
        const prefix = lines.slice(0, kept).map((line) => `${line}\n`)
        const next = lines[kept]!
        const tail = partial ? next.slice(0, next.length >> 1) : ''
        writeFileSync(join(dir, 'journal.jsonl'), prefix.join('') + tail)

        const resumed = await resume(dir, concurrency)

        const where = `kept ${kept} lines, partial ${partial}`
        expectNothingLost(resumed, where)
        if (concurrency === 1) {
          expect(tellsOf(resumed.events), where).toEqual(tellsOf(full.events))
          expect(countsOf(resumed.summary), where).toEqual(
            countsOf(full.summary),
          )
        }
      }
    }, 60_000)

    it(`loses nothing after an abort at any evaluation, concurrency ${concurrency}`, async () => {
      const full = await uninterrupted(concurrency)
      expect(full.calls).toBeGreaterThan(3)

      for (let stopAt = 1; stopAt <= full.calls; stopAt++) {
        const dir = join(tempFolder(), `abort-${stopAt}`)
        const run = track(openRunDirectory(dir))
        const controller = new AbortController()
        const uneven = unevenEvaluator()
        let calls = 0
        const evaluator = new RecordingEvaluator(async (request) => {
          calls++
          if (calls < stopAt) return uneven.evaluate(request)
          controller.abort()
          return new Promise<Evaluation>(() => {})
        })
        const first = await runSearch({
          ...resumeOptions(run, evaluator, concurrency),
          signal: controller.signal,
        })
        run.close()
        expect(first.status).toBe('interrupted')

        const resumed = await resume(dir, concurrency)

        const where = `aborted at evaluation ${stopAt}`
        expectNothingLost(resumed, where)
        if (concurrency === 1) {
          expect(tellsOf(resumed.events), where).toEqual(tellsOf(full.events))
        }
      }
    }, 60_000)
  }

  /**
   * Interrupts a run with concurrency 2 when c1 is told, c0 is still
   * running and c2 was asked after the tell: c0 is pending in the journaled
   * optimizer state, and c2 is not.
   */
  async function interruptWithPending(): Promise<string> {
    const dir = join(tempFolder(), 'pending')
    const run = track(openRunDirectory(dir))
    const controller = new AbortController()
    const evaluator = new ControlledEvaluator()
    const search = runSearch({
      ...resumeOptions(run, evaluator, 2),
      signal: controller.signal,
    })
    await evaluator.requested('c1')
    evaluator.finish('c1')
    await evaluator.requested('c2')
    controller.abort()
    await search
    run.close()
    return dir
  }

  it('evaluates a candidate pending at the last tell without asking', async () => {
    const dir = await interruptWithPending()

    const resumed = await resume(dir, 2)

    const requested = resumed.evaluator.requests.map(
      (request) => request.candidate.id,
    )
    expect(requested.slice(0, 2)).toEqual(['c0', 'c2'])
    const session = labels(resumed.events.slice(resumed.before.length))
    const asks = session.filter((label) => label.startsWith('ask'))
    expect(asks[0]).toBe('ask c2')
    expectNothingLost(resumed, 'pending c0')
  })

  it('asks again before the first tell with less concurrency', async () => {
    const dir = await interruptWithPending()

    const resumed = await resume(dir, 1)

    const session = labels(resumed.events.slice(resumed.before.length))
    expect(session.indexOf('ask c2')).toBeGreaterThan(-1)
    expect(session.indexOf('ask c2')).toBeLessThan(session.indexOf('tell c0'))
    expectNothingLost(resumed, 'pending c0, concurrency 1')
  })

  it('reuses a journaled result that was never told', async () => {
    const dir = join(tempFolder(), 'untold')
    const run = track(openRunDirectory(dir))
    const controller = new AbortController()
    const evaluator = new ControlledEvaluator()
    const search = runSearch({
      ...resumeOptions(run, evaluator, 2),
      signal: controller.signal,
      onProgress: (event) => {
        // Aborts after the evaluation is journaled, before its tell.
        if (event.type === 'candidate-finished') controller.abort()
      },
    })
    await evaluator.requested('c1')
    evaluator.finish('c1')
    await search
    run.close()
    const untold = labels(readJournal(join(dir, 'journal.jsonl')).events)
    expect(untold).toContain('evaluation c1')
    expect(untold).not.toContain('tell c1')

    const resumed = await resume(dir, 2)

    const requested = resumed.evaluator.requests.map(
      (request) => request.candidate.id,
    )
    expect(requested).not.toContain('c1')
    expect(labels(resumed.events)).toContain('tell c1')
    expectNothingLost(resumed, 'untold c1')
  })
})
