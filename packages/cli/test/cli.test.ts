import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bin, nord, readJournal, readSummary, tempDir } from './helpers.js'

const tinySearch = [
  'search',
  '--population',
  '4',
  '--generations',
  '2',
  '--train-size',
  '300',
  '--test-size',
  '100',
  '--batch-size',
  '32',
  '--no-progress',
]

describe('nord bench', () => {
  it('prints the suite options with --help', async () => {
    const result = await nord(['bench', '--help'])

    expect(result.code).toBe(0)
    expect(result.stdout + result.stderr).toContain('Usage: nord bench')
    expect(result.stdout + result.stderr).toContain('--seeds R')
  })

  it('rejects an unknown method', async () => {
    const result = await nord(['bench', '--methods', 'e9'])

    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('e9')
  })
})

describe('nord inspect', () => {
  it('prints layers, shapes and totals', async () => {
    const dir = tempDir()
    const file = join(dir, 'net.json')
    writeFileSync(
      file,
      JSON.stringify({
        layers: [
          {
            name: 'conv1',
            type: 'conv2d',
            params: { filters: 4, kernelSize: 3 },
          },
          { name: 'act', type: 'relu6', params: {} },
        ],
        connections: [['conv1', 'act']],
      }),
    )

    const result = await nord([
      'inspect',
      file,
      '--input',
      '28x28x1',
      '--classes',
      '10',
    ])

    expect(result.code).toBe(0)
    expect(result.stdout).toContain('conv1 (conv2d)')
    expect(result.stdout).toContain('[26, 26, 4]')
    // conv: 3*3*1*4 + 4 = 40; head dense: 26*26*4*10 + 10 = 27050.
    expect(result.stdout).toContain('Trainable parameters: 27,090')
  })

  it('reports every problem of an invalid descriptor', async () => {
    const dir = tempDir()
    const file = join(dir, 'bad.json')
    writeFileSync(
      file,
      JSON.stringify({
        layers: [
          { name: 'a', type: 'conv2d', params: { filters: 4, kernelSize: 40 } },
          { name: 'b', type: 'warp', params: {} },
        ],
        connections: [
          ['a', 'b'],
          ['b', 'missing'],
        ],
      }),
    )

    const result = await nord([
      'inspect',
      file,
      '--input',
      '28x28x1',
      '--classes',
      '10',
    ])

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('NORD_ERR_UNKNOWN_LAYER_TYPE')
    expect(result.stderr).toContain('missing')
  })

  it('rejects a malformed input shape', async () => {
    const result = await nord([
      'inspect',
      'x.json',
      '--input',
      '28by28',
      '--classes',
      '10',
    ])

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('--input must be HxWxC')
  })
})

