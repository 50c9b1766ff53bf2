import { spawn } from 'node:child_process'
import { once } from 'node:events'
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  openRunDirectory,
  type RunDirectory,
  readJournal,
} from '../src/search/run-directory.js'
import type { JournalEvent } from '../src/types.js'

let folder: string
const opened: RunDirectory[] = []

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'nord-run-'))
})

afterEach(() => {
  for (const run of opened.splice(0)) run.close()
  rmSync(folder, { recursive: true, force: true })
})

function open(dir: string, overwrite?: boolean): RunDirectory {
  const run = openRunDirectory(dir, { overwrite })
  opened.push(run)
  return run
}

function tellEvent(index: number): JournalEvent {
  return {
    type: 'tell',
    time: new Date(0).toISOString(),
    candidateIds: [`g0-${index}`],
    best: null,
  }
}

describe('openRunDirectory', () => {
  it('creates nested folders and an empty journal', () => {
    const dir = join(folder, 'runs', 'first')

    const run = open(dir)

    expect(run.path).toBe(dir)
    expect(readFileSync(run.journalPath, 'utf8')).toBe('')
  })

  it('reuses a folder whose journal is empty', () => {
    const dir = join(folder, 'run')
    open(dir).close()

    const second = open(dir)
    second.append({ type: 'run-end', time: 'now', reason: 'completed' })
    second.close()

    const text = readFileSync(join(dir, 'journal.jsonl'), 'utf8')
    expect(text.trim().split('\n')).toHaveLength(1)
  })

  it('rejects a folder that holds a journal', () => {
    const dir = join(folder, 'run')
    const first = open(dir)
    first.append({ type: 'run-end', time: 'now', reason: 'completed' })
    first.close()

    const error = (() => {
      try {
        open(dir)
      } catch (caught) {
        return caught as Error & { code: string }
      }
    })()

    expect(error?.code).toBe('NORD_ERR_RUN_EXISTS')
    expect(error?.message).toContain(dir)
    expect(error?.message).toContain('--out')
  })

  it('accepts a folder without a journal', () => {
    const dir = join(folder, 'run')
    mkdirSync(dir)
    writeFileSync(join(dir, 'notes.txt'), 'keep me')

    open(dir)

    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('keep me')
  })

  it('replaces an earlier run when overwriting', () => {
    const dir = join(folder, 'run')
    const first = open(dir)
    first.append(tellEvent(0))
    first.writeConfig({ seed: 1 })
    first.writeSummary({ status: 'completed' })
    first.close()

    const second = open(dir, true)

    expect(readFileSync(second.journalPath, 'utf8')).toBe('')
    expect(existsSync(second.configPath)).toBe(false)
    expect(existsSync(second.summaryPath)).toBe(false)
  })

  it('reports a folder it cannot create', () => {
    const file = join(folder, 'file')
    writeFileSync(file, '')

    expect(() => open(join(file, 'run'))).toThrow(
      expect.objectContaining({ code: 'NORD_ERR_RUN_DIRECTORY' }),
    )
  })
})

describe('RunDirectory', () => {
  it('appends one JSON line per event', () => {
    const run = open(join(folder, 'run'))

    run.append(tellEvent(0))
    run.append(tellEvent(1))

    const lines = readFileSync(run.journalPath, 'utf8').split('\n')
    expect(lines).toHaveLength(3)
    expect(JSON.parse(lines[0]!)).toEqual(tellEvent(0))
    expect(JSON.parse(lines[1]!)).toEqual(tellEvent(1))
    expect(lines[2]).toBe('')
  })

  it('writes the configuration as pretty JSON', () => {
    const run = open(join(folder, 'run'))

    run.writeConfig({ seed: 3, budget: { evaluations: 10 } })

    const text = readFileSync(run.configPath, 'utf8')
    expect(text).toContain('\n  "seed": 3,')
    expect(JSON.parse(text)).toEqual({ seed: 3, budget: { evaluations: 10 } })
  })

  it('replaces the summary and leaves no temporary file', () => {
    const run = open(join(folder, 'run'))

    run.writeSummary({ status: 'running' })
    run.writeSummary({ status: 'completed' })

    const summary = JSON.parse(readFileSync(run.summaryPath, 'utf8'))
    expect(summary).toEqual({ status: 'completed' })
    expect(readdirSync(run.path).sort()).toEqual([
      'journal.jsonl',
      'summary.json',
    ])
  })

  it('rejects appends after close', () => {
    const run = open(join(folder, 'run'))
    run.close()
    run.close()

    expect(() => run.append(tellEvent(0))).toThrow(
      expect.objectContaining({ code: 'NORD_ERR_RUN_CLOSED' }),
    )
  })
})

