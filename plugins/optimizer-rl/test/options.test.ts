import { type Issue, NordValidationError } from '@nord/core'
import { describe, expect, it } from 'vitest'
import { resolveReinforceOptions } from '../src/options.js'
import { createOptimizer, GENES } from './helpers.js'

/** Runs `action` and returns the issues of the validation error it throws. */
function issuesOf(action: () => unknown): Issue[] {
  try {
    action()
  } catch (error) {
    if (error instanceof NordValidationError) return error.issues
    throw error
  }
  throw new Error('expected a NordValidationError, but nothing was thrown')
}

function pathsOf(options: unknown, genes: unknown = GENES): string[] {
  return issuesOf(() => resolveReinforceOptions(options, genes)).map(
    (issue) => issue.path,
  )
}

function messageAt(options: unknown, path: string): string | undefined {
  const issues = issuesOf(() => resolveReinforceOptions(options, GENES))
  return issues.find((issue) => issue.path === path)?.message
}

describe('resolveReinforceOptions', () => {
  it('applies the defaults', () => {
    expect(resolveReinforceOptions(undefined, GENES)).toEqual({
      controller: 'factorised',
      learningRate: 0.05,
      baselineDecay: 0.9,
      entropyWeight: 0.01,
      batchSize: 8,
    })
  })

  it('keeps the options it is given', () => {
    const options = resolveReinforceOptions(
      {
        controller: 'lstm',
        hiddenSize: 12,
        learningRate: 0.001,
        baselineDecay: 0,
        entropyWeight: 0,
        batchSize: 1,
        samples: 40,
      },
      GENES,
    )

    expect(options).toEqual({
      controller: 'lstm',
      hiddenSize: 12,
      learningRate: 0.001,
      baselineDecay: 0,
      entropyWeight: 0,
      batchSize: 1,
      samples: 40,
    })
  })

  it('gives the LSTM its default hidden size', () => {
    const options = resolveReinforceOptions({ controller: 'lstm' }, GENES)

    expect(options.hiddenSize).toBe(35)
  })

  it('treats an undefined option as absent', () => {
    const options = resolveReinforceOptions({ batchSize: undefined }, GENES)

    expect(options.batchSize).toBe(8)
  })

  it('reports every problem at once', () => {
    const paths = pathsOf(
      {
        controller: 'gru',
        learningRate: 0,
        baselineDecay: 1,
        entropyWeight: -0.1,
        batchSize: 0,
        samples: 2.5,
        batchsize: 4,
      },
      [{ name: 'filters', min: 8, max: 4 }],
    )

    expect(paths).toEqual([
      'batchsize',
      'controller',
      'learningRate',
      'baselineDecay',
      'entropyWeight',
      'batchSize',
      'samples',
      'space.genes[0]',
    ])
  })

  it('prefixes messages with the problem and the value', () => {
    expect(messageAt({ learningRate: 0 }, 'learningRate')).toBe(
      'must be a number > 0, got 0',
    )
    expect(messageAt({ batchSize: 0 }, 'batchSize')).toBe(
      'must be an integer >= 1, got 0',
    )
    expect(messageAt({ entropyWeight: -1 }, 'entropyWeight')).toBe(
      'must be a number >= 0, got -1',
    )
    expect(messageAt({ baselineDecay: 1 }, 'baselineDecay')).toBe(
      'must be a number in [0, 1), got 1',
    )
  })

  it('names the known options for an unknown key', () => {
    expect(messageAt({ lr: 0.1 }, 'lr')).toMatch(/unknown option/)
    expect(messageAt({ lr: 0.1 }, 'lr')).toMatch(/learningRate/)
  })

  it('rejects a hidden size without the LSTM', () => {
    expect(messageAt({ hiddenSize: 8 }, 'hiddenSize')).toMatch(
      /applies only to the LSTM controller/,
    )
  })

  it('rejects a hidden size of zero', () => {
    expect(pathsOf({ controller: 'lstm', hiddenSize: 0 })).toEqual([
      'hiddenSize',
    ])
  })

  it('rejects a learning rate given as a string', () => {
    expect(pathsOf({ learningRate: '0.1' })).toEqual(['learningRate'])
  })

  it('rejects options that are not an object', () => {
    expect(pathsOf(5)).toEqual(['options'])
  })

  it('rejects a space without genes', () => {
    expect(pathsOf({}, [])).toEqual(['space.genes'])
  })

  it('rejects bounds that are not integers', () => {
    expect(pathsOf({}, [{ name: 'width', min: 0.5, max: 'eight' }])).toEqual([
      'space.genes[0].min',
      'space.genes[0].max',
    ])
  })

  it('codes option and space problems apart', () => {
    const issues = issuesOf(() =>
      resolveReinforceOptions({ batchSize: 0 }, [
        { name: 'a', min: 2, max: 1 },
      ]),
    )

    expect(issues.map((issue) => issue.code)).toEqual([
      'NORD_ERR_INVALID_OPTION',
      'NORD_ERR_INVALID_SPACE',
    ])
  })
})

describe('createReinforceOptimizer', () => {
  it('rejects invalid options before loading anything', async () => {
    await expect(createOptimizer({ batchSize: 0 })).rejects.toThrow(
      /batchSize: must be an integer >= 1, got 0/,
    )
  })

  it('keeps its own copy of the genes', async () => {
    const genes = [{ name: 'width', min: 0, max: 3 }]
    const optimizer = await createOptimizer({}, 1, genes)
    genes[0]!.max = 100

    for (let round = 0; round < 20; round++) {
      for (const candidate of optimizer.ask(4)) {
        expect(candidate.genotype[0]).toBeLessThanOrEqual(3)
      }
    }
  })
})
