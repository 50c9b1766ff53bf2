import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  HASH_EVALUATOR,
  interruptAt,
  nord,
  readJournal,
  tempDir,
  writePackage,
} from './helpers.js'

/** A GA of 4 individuals for 3 generations with the hash evaluator (no training). */
const CONFIG = {
  seed: 3,
  space: { filters: [1, 20], kernelSize: [1, 9] },
  optimizer: { options: { population: 4, generations: 3 } },
  evaluator: { use: 'nord-test-evaluator' },
  dataset: { trainSize: 300, testSize: 100 },
}

const FIGURES = [
  'accuracy-per-generation',
  'parameters-per-generation',
  'best-accuracy-by-evaluation',
  'best-accuracy-by-time',
  'time-per-generation',
]

let project: string

function search(out: string) {
  return ['search', '--config', 'config.json', '--no-progress', '--out', out]
}

beforeAll(async () => {
  project = tempDir()
  writePackage(project, 'nord-test-evaluator', HASH_EVALUATOR)
  writeFileSync(join(project, 'config.json'), JSON.stringify(CONFIG))
  const result = await nord(search('run'), project)
  expect(result.code, result.stderr).toBe(0)
}, 600_000)

describe('nord report', { timeout: 60_000 }, () => {
  it('prints the path of index.html', async () => {
    const result = await nord(['report', 'run'], project)

    expect(result.code, result.stderr).toBe(0)
    const index = join(project, 'run', 'report', 'index.html')
    expect(result.stdout).toBe(`${index}\n`)
    expect(existsSync(index)).toBe(true)
  })

  it('embeds the five figures', async () => {
    await nord(['report', 'run'], project)

    const html = readFileSync(
      join(project, 'run', 'report', 'index.html'),
      'utf8',
    )
    expect(html.match(/<svg /g)).toHaveLength(FIGURES.length)
    for (const name of FIGURES) {
      const svg = join(project, 'run', 'report', 'figures', `${name}.svg`)
      expect(readFileSync(svg, 'utf8'), name).toMatch(/^<svg /)
      const csv = join(project, 'run', 'report', 'data', `${name}.csv`)
      expect(existsSync(csv), name).toBe(true)
    }
  })

  it('writes one CSV row per evaluation', async () => {
    await nord(['report', 'run'], project)

    const csv = readFileSync(
      join(project, 'run', 'report', 'data', 'best-accuracy-by-evaluation.csv'),
      'utf8',
    )
    const ids = csv
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(',')[2])
    const evaluations = readJournal(join(project, 'run')).filter(
      (event) => event.type === 'evaluation',
    )
    expect(ids).toEqual(evaluations.map((event) => event.candidate.id))
  })

  it('writes into --out', async () => {
    const out = join(tempDir(), 'elsewhere')

    const result = await nord(['report', 'run', '--out', out], project)

    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe(`${join(out, 'index.html')}\n`)
    expect(existsSync(join(out, 'figures', 'time-per-generation.svg'))).toBe(
      true,
    )
  })

  it('reports on a killed run', async () => {
    const outcome = await interruptAt(search('killed'), project, 6, 'SIGKILL')
    expect(outcome).toBe('SIGKILL')

    const result = await nord(['report', 'killed'], project)

    expect(result.code, result.stderr).toBe(0)
    const html = readFileSync(
      join(project, 'killed', 'report', 'index.html'),
      'utf8',
    )
    expect(html).toContain('no run-end event')
  })
})

describe('nord report errors', { timeout: 60_000 }, () => {
  it('rejects a missing folder', async () => {
    const result = await nord(['report', 'no-such-run'], project)

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('[NORD_ERR_RUN_NOT_FOUND]')
    expect(result.stderr).toContain('no-such-run')
  })

  it('rejects a folder that is not a run', async () => {
    mkdirSync(join(project, 'plain'), { recursive: true })

    const result = await nord(['report', 'plain'], project)

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('[NORD_ERR_NOT_A_RUN]')
  })

  it('rejects an empty journal', async () => {
    mkdirSync(join(project, 'empty'), { recursive: true })
    writeFileSync(join(project, 'empty', 'journal.jsonl'), '')

    const result = await nord(['report', 'empty'], project)

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('[NORD_ERR_EMPTY_RUN]')
    expect(result.stderr).toContain('journal is empty')
  })
})
