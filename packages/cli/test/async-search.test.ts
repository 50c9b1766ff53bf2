/**
 * `nord search --evaluator async` with real worker processes on loopback:
 * a worker killed mid-run and replaced, an external worker, and a late
 * worker rejected for its data.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { bin, nord, readJournal, readSummary, tempDir } from './helpers.js'

/** Random search over small nets that all fit 28x28 inputs: about 1 s each. */
const CONFIG = {
  space: { layers: 2, filters: [2, 8], kernelSize: [1, 5], padding: 'same' },
  optimizer: { use: 'random', options: {} },
  evaluator: { use: 'async', options: { epochs: 2, batchSize: 32 } },
  dataset: { name: 'fashion-mnist', trainSize: 300, testSize: 100 },
}

const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill()
  }
})

/** A child process of `nord` with its output so far and its exit. */
interface Running {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | string | null>
  /** Resolves with the first match of `pattern` in stderr. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>
}

function start(args: string[], cwd: string): Running {
  const child = spawn('node', [bin, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NORD_DATA_DIR: '' },
  })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk) => {
    stdout += chunk
  })
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  )
  const listeners = new Set<() => void>()
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
    for (const listener of listeners) listener()
  })

  function waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = stderr.match(pattern)
        if (!match) return
        listeners.delete(check)
        resolve(match)
      }
      listeners.add(check)
      check()
      exited.then(() =>
        reject(new Error(`nord exited before ${pattern} in:\n${stderr}`)),
      )
    })
  }

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor,
  }
}

/** Starts the search of `CONFIG` with `flags`; returns it and its run folder. */
function startSearch(dir: string, flags: string[]) {
  const config = join(dir, 'config.json')
  writeFileSync(config, JSON.stringify(CONFIG))
  const out = join(dir, 'run')
  const search = start(
    ['search', '--config', config, '--no-progress', '--out', out, ...flags],
    dir,
  )
  return { search, out }
}

/** Resolves with the `nord worker` arguments the search printed. */
async function joinArguments(search: Running): Promise<string[]> {
  const [, url, token] = await search.waitFor(
    /nord worker --connect (\S+) --token (\S+)/,
  )
  return ['worker', '--connect', url ?? '', '--token', token ?? '']
}

/** Kills one of the worker processes the search started; returns the rank freed. */
async function killOneWorker(search: Running): Promise<number> {
  const listing = execFileSync('ps', [
    '-o',
    'pid=,args=',
    '--ppid',
    String(search.child.pid),
  ]).toString()
  const pids = listing
    .split('\n')
    .filter((line) => line.includes('worker-main'))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
  expect(pids).toHaveLength(2)
  process.kill(pids[0] as number, 'SIGKILL')
  const [, rank] = await search.waitFor(/worker lost rank=(\d+)/)
  return Number(rank)
}

function evaluationEvents(out: string) {
  return readJournal(out).filter((event) => event.type === 'evaluation')
}

function askedIds(out: string): string[] {
  return readJournal(out)
    .filter((event) => event.type === 'ask')
    .flatMap((event) => event.candidates.map((c: { id: string }) => c.id))
}

/** Creates a Fashion-MNIST folder whose training files are the test files. */
function swappedData(dir: string): string {
  const folder = join(dir, 'swapped')
  mkdirSync(folder)
  const system = '/usr/share/datasets/fashion-mnist'
  for (const kind of ['images-idx3', 'labels-idx1']) {
    const train = `train-${kind}-ubyte.gz`
    const test = `t10k-${kind}-ubyte.gz`
    symlinkSync(join(system, test), join(folder, train))
    symlinkSync(join(system, train), join(folder, test))
  }
  return folder
}

describe('nord search cluster flags', () => {
  it('rejects a world without worker ranks', async () => {
    const dir = tempDir()
    const result = await nord(
      ['search', '--evaluator', 'async', '--workers', '0', '--out', dir],
      dir,
    )

    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /evaluator\.options\.workers: must be at least 1 when --external-workers is 0/,
    )
    rmSync(dir, { recursive: true, force: true })
  })

  it('rejects cluster flags without the async evaluator', async () => {
    const dir = tempDir()
    const result = await nord(
      ['search', '--port', '7000', '--external-workers', 'x', '--out', dir],
      dir,
    )

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('--port: applies only to --evaluator async')
    expect(result.stderr).toContain(
      '--external-workers: applies only to --evaluator async',
    )
    rmSync(dir, { recursive: true, force: true })
  })

  it('rejects an invalid port and worker count', async () => {
    const dir = tempDir()
    const result = await nord(
      [
        'search',
        '--evaluator',
        'async',
        '--port',
        '70000',
        '--external-workers',
        '-1',
        '--out',
        dir,
      ],
      dir,
    )

    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      '--port: must be an integer from 0 to 65535',
    )
    expect(result.stderr).toContain(
      '--external-workers: must be a non-negative integer',
    )
    rmSync(dir, { recursive: true, force: true })
  })
})

