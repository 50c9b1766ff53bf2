import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isNordError } from '../src/errors.js'
import { createRandom, type Random } from '../src/random.js'
import {
  openRunDirectory,
  type RunDirectory,
  readJournal,
  readRunDirectory,
} from '../src/search/run-directory.js'
import { runSearch } from '../src/search/search-loop.js'
import type {
  SearchBudget,
  SearchOptions,
  SearchSummary,
} from '../src/search/search-types.js'
import type {
  Candidate,
  Evaluation,
  Genotype,
  JournalEvent,
  JsonValue,
  Optimizer,
  Result,
} from '../src/types.js'
import {
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
  const folder = mkdtempSync(join(tmpdir(), 'nord-resume-'))
  folders.push(folder)
  return folder
}

function track(run: RunDirectory): RunDirectory {
  runs.push(run)
  return run
}

interface SeededState {
  [key: string]: JsonValue
  issued: number
  generation: number
  pending: { id: string; genotype: number[] }[] | null
  best: number[] | null
  bestFitness: number
  random: number[]
}

/**
 * A seeded optimizer with state and restore. Generational: it proposes
 * `population` mutants of the best genotype so far and repeats the pending
 * generation until every result has arrived. Steady-state: it proposes `n`
 * new mutants per ask.
 */
class SeededOptimizer implements Optimizer {
  readonly name = 'test:seeded'
  readonly version = '0.0.0'
  private readonly random: Random
  private issued = 0
  private generation = 0
  private pending: Candidate[] | null = null
  private readonly received = new Set<string>()
  private best: Genotype | null = null
  private bestFitness = -1

  constructor(
    seed: number,
    readonly mode: 'generational' | 'steady-state' = 'generational',
    private readonly population = 3,
  ) {
    this.random = createRandom(seed)
  }

  ask(n = 1): Candidate[] {
    if (this.mode === 'steady-state') {
      return Array.from({ length: n }, () => this.propose())
    }
    if (this.pending === null) {
      this.pending = Array.from({ length: this.population }, () =>
        this.propose(),
      )
      this.received.clear()
    }
    return this.pending.map((candidate) => structuredClone(candidate))
  }

  tell(results: Result[]): void {
    for (const { candidate, evaluation } of results) {
      this.received.add(candidate.id)
      if (evaluation.fitness > this.bestFitness) {
        this.bestFitness = evaluation.fitness
        this.best = candidate.genotype.slice()
      }
    }
    const complete =
      this.pending !== null && this.received.size === this.pending.length
    if (complete) {
      this.pending = null
      this.generation++
    }
  }

  state(): SeededState {
    return {
      issued: this.issued,
      generation: this.generation,
      pending:
        this.pending?.map(({ id, genotype }) => ({ id, genotype })) ?? null,
      best: this.best,
      bestFitness: this.bestFitness,
      random: this.random.getState(),
    }
  }

  restore(value: JsonValue): void {
    const state = value as SeededState
    if (!Array.isArray(state?.random)) throw new Error('not a seeded state')
    this.issued = state.issued
    this.generation = state.generation
    this.pending =
      state.pending?.map((candidate) => ({
        ...candidate,
        generation: state.generation,
      })) ?? null
    this.received.clear()
    this.best = state.best
    this.bestFitness = state.bestFitness
    this.random.setState(state.random)
  }

  private propose(): Candidate {
    const genes = fakeSpace.genes
    const genotype = genes.map((gene, index) => {
      const base = this.best?.[index]
      if (base !== undefined && !this.random.chance(0.5)) return base
      return this.random.int(gene.min, gene.max)
    })
    const id = `s${this.issued++}`
    return this.mode === 'generational'
      ? { id, genotype, generation: this.generation }
      : { id, genotype }
  }
}

/** Scores by both genes, so that equal genotypes score equally. */
function scoreOf(genotype: Genotype): Evaluation {
  return okEvaluation(((genotype[0]! * 7 + genotype[1]! * 3) % 10) / 10 + 0.01)
}

interface Scenario {
  mode: 'generational' | 'steady-state'
  budget: SearchBudget
  concurrency: number
}

const scenarios: Record<string, Scenario> = {
  generational: {
    mode: 'generational',
    budget: { generations: 4 },
    concurrency: 1,
  },
  // With more than one evaluation in flight the order of arrival decides
  // which results the optimizer receives first, so only a run with
  // concurrency 1 must repeat itself exactly. search-steady-state.test.ts
  // checks concurrency 2.
  'steady-state': {
    mode: 'steady-state',
    budget: { evaluations: 9 },
    concurrency: 1,
  },
}

