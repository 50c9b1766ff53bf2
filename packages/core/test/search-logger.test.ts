import { afterEach, describe, expect, it } from 'vitest'
import {
  createDebug,
  createLogger,
  isDebugEnabled,
  silentLogger,
} from '../src/search/logger.js'

describe('createLogger', () => {
  it('writes level, message and fields', () => {
    const lines: string[] = []
    const logger = createLogger({ write: (line) => lines.push(line) })

    logger.info('search started', { seed: 7, evaluator: 'nord:local' })

    expect(lines).toEqual(['INFO search started seed=7 evaluator=nord:local'])
  })

  it('quotes strings with spaces and formats errors and objects', () => {
    const lines: string[] = []
    const logger = createLogger({ write: (line) => lines.push(line) })

    logger.warn('candidate failed', {
      reason: 'out of memory',
      error: new Error('boom'),
      budget: { evaluations: 3 },
      skipped: undefined,
    })

    expect(lines[0]).toBe(
      'WARN candidate failed reason="out of memory" error="boom" budget={"evaluations":3}',
    )
  })

  it('drops lines below its level', () => {
    const lines: string[] = []
    const logger = createLogger({
      level: 'warn',
      write: (line) => lines.push(line),
    })

    logger.debug('a')
    logger.info('b')
    logger.warn('c')
    logger.error('d')

    expect(lines).toEqual(['WARN c', 'ERROR d'])
  })

  it('prints debug lines at level debug', () => {
    const lines: string[] = []
    const logger = createLogger({
      level: 'debug',
      write: (line) => lines.push(line),
    })

    logger.debug('detail')

    expect(lines).toEqual(['DEBUG detail'])
  })

  it('prints nothing at level silent', () => {
    const lines: string[] = []
    const logger = createLogger({
      level: 'silent',
      write: (line) => lines.push(line),
    })

    logger.error('lost')

    expect(lines).toEqual([])
  })

  it('has a silent logger that accepts every call', () => {
    expect(() => silentLogger.error('ignored', { a: 1 })).not.toThrow()
  })
})

describe('createDebug', () => {
  const saved = { NORD_DEBUG: process.env.NORD_DEBUG, DEBUG: process.env.DEBUG }

  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  })

  it('writes lines of an enabled namespace', () => {
    const lines: string[] = []
    const debug = createDebug('nord:search', {
      patterns: 'nord:*',
      write: (line) => lines.push(line),
    })

    debug('ask', { count: 2 })

    expect(debug.enabled).toBe(true)
    expect(lines).toEqual(['DEBUG nord:search ask count=2'])
  })

  it('writes nothing for a disabled namespace', () => {
    const lines: string[] = []
    const debug = createDebug('nord:search', {
      patterns: 'other:*',
      write: (line) => lines.push(line),
    })

    debug('ask')

    expect(debug.enabled).toBe(false)
    expect(lines).toEqual([])
  })

  it('reads NORD_DEBUG before DEBUG', () => {
    process.env.NORD_DEBUG = 'nord:search'
    process.env.DEBUG = '-nord:search'

    expect(createDebug('nord:search').enabled).toBe(true)
  })

  it('reads DEBUG without NORD_DEBUG', () => {
    delete process.env.NORD_DEBUG
    process.env.DEBUG = 'nord:*'

    expect(createDebug('nord:environment').enabled).toBe(true)
  })

  it('is off without either variable', () => {
    delete process.env.NORD_DEBUG
    delete process.env.DEBUG

    expect(createDebug('nord:search').enabled).toBe(false)
  })
})

describe('isDebugEnabled', () => {
  it.each([
    ['nord:search', 'nord:*', true],
    ['nord:search', '*', true],
    ['nord:search', 'nord:search', true],
    ['nord:search', 'nord:environment', false],
    ['nord:search', 'nord:*,-nord:search', false],
    ['nord:search', '-nord:search nord:*', false],
    ['nord:search', 'nord:env*, nord:se*', true],
    ['nord:search', '', false],
    ['nord.search', 'nord:*', false],
  ])('%s with %j is %s', (namespace, patterns, expected) => {
    expect(isDebugEnabled(namespace, patterns)).toBe(expected)
  })
})
