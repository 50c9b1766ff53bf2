import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  HASH_EVALUATOR,
  nord,
  readJournal,
  repositoryRoot,
  tempDir,
  writePackage,
} from './helpers.js'

const tinyData = ['--train-size', '300', '--test-size', '100', '--no-progress']

/** An evaluator that accepts only the option `scale`, as a strict plugin would. */
const STRICT_EVALUATOR = `
export default {
  kind: 'evaluator',
  name: 'test:strict-evaluator',
  core: '^0.1.0',
  create(options) {
    const unknown = Object.keys(options).filter((key) => key !== 'scale')
    if (unknown.length > 0) {
      throw Object.assign(new Error('invalid options'), {
        code: 'NORD_ERR_INVALID_OPTION',
        issues: unknown.map((key) => ({
          path: key,
          message: 'unknown option; known options: scale',
          code: 'NORD_ERR_INVALID_OPTION',
        })),
      })
    }
    const scale = options.scale ?? 1
    return {
      name: 'test:strict-evaluator',
      async evaluate(request) {
        const accuracy = (request.candidate.genotype[0] % 10) / 10 * scale
        return { status: 'ok', fitness: accuracy, accuracy, loss: 1, seconds: 0 }
      },
    }
  },
}
`

let project: string

beforeAll(() => {
  project = tempDir()
  writePackage(project, 'nord-test-evaluator', HASH_EVALUATOR)
  writePackage(project, 'nord-strict-evaluator', STRICT_EVALUATOR)
  writePackage(
    project,
    'nord-future-optimizer',
    `export default { kind: 'optimizer', name: 'test:future', core: '^9.0.0', create() {} }`,
  )
  writePackage(
    project,
    'nord-malformed-optimizer',
    `export default { kind: 'evaluator', name: '', core: '^0.1.0' }`,
  )
  writePackage(
    project,
    'nord-broken-evaluator',
    `export default { kind: 'evaluator', name: 'test:broken', core: '^0.1.0', create() { throw new TypeError('cannot read the GPU list') } }`,
  )
})

describe('third-party optimizer', () => {
  it('runs the hill climber from the repository root', async () => {
    const out = join(tempDir(), 'run')

    const result = await nord(
      [
        'search',
        '--optimizer',
        'nord-optimizer-hill-climbing',
        '--evaluations',
        '3',
        '--epochs',
        '1',
        ...tinyData,
        '--out',
        out,
      ],
      repositoryRoot,
    )

    expect(result.code, result.stderr).toBe(0)
    const events = readJournal(out)
    const start = events[0]
    expect(start.config.optimizer).toEqual({
      use: 'nord-optimizer-hill-climbing',
      options: {},
    })
    expect(start.config.budget.evaluations).toBe(3)
    const ids = events
      .filter((event) => event.type === 'evaluation')
      .map((event) => event.candidate.id)
    expect(ids).toEqual(['h0', 'h1', 'h2'])
    const tell = events.find((event) => event.type === 'tell')
    expect(tell.optimizerState.format).toBe(1)
  }, 600_000)

  it('takes its options from a configuration file', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        optimizer: {
          use: 'nord-optimizer-hill-climbing',
          options: { step: 2, patience: 4 },
        },
        evaluator: {
          use: join(project, 'node_modules', 'nord-test-evaluator'),
        },
        budget: { evaluations: 5 },
      }),
    )

    const result = await nord(
      [
        'search',
        '--config',
        join(dir, 'config.json'),
        ...tinyData,
        '--out',
        join(dir, 'run'),
      ],
      repositoryRoot,
    )

    expect(result.code, result.stderr).toBe(0)
    const config = readJournal(join(dir, 'run'))[0].config
    expect(config.optimizer.options).toEqual({ step: 2, patience: 4 })
    expect(config.evaluator.options).toEqual({})
  }, 600_000)

  it('lists every invalid plugin option under its configuration key', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        optimizer: {
          use: 'nord-optimizer-hill-climbing',
          options: { step: 0, steps: 2 },
        },
      }),
    )

    const result = await nord(
      [
        'search',
        '--config',
        join(dir, 'config.json'),
        '--out',
        join(dir, 'run'),
      ],
      repositoryRoot,
    )

    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      'optimizer.options.step: must be an integer >= 1, got 0',
    )
    expect(result.stderr).toContain('optimizer.options.steps: unknown option')
    expect(result.stderr).toContain('NORD_ERR_INVALID_OPTION')
  })

  it('rejects a plugin built for another core version', async () => {
    const result = await nord(
      ['search', '--optimizer', 'nord-future-optimizer', '--out', 'run'],
      project,
    )

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('NORD_ERR_PLUGIN')
    expect(result.stderr).toContain(
      'core: requires @nord/core ^9.0.0, but this is @nord/core 0.1.0',
    )
  })

  it('lists every problem of a malformed plugin', async () => {
    const result = await nord(
      ['search', '--optimizer', 'nord-malformed-optimizer', '--out', 'run'],
      project,
    )

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('NORD_ERR_PLUGIN')
    expect(result.stderr).toContain(
      "kind: must be 'optimizer', got 'evaluator'",
    )
    expect(result.stderr).toContain('name: must be a non-empty string')
    expect(result.stderr).toContain("create: must be the plugin's factory")
  })

  it('names a package that is not installed', async () => {
    const result = await nord(
      ['search', '--optimizer', 'nord-optimizer-missing', '--out', 'run'],
      project,
    )

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('NORD_ERR_PLUGIN_NOT_FOUND')
    expect(result.stderr).toContain("'nord-optimizer-missing' not found")
  })
})

describe('third-party evaluator', () => {
  it('starts from empty options', async () => {
    const out = join(tempDir(), 'run')

    const result = await nord(
      [
        'search',
        '--evaluator',
        'nord-strict-evaluator',
        '--population',
        '2',
        '--generations',
        '1',
        ...tinyData,
        '--out',
        out,
      ],
      project,
    )

    expect(result.code, result.stderr).toBe(0)
    expect(readJournal(out)[0].config.evaluator.options).toEqual({})
  }, 600_000)

  it('reports its option issues under evaluator.options', async () => {
    const result = await nord(
      [
        'search',
        '--evaluator',
        'nord-strict-evaluator',
        '--epochs',
        '2',
        '--out',
        'run',
      ],
      project,
    )

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('evaluator.options.epochs: unknown option')
  })

  it('names a plugin whose factory throws', async () => {
    const result = await nord(
      ['search', '--evaluator', 'nord-broken-evaluator', '--out', 'run'],
      project,
    )

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('NORD_ERR_PLUGIN')
    expect(result.stderr).toContain(
      "the evaluator plugin 'nord-broken-evaluator' (test:broken) failed to create its evaluator: cannot read the GPU list",
    )
  })
})