function options(
  scenario: Scenario,
  run: RunDirectory,
  evaluator = new RecordingEvaluator(async (request) =>
    scoreOf(request.candidate.genotype),
  ),
): SearchOptions & { evaluator: RecordingEvaluator } {
  return {
    optimizer: new SeededOptimizer(11, scenario.mode),
    space: fakeSpace,
    evaluator,
    seed: 5,
    budget: scenario.budget,
    concurrency: scenario.concurrency,
    config: { scenario: scenario.mode },
    run,
    validate: fakeValidate,
    hash: fakeHash,
  }
}

/** What must not change when a run is interrupted and resumed. */
function record(events: JournalEvent[]) {
  return {
    evaluations: events.flatMap((event) =>
      event.type === 'evaluation'
        ? [
            {
              id: event.candidate.id,
              genotype: event.candidate.genotype,
              accuracy: event.evaluation.accuracy,
              status: event.evaluation.status,
              cacheHitOf: event.cacheHit?.of ?? null,
            },
          ]
        : [],
    ),
    tells: events.flatMap((event) =>
      event.type === 'tell'
        ? [{ ids: event.candidateIds, state: event.optimizerState }]
        : [],
    ),
  }
}

function countsOf(summary: SearchSummary) {
  return {
    counts: summary.counts,
    generations: summary.generations,
    best: summary.best?.candidate.id,
    stopReason: summary.stopReason,
  }
}

async function uninterrupted(scenario: Scenario) {
  const run = track(openRunDirectory(join(tempFolder(), 'full')))
  const search = options(scenario, run)
  const summary = await runSearch(search)
  run.close()
  const text = readFileSync(run.journalPath, 'utf8')
  const events = readJournal(run.journalPath).events
  return { summary, text, events, calls: search.evaluator.requests.length }
}

/** Resumes the run in `dir` with a fresh optimizer, as the CLI does. */
async function resume(dir: string, scenario: Scenario) {
  const contents = readRunDirectory(dir)
  const run = track(openRunDirectory(dir, { resume: true }))
  const evaluator = new RecordingEvaluator(async (request) =>
    scoreOf(request.candidate.genotype),
  )
  const summary = await runSearch({
    ...options(scenario, run, evaluator),
    resume: contents.journal,
  })
  run.close()
  return { summary, evaluator, contents }
}

describe('resume after a kill', () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(`continues a ${name} run from every journal line`, async () => {
      const full = await uninterrupted(scenario)
      const lines = full.text.split('\n').filter((line) => line !== '')
      const expected = record(full.events)

      // A killed process leaves a prefix of the journal, possibly with half
      // of the next line.
      for (let kept = 0; kept < lines.length - 1; kept++) {
        for (const partial of [false, true]) {
          const dir = join(tempFolder(), `kill-${kept}`)
          mkdirSync(dir)
          const prefix = lines.slice(0, kept).map((line) => `${line}\n`)
          const next = lines[kept]!
          const tail = partial ? next.slice(0, next.length >> 1) : ''
          writeFileSync(join(dir, 'journal.jsonl'), prefix.join('') + tail)

          const resumed = await resume(dir, scenario)
          const events = readJournal(join(dir, 'journal.jsonl')).events
          const where = `kept ${kept} lines, partial ${partial}`

          expect(record(events), where).toEqual(expected)
          expect(countsOf(resumed.summary), where).toEqual(
            countsOf(full.summary),
          )
          const before = new Set(
            resumed.contents.journal.events.flatMap((event) =>
              event.type === 'evaluation' ? [event.candidate.id] : [],
            ),
          )
          const again = resumed.evaluator.requests.filter((request) =>
            before.has(request.candidate.id),
          )
          expect(again, where).toEqual([])
        }
      }
    })
  }
})

describe('resume after an abort', () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(`continues a ${name} run aborted at each evaluation`, async () => {
      const full = await uninterrupted(scenario)
      const expected = record(full.events)
      expect(full.calls).toBeGreaterThan(3)

      for (let stopAt = 1; stopAt <= full.calls; stopAt++) {
        const dir = join(tempFolder(), `abort-${stopAt}`)
        const run = track(openRunDirectory(dir))
        const controller = new AbortController()
        let calls = 0
        const evaluator = new RecordingEvaluator(async (request) => {
          calls++
          if (calls < stopAt) return scoreOf(request.candidate.genotype)
          controller.abort()
          return new Promise<Evaluation>(() => {})
        })
        const first = await runSearch({
          ...options(scenario, run, evaluator),
          signal: controller.signal,
        })
        run.close()
        expect(first.status).toBe('interrupted')

        const resumed = await resume(dir, scenario)
        const events = readJournal(join(dir, 'journal.jsonl')).events

        expect(record(events), `aborted at ${stopAt}`).toEqual(expected)
        expect(countsOf(resumed.summary)).toEqual(countsOf(full.summary))
        expect(resumed.summary.status).toBe('completed')
      }
    })
  }

  it('resumes a run interrupted twice', async () => {
    const scenario = scenarios.generational!
    const full = await uninterrupted(scenario)
    const dir = join(tempFolder(), 'twice')
    let run = track(openRunDirectory(dir))

    for (const stopAt of [2, 3]) {
      const controller = new AbortController()
      let calls = 0
      const evaluator = new RecordingEvaluator(async (request) => {
        calls++
        if (calls < stopAt) return scoreOf(request.candidate.genotype)
        controller.abort()
        return new Promise<Evaluation>(() => {})
      })
      const contents = readRunDirectory(dir)
      await runSearch({
        ...options(scenario, run, evaluator),
        signal: controller.signal,
        ...(contents.journal.events.length > 0
          ? { resume: contents.journal }
          : {}),
      })
      run.close()
      run = track(openRunDirectory(dir, { resume: true }))
    }
    run.close()
    await resume(dir, scenario)

    const events = readJournal(join(dir, 'journal.jsonl')).events
    expect(record(events)).toEqual(record(full.events))
    const types = events.map((event) => event.type)
    expect(types.filter((type) => type === 'run-resume')).toHaveLength(2)
  })
})