describe('readJournal', () => {
  it('returns the events appended', () => {
    const run = open(join(folder, 'run'))
    run.append(tellEvent(0))
    run.append(tellEvent(1))

    const contents = readJournal(run.journalPath)

    expect(contents.events).toEqual([tellEvent(0), tellEvent(1)])
    expect(contents.truncated).toBeNull()
  })

  it('reads an empty journal', () => {
    const run = open(join(folder, 'run'))

    expect(readJournal(run.journalPath)).toEqual({
      events: [],
      truncated: null,
    })
  })

  it('drops and reports a truncated last line', () => {
    const run = open(join(folder, 'run'))
    run.append(tellEvent(0))
    run.append(tellEvent(1))
    appendFileSync(run.journalPath, '{"type":"tell","time":"20')

    const contents = readJournal(run.journalPath)

    expect(contents.events).toEqual([tellEvent(0), tellEvent(1)])
    expect(contents.truncated).toEqual({
      line: 3,
      text: '{"type":"tell","time":"20',
    })
  })

  it('accepts a complete last line without a newline', () => {
    const path = join(folder, 'journal.jsonl')
    writeFileSync(path, JSON.stringify(tellEvent(0)))

    const contents = readJournal(path)

    expect(contents.events).toEqual([tellEvent(0)])
    expect(contents.truncated).toBeNull()
  })

  it('names the file and line of a malformed line', () => {
    const path = join(folder, 'journal.jsonl')
    const good = JSON.stringify(tellEvent(0))
    writeFileSync(path, `${good}\n{not json\n${good}\n`)

    expect(() => readJournal(path)).toThrow(
      expect.objectContaining({
        code: 'NORD_ERR_JOURNAL',
        message: expect.stringContaining(`${path}:2 is not valid JSON`),
      }),
    )
  })

  it('rejects a malformed last line that ends with a newline', () => {
    const path = join(folder, 'journal.jsonl')
    writeFileSync(path, `${JSON.stringify(tellEvent(0))}\n{"type":\n`)

    expect(() => readJournal(path)).toThrow(
      expect.objectContaining({ code: 'NORD_ERR_JOURNAL' }),
    )
  })

  it('rejects JSON that is not an event', () => {
    const path = join(folder, 'journal.jsonl')
    writeFileSync(path, '[1,2]\n')

    expect(() => readJournal(path)).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(':1 is JSON but not a journal event'),
      }),
    )
  })

  it('reports a missing journal', () => {
    const path = join(folder, 'missing.jsonl')

    expect(() => readJournal(path)).toThrow(
      expect.objectContaining({ code: 'NORD_ERR_JOURNAL' }),
    )
  })
})

describe('journal of a killed process', () => {
  // The child runs the built package, so this test needs `pnpm build` first
  // (turbo's test task depends on the build).
  const entry = pathToFileURL(join(import.meta.dirname, '../dist/index.js'))

  it('keeps every line written before the kill', async () => {
    const dir = join(folder, 'killed')
    const script = `
      import { openRunDirectory } from ${JSON.stringify(entry.href)}
      const run = openRunDirectory(${JSON.stringify(dir)})
      for (let index = 0; ; index++) {
        run.append({
          type: 'tell',
          time: new Date().toISOString(),
          candidateIds: ['c' + index],
          best: null,
        })
        if (index === 50) process.stdout.write('ready\\n')
      }
    `
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    const exited = once(child, 'exit')
    const ready = await Promise.race([
      once(child.stdout, 'data').then(() => true),
      exited.then(() => false),
    ])
    expect(ready).toBe(true)

    child.kill('SIGKILL')
    await exited

    const contents = readJournal(join(dir, 'journal.jsonl'))
    expect(contents.events.length).toBeGreaterThan(50)
    const ids = contents.events.map((event) =>
      event.type === 'tell' ? event.candidateIds[0] : null,
    )
    expect(ids.slice(0, 51)).toEqual(
      Array.from({ length: 51 }, (_, index) => `c${index}`),
    )
  })
})
