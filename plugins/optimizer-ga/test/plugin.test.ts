import type { NordPlugin, Optimizer, PluginContext } from '@nord/core'
import { describe, expect, it } from 'vitest'
import plugin, { createGeneticOptimizer } from '../src/index.js'
import { GENES } from './helpers.js'

const silent = () => undefined
const CONTEXT: PluginContext = {
  space: {
    name: 'test-space',
    genes: GENES,
    decode: () => ({ layers: [], connections: [] }),
    options: {},
  },
  seed: 5,
  logger: { debug: silent, info: silent, warn: silent, error: silent },
}

describe('plugin', () => {
  it('declares an optimizer for core 0.1', () => {
    const declared: NordPlugin = plugin

    expect(declared.kind).toBe('optimizer')
    expect(declared.name).toBe('nord:optimizer-ga')
    expect(declared.core).toBe('^0.1.0')
  })

  it('creates the same optimizer as the factory', async () => {
    const created = (await plugin.create(
      { population: 4 },
      CONTEXT,
    )) as Optimizer
    const direct = createGeneticOptimizer({ population: 4 }, CONTEXT)

    expect(created.name).toBe('nord:optimizer-ga')
    expect(await created.ask()).toEqual(direct.ask())
  })
})
