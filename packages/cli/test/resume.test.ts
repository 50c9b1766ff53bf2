import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  HASH_EVALUATOR,
  interruptAt,
  nord,
  readJournal,
  readSummary,
  tempDir,
  writePackage,
} from './helpers.js'

/**
 * A GA of 4 individuals for 3 generations with the hash evaluator, over a
 * space small enough that every candidate is valid.
 */
const CONFIG = {
  seed: 4,
  space: { filters: [1, 20], kernelSize: [1, 9] },
  optimizer: { options: { population: 4, generations: 3 } },
  evaluator: { use: 'nord-test-evaluator' },
  dataset: { trainSize: 300, testSize: 100 },
}

let project: string
let reference: ReturnType<typeof recordOf>
let referenceSummary: ReturnType<typeof readSummary>

/** What an interrupted-then-resumed run must record exactly as an uninterrupted one. */
function recordOf(dir: string) {
  return readJournal(dir)
    .filter((event) => event.type === 'evaluation')
    .map((event) => ({
      id: event.candidate.id,
      genotype: event.candidate.genotype,
      accuracy: event.evaluation.accuracy,
      cacheHitOf: event.cacheHit?.of ?? null,
    }))
}

function search(out: string, config = 'config.json') {
  return ['search', '--config', config, '--no-progress', '--out', out]
}

beforeAll(async () => {
  project = tempDir()
  writePackage(project, 'nord-test-evaluator', HASH_EVALUATOR)
  writeFileSync(join(project, 'config.json'), JSON.stringify(CONFIG))
  const result = await nord(search('reference'), project)
  expect(result.code, result.stderr).toBe(0)
  reference = recordOf(join(project, 'reference'))
  referenceSummary = readSummary(join(project, 'reference'))
}, 600_000)

// The hash evaluator hangs in the given evaluation of the first process:
// 2 is in the first generation, before any tell; 5 is the first of the
// second generation, after a tell and an ask; 7 is mid-generation.
const POINTS = [
  { name: 'before the first tell', evaluation: 2 },
  { name: 'between generations', evaluation: 5 },
  { name: 'mid-generation', evaluation: 7 },
]

describe('nord search --resume', () => {
  it('reference run covers three generations with cache hits', () => {
    expect(reference).toHaveLength(12)
    expect(referenceSummary.generations).toBe(3)
    expect(reference.some((entry) => entry.cacheHitOf !== null)).toBe(true)
  })

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    for (const point of POINTS) {
      it(`continues after ${signal} ${point.name}`, async () => {
        const out = `${signal}-${point.evaluation}`
        const dir = join(project, out)

        const ended = await interruptAt(
          search(out),
          project,
          point.evaluation,
          signal,
        )
        const before = readJournal(dir)
        const resumed = await nord(
          ['search', '--resume', out, '--no-progress'],
          project,
        )

        expect(ended).toBe(signal === 'SIGINT' ? 0 : 'SIGKILL')
        const finished = before.filter((e) => e.type === 'evaluation')
        expect(finished).toHaveLength(point.evaluation - 1)
        expect(resumed.code, resumed.stderr).toBe(0)
        expect(recordOf(dir)).toEqual(reference)
        const summary = readSummary(dir)
        expect(summary.status).toBe('completed')
        expect(summary.counts).toEqual(referenceSummary.counts)
        expect(summary.best.candidate.id).toBe(
          referenceSummary.best.candidate.id,
        )
        const types = readJournal(dir).map((event) => event.type)
        expect(types.filter((type) => type === 'run-resume')).toHaveLength(1)
        expect(types.filter((type) => type === 'run-start')).toHaveLength(1)
      }, 600_000)
    }
  }

  it('drops and reports a half-written last line', async () => {
    const out = 'half-line'
    const dir = join(project, out)
    await interruptAt(search(out), project, 6, 'SIGKILL')
    appendFileSync(join(dir, 'journal.jsonl'), '{"type":"evaluation","ti')

    const resumed = await nord(
      ['search', '--resume', out, '--no-progress'],
      project,
    )

    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stderr).toContain(
      'dropping the incomplete last line of the journal',
    )
    const resumeEvent = readJournal(dir).find((e) => e.type === 'run-resume')
    expect(resumeEvent.dropped.text).toBe('{"type":"evaluation","ti')
    expect(recordOf(dir)).toEqual(reference)
  }, 600_000)

  it('extends a complete run with a larger --generations', async () => {
    writeFileSync(
      join(project, 'short.json'),
      JSON.stringify({
        ...CONFIG,
        optimizer: { options: { population: 4, generations: 2 } },
      }),
    )
    const out = 'extended'
    const first = await nord(search(out, 'short.json'), project)

    const extended = await nord(
      ['search', '--resume', out, '--generations', '3', '--no-progress'],
      project,
    )

    expect(first.code, first.stderr).toBe(0)
    expect(extended.code, extended.stderr).toBe(0)
    expect(recordOf(join(project, out))).toEqual(reference)
    expect(readSummary(join(project, out)).generations).toBe(3)
  }, 600_000)

  it('says that a complete run has nothing to resume', async () => {
    const result = await nord(['search', '--resume', 'reference'], project)

    expect(result.code).toBe(0)
    expect(result.stderr).toContain('nothing to resume')
    expect(result.stderr).toContain('is complete')
    expect(readJournal(join(project, 'reference')).at(-1).type).toBe('run-end')
  })

  it('rejects a folder that is not a run', async () => {
    const empty = tempDir()

    const result = await nord(['search', '--resume', empty], project)

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('NORD_ERR_NOT_A_RUN')
    expect(result.stderr).toContain('is not a run directory')
  })

  it('rejects other options with --resume', async () => {
    const result = await nord(
      [
        'search',
        '--resume',
        'reference',
        '--seed',
        '2',
        '--population',
        '3',
        '--generations',
        '1',
      ],
      project,
    )

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('NORD_ERR_CONFIG')
    expect(result.stderr).toContain('--seed: cannot be combined with --resume')
    expect(result.stderr).toContain('--population: cannot be combined')
    expect(result.stderr).toContain('--generations: must be at least 3')
  })
})
