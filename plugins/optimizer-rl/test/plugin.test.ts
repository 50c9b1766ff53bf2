import { checkPlugin, type SearchSpace, silentLogger } from '@nord/core'
import { describe, expect, it } from 'vitest'
import plugin, { OPTIMIZER_NAME } from '../src/index.js'
import { GENES, runBatch } from './helpers.js'

/** A space whose decoder the optimizer never calls. */
const SPACE: SearchSpace = {
  name: 'test-space',
  genes: GENES,
  decode: () => ({ layers: [], connections: [] }),
  options: {},
}

describe('plugin', () => {
  it('describes an optimizer for core 0.1', () => {
    expect(plugin.kind).toBe('optimizer')
    expect(plugin.name).toBe('nord:optimizer-rl')
    expect(plugin.name).toBe(OPTIMIZER_NAME)
    expect(plugin.core).toBe('^0.1.0')
  })

  it('passes the plugin check of core', () => {
    expect(() => checkPlugin(plugin, 'optimizer', 'test')).not.toThrow()
  })

  it('creates a steady-state optimizer', async () => {
    const optimizer = await plugin.create(
      { batchSize: 3 },
      { space: SPACE, seed: 5, logger: silentLogger },
    )

    expect(optimizer.name).toBe(OPTIMIZER_NAME)
    expect(optimizer.mode).toBe('steady-state')
    expect(optimizer.version).toBe('0.1.0')
    expect(runBatch(optimizer)).toHaveLength(3)
  })

  it('loads no TensorFlow.js for the factorised policy', async () => {
    const optimizer = await plugin.create(
      {},
      { space: SPACE, seed: 6, logger: silentLogger },
    )
    runBatch(optimizer)

    // TensorFlow.js keeps its engine in this global once it is loaded.
    expect('_tfengine' in globalThis).toBe(false)
  })
})
