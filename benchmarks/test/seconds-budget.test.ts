import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SuiteResults } from '../src/outputs.js'
import { runSuite } from '../src/suite.js'

const folders: string[] = []

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'nord-bench-seconds-'))
  folders.push(folder)
  return folder
}

describe('wall-clock budget', () => {
  it('stops every run on the seconds limit', async () => {
    const out = tempFolder()
    const { results } = await runSuite({
      out,
      quick: true,
      seeds: 1,
      seconds: 2,
      methods: ['e1', 'random'],
      trainSize: 100,
      testSize: 50,
    })
    for (const run of results.runs) {
      expect(run.stopReason, run.method).toBe('seconds')
    }
    expect(results.settings.evaluations).toBeNull()
    expect(results.settings.seconds).toBe(2)
  })

  it('records the budget in the report', async () => {
    const out = folders[0] as string
    const html = readFileSync(join(out, 'report', 'index.html'), 'utf8')
    expect(html).toContain('2 wall-clock seconds per run')
  })

  it('refuses an output folder that holds runs', async () => {
    const out = folders[0] as string
    const before = JSON.parse(
      readFileSync(join(out, 'results.json'), 'utf8'),
    ) as SuiteResults
    await expect(
      runSuite({ out, quick: true, methods: ['e1'] }),
    ).rejects.toMatchObject({
      code: 'NORD_ERR_RUN_EXISTS',
    })
    const after = JSON.parse(
      readFileSync(join(out, 'results.json'), 'utf8'),
    ) as SuiteResults
    expect(after.date).toBe(before.date)
  })
})