describe('nord search', () => {
  it('records every candidate and repeats with the same seed', async () => {
    const dir = tempDir()
    const first = await nord([
      ...tinySearch,
      '--seed',
      '3',
      '--out',
      join(dir, 'a'),
    ])
    const second = await nord([
      ...tinySearch,
      '--seed',
      '3',
      '--out',
      join(dir, 'b'),
    ])

    expect(first.code).toBe(0)
    expect(second.code).toBe(0)
    const a = readJournal(join(dir, 'a')).filter((e) => e.type === 'evaluation')
    const b = readJournal(join(dir, 'b')).filter((e) => e.type === 'evaluation')
    expect(a).toHaveLength(8)
    expect(b.map((e) => e.candidate.genotype)).toEqual(
      a.map((e) => e.candidate.genotype),
    )
    expect(b.map((e) => e.evaluation.accuracy)).toEqual(
      a.map((e) => e.evaluation.accuracy),
    )
    const summary = JSON.parse(
      readFileSync(join(dir, 'a', 'summary.json'), 'utf8'),
    )
    expect(summary.status).toBe('completed')
    expect(summary.counts.candidates).toBe(8)
  }, 600_000)

  it('takes options from a config file and lets flags override them', async () => {
    const dir = tempDir()
    const config = join(dir, 'config.json')
    writeFileSync(
      config,
      JSON.stringify({
        seed: 5,
        optimizer: { options: { population: 3, generations: 1 } },
        dataset: { trainSize: 200, testSize: 100 },
      }),
    )

    const result = await nord([
      'search',
      '--config',
      config,
      '--population',
      '2',
      '--no-progress',
      '--out',
      join(dir, 'run'),
    ])

    expect(result.code).toBe(0)
    const resolved = JSON.parse(
      readFileSync(join(dir, 'run', 'config.json'), 'utf8'),
    )
    expect(resolved.seed).toBe(5)
    expect(resolved.optimizer.options.population).toBe(2)
    expect(resolved.dataset.trainSize).toBe(200)
    const evaluations = readJournal(join(dir, 'run')).filter(
      (e) => e.type === 'evaluation',
    )
    expect(evaluations).toHaveLength(2)
  }, 600_000)

  it('lists every configuration problem at once', async () => {
    const dir = tempDir()
    const config = join(dir, 'config.json')
    writeFileSync(
      config,
      JSON.stringify({
        seed: -1,
        colour: 'red',
        dataset: { name: 'imagenet' },
      }),
    )

    const result = await nord([
      'search',
      '--config',
      config,
      '--population',
      'ten',
      '--epochs',
      '0',
    ])

    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      'seed: must be an integer from 0 to 4294967295',
    )
    expect(result.stderr).toContain('colour: unknown key')
    expect(result.stderr).toContain('dataset.name: must be one of')
    expect(result.stderr).toContain('--population: must be an integer')
    expect(result.stderr).toContain(
      'evaluator.options.epochs: must be a positive integer',
    )
    expect(result.stderr).not.toContain('loaded fashion-mnist')
  })

  it('refuses to overwrite an existing run', async () => {
    const dir = tempDir()
    const args = [
      ...tinySearch,
      '--generations',
      '1',
      '--population',
      '2',
      '--out',
      join(dir, 'run'),
    ]
    expect((await nord(args)).code).toBe(0)

    const again = await nord(args)

    expect(again.code).toBe(1)
    expect(again.stderr).toContain('NORD_ERR_RUN_EXISTS')
  }, 600_000)

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    'stops cleanly on %s with the journal intact',
    async (signal) => {
      const dir = tempDir()
      const out = join(dir, 'run')
      const child = spawn(
        'node',
        [bin, ...tinySearch, '--generations', '20', '--out', out],
        { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let stderr = ''
      const firstCandidate = new Promise<void>((resolve) => {
        child.stderr.on('data', (chunk) => {
          stderr += chunk
          if (stderr.includes('[1/')) resolve()
        })
      })
      await firstCandidate
      child.kill(signal)
      const code = await new Promise<number | null>((resolve) =>
        child.on('exit', resolve),
      )

      expect(code).toBe(0)
      const events = readJournal(out)
      expect(events[0].type).toBe('run-start')
      expect(events.at(-1)).toMatchObject({
        type: 'run-end',
        reason: 'interrupted',
      })
      const summary = JSON.parse(
        readFileSync(join(out, 'summary.json'), 'utf8'),
      )
      expect(summary.status).toBe('interrupted')
      const evaluations = events.filter((e) => e.type === 'evaluation')
      expect(summary.counts.evaluated).toBe(evaluations.length)
    },
    600_000,
  )

  it('finishes the run when its output pipe closes', async () => {
    const dir = tempDir()
    const out = join(dir, 'run')
    const child = spawn('node', [bin, ...tinySearch, '--out', out], {
      cwd: tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // Like `nord search 2>&1 | head -1`: the reader goes away early.
    child.stdout.destroy()
    child.stderr.once('data', () => child.stderr.destroy())
    const code = await new Promise<number | null>((resolve) =>
      child.on('exit', resolve),
    )

    expect(code).toBe(0)
    const events = readJournal(out)
    expect(events.at(-1)).toMatchObject({
      type: 'run-end',
      reason: 'completed',
    })
  }, 600_000)

  it("accepts a run's config.json as --config", async () => {
    const dir = tempDir()
    const first = await nord([
      ...tinySearch,
      '--seed',
      '4',
      '--out',
      join(dir, 'a'),
    ])
    expect(first.code).toBe(0)

    const again = await nord([
      'search',
      '--config',
      join(dir, 'a', 'config.json'),
      '--no-progress',
      '--out',
      join(dir, 'b'),
    ])

    expect(again.code).toBe(0)
    const accuracies = (run: string) =>
      readJournal(join(dir, run))
        .filter((e) => e.type === 'evaluation')
        .map((e) => e.evaluation.accuracy)
    expect(accuracies('b')).toEqual(accuracies('a'))
  }, 600_000)

  it('rejects an unknown log level', async () => {
    const result = await nord(['search', '--log-level', 'loud'])

    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('loud')
    expect(result.stderr).toContain('debug, info, warn, error, silent')
  })

  it('gives the local results with --evaluator async', async () => {
    const dir = tempDir()
    const local = await nord([
      ...tinySearch,
      '--seed',
      '6',
      '--out',
      join(dir, 'l'),
    ])
    const cluster = await nord([
      ...tinySearch,
      '--seed',
      '6',
      '--evaluator',
      'async',
      '--workers',
      '2',
      '--out',
      join(dir, 'c'),
    ])

    expect(local.code).toBe(0)
    expect(cluster.code).toBe(0)
    // Results arrive in any order with two workers, so compare by candidate.
    const byCandidate = (run: string) =>
      Object.fromEntries(
        readJournal(join(dir, run))
          .filter((e) => e.type === 'evaluation')
          .map((e) => [e.candidate.id, e.evaluation.accuracy]),
      )
    expect(byCandidate('c')).toEqual(byCandidate('l'))
    expect(cluster.stdout).toMatch(/worker 1: \d+ evaluations, busy/)
    expect(cluster.stdout).toMatch(/worker 2: \d+ evaluations, busy/)
    expect(Object.keys(byCandidate('c'))).toHaveLength(8)
  }, 600_000)

  it('trains each network on every worker with --evaluator data-parallel', async () => {
    const dir = tempDir()
    const local = await nord([
      ...tinySearch,
      '--seed',
      '6',
      '--out',
      join(dir, 'l'),
    ])
    const cluster = await nord([
      ...tinySearch,
      '--seed',
      '6',
      '--evaluator',
      'data-parallel',
      '--workers',
      '2',
      '--out',
      join(dir, 'd'),
    ])

    expect(local.code).toBe(0)
    expect(cluster.code).toBe(0)
    const evaluations = (run: string) =>
      readJournal(join(dir, run)).filter((e) => e.type === 'evaluation')
    const trained = evaluations('d').filter(
      (e) => e.evaluation.status === 'ok' && !e.cacheHitOf,
    )
    expect(trained.length).toBeGreaterThan(0)
    for (const event of trained) {
      expect(event.evaluation.extra.workers).toEqual([1, 2])
    }
    // The first generation's candidates are the same in both runs, and
    // training on two workers follows one process up to float rounding.
    const firstGeneration = (run: string) =>
      evaluations(run)
        .filter((e) => e.candidate.generation === 0)
        .map((e) => e.evaluation.loss ?? -1)
    const expected = firstGeneration('l')
    firstGeneration('d').forEach((loss, i) => {
      expect(loss).toBeCloseTo(expected[i]!, 3)
    })
    const summary = readSummary(join(dir, 'd'))
    expect(summary.evaluator.replicas).toBe(2)
    expect(cluster.stdout).toMatch(/data-parallel: 2 replicas, batch 32/)
  }, 600_000)
})
