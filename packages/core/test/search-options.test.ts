import { describe, expect, it } from 'vitest'
import { IssueList } from '../src/errors.js'
import {
  checkBoolean,
  checkInteger,
  checkNumber,
  checkOneOf,
  formatValue,
  joinPath,
  rejectUnknownKeys,
} from '../src/search/options.js'

function messages(issues: IssueList): string[] {
  return issues.issues.map((issue) => `${issue.path}: ${issue.message}`)
}

describe('checkInteger', () => {
  it('accepts an integer in range', () => {
    const issues = new IssueList()

    expect(checkInteger('population', 10, { min: 1, max: 100 }, issues)).toBe(
      true,
    )
    expect(issues.empty).toBe(true)
  })

  it.each([
    [0, 'population: must be an integer in [1, 100], got 0'],
    [101, 'population: must be an integer in [1, 100], got 101'],
    [2.5, 'population: must be an integer in [1, 100], got 2.5'],
    ['10', "population: must be an integer in [1, 100], got '10'"],
    [undefined, 'population: must be an integer in [1, 100], got undefined'],
  ])('rejects %j', (value, message) => {
    const issues = new IssueList()

    expect(
      checkInteger('population', value, { min: 1, max: 100 }, issues),
    ).toBe(false)
    expect(messages(issues)).toEqual([message])
  })

  it('describes a lower bound alone', () => {
    const issues = new IssueList()

    checkInteger('elitism', -1, { min: 0 }, issues)

    expect(messages(issues)).toEqual([
      'elitism: must be an integer >= 0, got -1',
    ])
  })
})

describe('checkNumber', () => {
  it('accepts the inclusive bounds', () => {
    const issues = new IssueList()

    checkNumber('rate', 0, { min: 0, max: 1 }, issues)
    checkNumber('rate', 1, { min: 0, max: 1 }, issues)

    expect(issues.empty).toBe(true)
  })

  it('rejects the bounds when exclusive', () => {
    const issues = new IssueList()

    checkNumber('rate', 1, { min: 0, max: 1, exclusive: true }, issues)

    expect(messages(issues)).toEqual([
      'rate: must be a number in (0, 1), got 1',
    ])
  })

  it('rejects NaN and infinity', () => {
    const issues = new IssueList()

    checkNumber('rate', Number.NaN, {}, issues)
    checkNumber('rate', Number.POSITIVE_INFINITY, {}, issues)

    expect(messages(issues)).toEqual([
      'rate: must be a number, got NaN',
      'rate: must be a number, got Infinity',
    ])
  })
})

describe('checkOneOf', () => {
  it('lists the choices', () => {
    const issues = new IssueList()

    const valid = checkOneOf(
      'selection',
      'best',
      ['tournament', 'roulette'],
      issues,
    )

    expect(valid).toBe(false)
    expect(messages(issues)).toEqual([
      "selection: must be one of 'tournament', 'roulette', got 'best'",
    ])
  })

  it('accepts a choice', () => {
    const issues = new IssueList()

    expect(
      checkOneOf('selection', 'roulette', ['tournament', 'roulette'], issues),
    ).toBe(true)
  })
})

describe('checkBoolean', () => {
  it('rejects a string', () => {
    const issues = new IssueList()

    checkBoolean('shuffle', 'yes', issues)
    checkBoolean('shuffle', false, issues)

    expect(messages(issues)).toEqual([
      "shuffle: must be true or false, got 'yes'",
    ])
  })
})

describe('rejectUnknownKeys', () => {
  it('adds one issue per unknown key', () => {
    const issues = new IssueList()

    const valid = rejectUnknownKeys(
      'optimizer.options',
      { population: 4, popSize: 4, rate: 1 },
      ['population', 'mutationRate'],
      issues,
    )

    expect(valid).toBe(false)
    expect(messages(issues)).toEqual([
      'optimizer.options.popSize: unknown option; known options: mutationRate, population',
      'optimizer.options.rate: unknown option; known options: mutationRate, population',
    ])
  })

  it('rejects a value that is not an object', () => {
    const issues = new IssueList()

    rejectUnknownKeys('budget', [1], ['seconds'], issues)

    expect(messages(issues)).toEqual(['budget: must be an object, got [1]'])
  })

  it('uses the default issue code', () => {
    const issues = new IssueList()

    rejectUnknownKeys('', { extra: true }, [], issues)

    expect(issues.issues[0]).toEqual({
      path: 'extra',
      message: 'unknown option; known options: none',
      code: 'NORD_ERR_INVALID_OPTION',
    })
  })
})

describe('joinPath', () => {
  it('joins keys and indices', () => {
    expect(joinPath('', 'budget')).toBe('budget')
    expect(joinPath('budget', 'seconds')).toBe('budget.seconds')
    expect(joinPath('layers', 2)).toBe('layers[2]')
  })
})

describe('formatValue', () => {
  it('shortens long JSON', () => {
    const text = formatValue({
      values: Array.from({ length: 40 }, (_, i) => i),
    })

    expect(text.length).toBe(60)
    expect(text.endsWith('...')).toBe(true)
  })
})

describe('IssueList with the checks', () => {
  it('reports every problem in one error', () => {
    const issues = new IssueList()

    checkInteger('population', 0, { min: 1 }, issues)
    checkNumber('mutationRate', 2, { min: 0, max: 1 }, issues)

    expect(() => issues.throwIfAny('the optimizer options')).toThrow(
      /population: must be an integer >= 1, got 0\n {2}mutationRate: must be a number in \[0, 1\], got 2/,
    )
  })
})
