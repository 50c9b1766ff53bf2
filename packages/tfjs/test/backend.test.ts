import * as tf from '@tensorflow/tfjs-core'
import { afterEach, describe, expect, it } from 'vitest'
import { resolvePackage } from '../src/backend.js'
import {
  ensureBackend,
  NATIVE_BACKEND_PACKAGES,
  selectBackend,
} from '../src/index.js'

const savedEnv = process.env.NORD_BACKEND

afterEach(() => {
  if (savedEnv === undefined) delete process.env.NORD_BACKEND
  else process.env.NORD_BACKEND = savedEnv
})

describe('selectBackend', () => {
  it('finds no native binding here', () => {
    for (const name of NATIVE_BACKEND_PACKAGES) {
      expect(resolvePackage(name), name).toBeUndefined()
    }
  })

  it('picks wasm when no native binding is installed', async () => {
    delete process.env.NORD_BACKEND
    const selection = await selectBackend()

    expect(selection.name).toBe('wasm')
    expect(selection.requested).toBe('auto')
    expect(selection.source).toBe('default')
    expect(tf.getBackend()).toBe('wasm')
  })

  it('uses the backend named in the options', async () => {
    delete process.env.NORD_BACKEND
    const selection = await selectBackend({ backend: 'cpu' })

    expect(selection.name).toBe('cpu')
    expect(selection.source).toBe('option')
    expect(tf.getBackend()).toBe('cpu')
  })

  it('lets NORD_BACKEND override the options', async () => {
    process.env.NORD_BACKEND = 'cpu'
    const selection = await selectBackend({ backend: 'wasm' })

    expect(selection.name).toBe('cpu')
    expect(selection.source).toBe('env')
  })

  it('names the package for forced tensorflow', async () => {
    delete process.env.NORD_BACKEND
    const failure = selectBackend({ backend: 'tensorflow' })

    await expect(failure).rejects.toMatchObject({ code: 'NORD_ERR_BACKEND' })
    await expect(failure).rejects.toThrow('@tensorflow/tfjs-node')
  })

  it('rejects tensorflow forced through NORD_BACKEND', async () => {
    process.env.NORD_BACKEND = 'tensorflow'

    await expect(selectBackend()).rejects.toMatchObject({
      code: 'NORD_ERR_BACKEND',
    })
  })

  it('reports invalid option and variable together', async () => {
    process.env.NORD_BACKEND = 'gpu'
    const failure = selectBackend({ backend: 'webgl' as 'cpu' })

    await expect(failure).rejects.toMatchObject({
      code: 'NORD_ERR_INVALID_OPTION',
      issues: [
        { path: 'NORD_BACKEND', message: expect.stringContaining('"gpu"') },
        { path: 'backend', message: expect.stringContaining('"webgl"') },
      ],
    })
  })
})

describe('ensureBackend', () => {
  it('keeps the backend that was selected before', async () => {
    delete process.env.NORD_BACKEND
    await selectBackend({ backend: 'cpu' })

    expect(await ensureBackend()).toBe('cpu')
  })
})
