import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadRun, type RunData } from '../src/index.js'
import {
  evaluationEvents,
  journalEvents,
  resumeGaRun,
  tempDir,
  writeGaRun,
} from './helpers.js'

/**
 * Cuts a finished run's journal after its `keep`-th evaluation and appends
 * half an event, as a process killed while writing leaves it.
 */
function cutJournal(dir: string, keep: number): void {
  const path = join(dir, 'journal.jsonl')
  const lines = readFileSync(path, 'utf8').split('\n')
  let seen = 0
  const kept: string[] = []
  for (const line of lines) {
    kept.push(line)
    if (line.includes('"type":"evaluation"')) seen++
    if (seen === keep) break
  }
  writeFileSync(path, `${kept.join('\n')}\n{"type":"evaluation","time":"20`)
}

/** Moves every event of a journal `seconds` in time, to fake a pause before a resume. */
function shiftJournal(dir: string, seconds: number): void {
  const path = join(dir, 'journal.jsonl')
  const events = journalEvents(dir).map((event) => ({
    ...event,
    time: new Date(Date.parse(event.time) + seconds * 1000).toISOString(),
  }))
  writeFileSync(
    path,
    events.map((event) => `${JSON.stringify(event)}\n`).join(''),
  )
}

describe('loadRun', () => {
  let dir: string
  let run: RunData

  beforeAll(async () => {
    dir = await writeGaRun(tempDir(), { population: 6, generations: 4 })
    run = await loadRun(dir)
  })

  it('reads one record per evaluation event', () => {
    const events = evaluationEvents(dir)
    expect(run.candidates.map((candidate) => candidate.id)).toEqual(
      events.map((event) => event.candidate.id),
    )
  })

  it('copies status, accuracy and parameters', () => {
    const events = evaluationEvents(dir)
    for (const [index, event] of events.entries()) {
      const candidate = run.candidates[index]!
      expect(candidate.status).toBe(event.evaluation.status)
      expect(candidate.fitness).toBe(event.evaluation.fitness)
      expect(candidate.parameters).toBe(event.evaluation.parameters)
      expect(candidate.accuracy).toBe(
        event.evaluation.status === 'ok' ? event.evaluation.accuracy : null,
      )
    }
  })

  it('numbers evaluations from 1', () => {
    expect(run.candidates.map((candidate) => candidate.evaluation)).toEqual(
      run.candidates.map((_, index) => index + 1),
    )
  })

  it('records generations 0 to 3', () => {
    const generations = new Set(run.candidates.map((c) => c.generation))
    expect([...generations]).toEqual([0, 1, 2, 3])
  })

  it('names the method and evaluator', () => {
    expect(run.method).toBe('nord:optimizer-ga')
    expect(run.evaluator).toBe('test:synthetic')
  })

  it('reads the worker from extra.worker', () => {
    const ok = run.candidates.find((candidate) => candidate.status === 'ok')
    expect(ok?.worker).toMatch(/^[01]$/)
  })

  it('has non-decreasing elapsed seconds', () => {
    const elapsed = run.candidates.map((candidate) => candidate.elapsed)
    expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b))
    expect(run.seconds).toBeGreaterThanOrEqual(elapsed.at(-1)!)
  })

  it('measures elapsed time from the journal', () => {
    const events = journalEvents(dir)
    const start = Date.parse(events[0]!.time)
    const last = evaluationEvents(dir).at(-1)!
    expect(run.candidates.at(-1)!.elapsed).toBeCloseTo(
      (Date.parse(last.time) - start) / 1000,
      6,
    )
  })

  it('reports a completed run with one session', () => {
    expect(run.ended?.reason).toBe('completed')
    expect(run.sessions).toBe(1)
    expect(run.truncated).toBe(false)
  })

  it('reads the seed and the configuration', () => {
    expect(run.seed).toBe(1)
    expect(run.config?.optimizer).toEqual({
      name: 'nord:optimizer-ga',
      options: { population: 6, generations: 4 },
    })
  })
})