describe('run-resume event', () => {
  it('records the events read and the dropped line', async () => {
    const scenario = scenarios.generational!
    const full = await uninterrupted(scenario)
    const lines = full.text.split('\n')
    const dir = join(tempFolder(), 'dropped')
    mkdirSync(dir)
    writeFileSync(
      join(dir, 'journal.jsonl'),
      `${lines.slice(0, 4).join('\n')}\n{"type":"evalu`,
    )

    await resume(dir, scenario)

    const events = readJournal(join(dir, 'journal.jsonl')).events
    const resumeEvent = events[4]
    expect(resumeEvent?.type).toBe('run-resume')
    expect(resumeEvent).toMatchObject({
      seed: 5,
      events: 4,
      dropped: { line: 5, text: '{"type":"evalu' },
      config: { scenario: 'generational' },
    })
  })

  it('counts earlier sessions against the time budget', async () => {
    const dir = join(tempFolder(), 'late')
    mkdirSync(dir)
    const start: JournalEvent = {
      type: 'run-start',
      time: '2024-01-01T00:00:00.000Z',
      seed: 5,
      config: {},
      nord: '0.1.0',
    }
    const ask: JournalEvent = {
      type: 'ask',
      time: '2024-01-01T00:00:10.000Z',
      candidates: [{ id: 's0', genotype: [1, 1] }],
    }
    writeFileSync(
      join(dir, 'journal.jsonl'),
      `${JSON.stringify(start)}\n${JSON.stringify(ask)}\n`,
    )
    const run = track(openRunDirectory(dir, { resume: true }))

    const summary = await runSearch({
      ...options(scenarios['steady-state']!, run),
      budget: { seconds: 5 },
      resume: readJournal(run.journalPath),
    })

    expect(summary.stopReason).toBe('seconds')
    expect(summary.seconds).toBeGreaterThanOrEqual(10)
    expect(summary.startedAt).toBe(start.time)
  })
})

describe('resume checks', () => {
  async function interruptedRun(scenario: Scenario, stopAt: number) {
    const dir = join(tempFolder(), 'checked')
    const run = track(openRunDirectory(dir))
    const controller = new AbortController()
    let calls = 0
    const evaluator = new RecordingEvaluator(async () => {
      calls++
      if (calls < stopAt) return okEvaluation(0.5)
      controller.abort()
      return new Promise<Evaluation>(() => {})
    })
    await runSearch({
      ...options(scenario, run, evaluator),
      signal: controller.signal,
    })
    run.close()
    return dir
  }

  async function resumeError(
    dir: string,
    overrides: Partial<SearchOptions>,
  ): Promise<unknown> {
    const contents = readRunDirectory(dir)
    const run = track(openRunDirectory(dir, { resume: true }))
    try {
      await runSearch({
        ...options(scenarios.generational!, run),
        resume: contents.journal,
        ...overrides,
      })
    } catch (error) {
      return error
    }
    return undefined
  }

  it('rejects another seed without journaling', async () => {
    const dir = await interruptedRun(scenarios.generational!, 5)
    const before = readFileSync(join(dir, 'journal.jsonl'), 'utf8')

    const error = await resumeError(dir, { seed: 6 })

    expect(isNordError(error)).toBe(true)
    expect((error as { code?: string }).code).toBe('NORD_ERR_RESUME')
    expect(String(error)).toContain('seed 5')
    expect(readFileSync(join(dir, 'journal.jsonl'), 'utf8')).toBe(before)
  })

  it('rejects a state the optimizer cannot restore', async () => {
    const dir = await interruptedRun(scenarios.generational!, 5)
    const optimizer = new SeededOptimizer(11)
    optimizer.restore = () => {
      throw new Error('unknown state format')
    }

    const error = await resumeError(dir, { optimizer })

    expect(isNordError(error)).toBe(true)
    expect((error as { code?: string }).code).toBe('NORD_ERR_RESUME')
    expect(String(error)).toContain('unknown state format')
  })

  it('rejects an optimizer that proposes other genotypes', async () => {
    const dir = await interruptedRun(scenarios.generational!, 2)

    const error = await resumeError(dir, {
      optimizer: new SeededOptimizer(12),
    })

    expect(isNordError(error)).toBe(true)
    expect((error as { code?: string }).code).toBe('NORD_ERR_RESUME')
    expect(String(error)).toContain('candidate s0')
  })

  it('rejects a journal that does not start the run', async () => {
    const dir = join(tempFolder(), 'headless')
    mkdirSync(dir)
    const tell: JournalEvent = {
      type: 'tell',
      time: new Date(0).toISOString(),
      candidateIds: [],
      best: null,
    }
    writeFileSync(join(dir, 'journal.jsonl'), `${JSON.stringify(tell)}\n`)

    const error = await resumeError(dir, {})

    expect(isNordError(error)).toBe(true)
    expect((error as { code?: string }).code).toBe('NORD_ERR_RESUME')
  })
})

