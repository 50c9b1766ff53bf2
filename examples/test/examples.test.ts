import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx')
const examples = join(import.meta.dirname, '..', 'src')

async function runExample(name: string, args: string[] = []) {
  return run(tsx, [join(examples, name), ...args], {
    timeout: 300_000,
    env: { ...process.env, NORD_DEBUG: '' },
  })
}

describe('examples', () => {
  it('descriptors round-trips both networks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nord-example-'))
    const { stdout } = await runExample('descriptors.ts', [dir])

    expect(stdout).toContain('sequential network')
    expect(stdout).toContain('branching network')
    expect(stdout).not.toContain('DIFFERENT')
    const branching = JSON.parse(
      readFileSync(join(dir, 'branching.json'), 'utf8'),
    )
    expect(branching.connections).toContainEqual(['wide', 'merged'])
    expect(branching.connections).toContainEqual(['narrow', 'merged'])
  })

  it('local-evaluation trains above chance', async () => {
    const { stdout } = await runExample('local-evaluation.ts')

    expect(stdout).toMatch(/status:\s+ok/)
    const accuracy = Number(stdout.match(/accuracy:\s+([\d.]+)/)?.[1])
    expect(accuracy).toBeGreaterThan(0.5)
  }, 300_000)

  it('ga-search writes a complete journal', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nord-example-')), 'run')
    const { stdout } = await runExample('ga-search.ts', [dir])

    expect(stdout).toContain('status: completed')
    const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    const evaluations = lines.filter((event) => event.type === 'evaluation')
    expect(evaluations).toHaveLength(8)
    expect(lines.at(-1).type).toBe('run-end')
  }, 300_000)

  it.each(['data-parallel', 'async'])(
    'cluster-search runs with the %s evaluator',
    async (mode) => {
      const dir = join(mkdtempSync(join(tmpdir(), 'nord-example-')), 'run')
      const { stdout } = await runExample('cluster-search.ts', [mode, dir])

      expect(stdout).toContain('status: completed')
      expect(stdout).toContain('evaluations: 8')
      const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
      const trained = lines.filter(
        (event) =>
          event.type === 'evaluation' && event.evaluation.status === 'ok',
      )
      expect(trained.length).toBeGreaterThan(0)
      for (const event of trained) {
        const { extra } = event.evaluation
        if (mode === 'async') expect([1, 2]).toContain(extra.worker)
        else expect(extra.workers).toEqual([1, 2])
      }
    },
    300_000,
  )
})