describe('loadRun on a killed run', () => {
  it('keeps the evaluations before the cut', async () => {
    const dir = await writeGaRun(tempDir(), { population: 6, generations: 3 })
    cutJournal(dir, 8)

    const run = await loadRun(dir)

    expect(run.candidates).toHaveLength(8)
    expect(run.ended).toBeNull()
    expect(run.truncated).toBe(true)
  })
})

describe('loadRun on a resumed run', () => {
  let dir: string
  let run: RunData

  beforeAll(async () => {
    dir = await writeGaRun(tempDir(), {
      population: 6,
      generations: 4,
      interruptAt: 9,
    })
    shiftJournal(dir, -3600)
    await resumeGaRun(dir, { population: 6, generations: 4 })
    run = await loadRun(dir)
  })

  it('has evaluations from both sessions', () => {
    const types = journalEvents(dir).map((event) => event.type)
    const resume = types.indexOf('run-resume')
    expect(types.slice(0, resume)).toContain('evaluation')
    expect(types.slice(resume)).toContain('evaluation')
  })

  it('counts both sessions', () => {
    expect(run.sessions).toBe(2)
  })

  it('ends completed', () => {
    expect(run.ended?.reason).toBe('completed')
  })

  it('lists each candidate once', () => {
    const ids = run.candidates.map((candidate) => candidate.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toHaveLength(24)
  })

  it('leaves out the hour between sessions', () => {
    const events = journalEvents(dir)
    const resume = events.findIndex((event) => event.type === 'run-resume')
    const pause =
      (Date.parse(events[resume]!.time) -
        Date.parse(events[resume - 1]!.time)) /
      1000
    const span =
      (Date.parse(events.at(-1)!.time) - Date.parse(events[0]!.time)) / 1000
    expect(pause).toBeGreaterThan(3600)
    expect(run.seconds).toBeCloseTo(span - pause, 6)
  })

  it('keeps elapsed seconds non-decreasing across sessions', () => {
    const elapsed = run.candidates.map((candidate) => candidate.elapsed)
    expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b))
    expect(elapsed.at(-1)!).toBeLessThan(60)
  })
})

describe('loadRun on a steady-state run', () => {
  it('has no generation numbers', async () => {
    const dir = await writeGaRun(tempDir(), {
      population: 4,
      generations: 3,
      variant: 'steady-state',
    })

    const run = await loadRun(dir)

    expect(run.candidates).toHaveLength(12)
    expect(run.candidates.every((c) => c.generation === null)).toBe(true)
  })
})

describe('loadRun errors', () => {
  it('rejects a missing folder', async () => {
    const dir = join(tempDir(), 'missing')
    await expect(loadRun(dir)).rejects.toMatchObject({
      code: 'NORD_ERR_RUN_NOT_FOUND',
      value: dir,
    })
  })

  it('rejects a folder without a journal', async () => {
    const dir = tempDir()
    await expect(loadRun(dir)).rejects.toMatchObject({
      code: 'NORD_ERR_NOT_A_RUN',
    })
  })

  it('rejects an empty journal', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'journal.jsonl'), '')
    await expect(loadRun(dir)).rejects.toMatchObject({
      code: 'NORD_ERR_EMPTY_RUN',
      message: expect.stringContaining('journal is empty'),
    })
  })

  it('rejects a journal without evaluations', async () => {
    const dir = join(tempDir(), 'started')
    mkdirSync(dir)
    const start = {
      type: 'run-start',
      time: new Date(0).toISOString(),
      seed: 1,
      config: {},
      nord: '0.1.0',
    }
    writeFileSync(join(dir, 'journal.jsonl'), `${JSON.stringify(start)}\n`)
    await expect(loadRun(dir)).rejects.toMatchObject({
      code: 'NORD_ERR_EMPTY_RUN',
      message: expect.stringContaining('no evaluation'),
    })
  })
})