describe('openRunDirectory with resume', () => {
  it('cuts an incomplete last line', () => {
    const dir = tempFolder()
    const journal = join(dir, 'journal.jsonl')
    writeFileSync(journal, '{"type":"ask","time":"t"}\n{"type":"ev')

    const run = track(openRunDirectory(dir, { resume: true }))
    run.append({ type: 'run-end', time: 't', reason: 'interrupted' })

    const contents = readJournal(journal)
    expect(contents.truncated).toBeNull()
    expect(contents.events.map((event) => event.type)).toEqual([
      'ask',
      'run-end',
    ])
  })

  it('keeps a complete last line without a newline', () => {
    const dir = tempFolder()
    const journal = join(dir, 'journal.jsonl')
    writeFileSync(journal, '{"type":"ask","time":"t"}')

    const run = track(openRunDirectory(dir, { resume: true }))
    run.append({ type: 'run-end', time: 't', reason: 'interrupted' })

    const types = readJournal(journal).events.map((event) => event.type)
    expect(types).toEqual(['ask', 'run-end'])
  })

  it('rejects a folder without a journal', () => {
    const dir = tempFolder()

    expect(() => openRunDirectory(dir, { resume: true })).toThrow(
      expect.objectContaining({ code: 'NORD_ERR_NOT_A_RUN' }),
    )
    expect(existsSync(join(dir, 'journal.jsonl'))).toBe(false)
  })

  it('rejects resume together with overwrite', () => {
    const dir = tempFolder()
    writeFileSync(join(dir, 'journal.jsonl'), '')

    expect(() =>
      openRunDirectory(dir, { resume: true, overwrite: true }),
    ).toThrow(expect.objectContaining({ code: 'NORD_ERR_INVALID_OPTION' }))
  })
})

describe('readRunDirectory', () => {
  it('rejects a folder that is not a run', () => {
    const dir = tempFolder()

    expect(() => readRunDirectory(dir)).toThrow(
      expect.objectContaining({ code: 'NORD_ERR_NOT_A_RUN' }),
    )
  })

  it('rejects a missing folder', () => {
    expect(() => readRunDirectory(join(tempFolder(), 'nothing'))).toThrow(
      expect.objectContaining({ code: 'NORD_ERR_NOT_A_RUN' }),
    )
  })

  it('reports a complete run and its configuration', async () => {
    const full = await uninterrupted(scenarios.generational!)
    const dir = join(tempFolder(), 'done')
    mkdirSync(dir)
    writeFileSync(join(dir, 'journal.jsonl'), full.text)

    const contents = readRunDirectory(dir)

    expect(contents.ended?.reason).toBe('completed')
    expect(contents.seed).toBe(5)
    expect(contents.config).toEqual({ scenario: 'generational' })
  })

  it('reports a killed run as not ended', async () => {
    const full = await uninterrupted(scenarios.generational!)
    const dir = join(tempFolder(), 'killed')
    mkdirSync(dir)
    const lines = full.text.split('\n').slice(0, 6)
    writeFileSync(join(dir, 'journal.jsonl'), `${lines.join('\n')}\n`)

    expect(readRunDirectory(dir).ended).toBeNull()
  })

  it('takes the configuration from config.json before any event', () => {
    const dir = tempFolder()
    writeFileSync(join(dir, 'journal.jsonl'), '')
    writeFileSync(join(dir, 'config.json'), '{"seed": 3}')

    const contents = readRunDirectory(dir)

    expect(contents.config).toEqual({ seed: 3 })
    expect(contents.seed).toBeNull()
  })
})