describe('nord search --evaluator async', () => {
  it('replaces a killed worker with a late one', async () => {
    const dir = tempDir()
    const { search, out } = startSearch(dir, ['--evaluations', '40'])
    const worker = await joinArguments(search)
    await search.waitFor(/\[1\/40\] \S+ ok/)

    const lostRank = await killOneWorker(search)
    const late = start(worker, dir)
    const code = await search.exited
    const lateCode = await late.exited

    expect(code).toBe(0)
    expect(lateCode).toBe(0)
    const events = evaluationEvents(out)
    const ids = events.map((event) => event.candidate.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(askedIds(out).sort())
    expect(ids).toHaveLength(40)
    const summary = readSummary(out)
    expect(summary.counts.candidates).toBe(events.length)
    expect(summary.counts.ok).toBe(40)
    expect(summary.counts.failed).toBe(0)
    for (const event of events) {
      expect([1, 2]).toContain(event.evaluation.extra?.worker)
    }
    const joined = search
      .stdout()
      .match(
        new RegExp(`worker ${lostRank}: (\\d+) evaluations, .*joined after`),
      )
    expect(Number(joined?.[1])).toBeGreaterThan(0)
    expect(search.stdout()).toMatch(/overall: busy [\d.]+ s in [\d.]+ s/)
    const onFreedRank = summary.evaluator.workers.filter(
      (entry: { rank: number }) => entry.rank === lostRank,
    )
    expect(onFreedRank).toHaveLength(2)
    expect(onFreedRank[0].lost).toBe(true)
    expect(onFreedRank[1].lost).toBe(false)
    expect(onFreedRank[1].evaluations).toBeGreaterThan(0)
    expect(summary.evaluator.overall.share).toBeGreaterThan(0)
    rmSync(dir, { recursive: true, force: true })
  }, 90_000)

  it('runs on an external worker alone', async () => {
    const dir = tempDir()
    const { search, out } = startSearch(dir, [
      '--evaluations',
      '6',
      '--workers',
      '0',
      '--external-workers',
      '1',
    ])
    const worker = await joinArguments(search)

    const external = start(worker, dir)
    const code = await search.exited
    const externalCode = await external.exited

    expect(code).toBe(0)
    expect(externalCode).toBe(0)
    expect(search.stderr()).toContain('0 local workers, 1 external')
    const events = evaluationEvents(out)
    expect(events).toHaveLength(6)
    for (const event of events) {
      expect(event.evaluation.status).toBe('ok')
      expect(event.evaluation.extra?.worker).toBe(1)
    }
    expect(search.stdout()).toMatch(/worker 1: 6 evaluations/)
    rmSync(dir, { recursive: true, force: true })
  }, 90_000)

  it('rejects a late worker with other data', async () => {
    const dir = tempDir()
    const { search, out } = startSearch(dir, ['--evaluations', '30'])
    const worker = await joinArguments(search)
    await search.waitFor(/\[1\/30\] \S+ ok/)

    const lostRank = await killOneWorker(search)
    const killedAt = new Date().toISOString()
    const late = start([...worker, '--data-dir', swappedData(dir)], dir)
    await late.waitFor(/the coordinator rejected this worker/)
    const lateCode = await late.exited
    const code = await search.exited

    expect(code).toBe(0)
    expect(lateCode).toBe(1)
    const events = evaluationEvents(out)
    expect(events).toHaveLength(30)
    expect(readSummary(out).counts.failed).toBe(0)
    // After the kill, only the rejected worker could hold the freed rank.
    const onFreedRank = events.filter(
      (event) =>
        event.time > killedAt && event.evaluation.extra?.worker === lostRank,
    )
    expect(onFreedRank).toEqual([])
    expect(search.stdout()).toMatch(
      new RegExp(`worker ${lostRank} rejected: it loaded different data`),
    )
    expect(search.stderr()).toMatch(
      /the async evaluator rejected a worker, which gets no evaluations/,
    )
    rmSync(dir, { recursive: true, force: true })
  }, 90_000)
})
