import { describe, expect, it } from 'vitest'
import { createLocalEnvironment } from '../src/search/local-environment.js'

describe('createLocalEnvironment', () => {
  it('is rank 0 of a world of one', () => {
    const environment = createLocalEnvironment()

    expect(environment.rank).toBe(0)
    expect(environment.worldSize).toBe(1)
    expect(environment.role).toBe('local')
    expect(environment.name).toBe('local')
  })

  it('receives its own messages in order', async () => {
    const environment = createLocalEnvironment()
    await environment.start()

    await environment.send(0, { step: 1 })
    await environment.send(0, new Uint8Array([1, 2]))

    expect(await environment.receive(0)).toEqual({ step: 1 })
    expect(await environment.receive(0)).toEqual(new Uint8Array([1, 2]))
  })

  it('resolves a receive waiting for a later send', async () => {
    const environment = createLocalEnvironment()
    const received = environment.receive(0)

    await environment.send(0, 'late')

    expect(await received).toBe('late')
  })

  it('copies messages on send', async () => {
    const environment = createLocalEnvironment()
    const message = { genes: [1, 2] }

    await environment.send(0, message)
    message.genes.push(3)

    expect(await environment.receive(0)).toEqual({ genes: [1, 2] })
  })

  it('broadcasts, gathers and meets at barriers alone', async () => {
    const environment = createLocalEnvironment()

    expect(await environment.broadcast({ seed: 4 })).toEqual({ seed: 4 })
    expect(await environment.gather(5)).toEqual([5])
    await expect(environment.barrier()).resolves.toBeUndefined()
  })

  it('returns a copy from allReduce for sum and mean', async () => {
    const environment = createLocalEnvironment()
    const buffer = new Float32Array([1.5, -2])

    const sum = await environment.allReduce(buffer, 'sum')
    const mean = await environment.allReduce(buffer, 'mean')

    expect(sum).toEqual(buffer)
    expect(mean).toEqual(buffer)
    expect(sum).not.toBe(buffer)
    expect(mean).not.toBe(buffer)
  })

  it('rejects ranks other than 0', async () => {
    const environment = createLocalEnvironment()

    await expect(environment.send(1, 'x')).rejects.toMatchObject({
      code: 'NORD_ERR_ENVIRONMENT_RANK',
    })
    await expect(environment.gather(1, 2)).rejects.toMatchObject({
      code: 'NORD_ERR_ENVIRONMENT_RANK',
    })
  })

  it('starts and stops more than once', async () => {
    const environment = createLocalEnvironment()

    await environment.start()
    await environment.start()
    await environment.stop()

    await expect(environment.stop()).resolves.toBeUndefined()
  })

  it('rejects every operation after stop', async () => {
    const environment = createLocalEnvironment()
    await environment.stop()
    const stopped = { code: 'NORD_ERR_ENVIRONMENT_STOPPED' }

    await expect(environment.start()).rejects.toMatchObject(stopped)
    await expect(environment.send(0, 1)).rejects.toMatchObject(stopped)
    await expect(environment.receive(0)).rejects.toMatchObject(stopped)
    await expect(environment.broadcast(1)).rejects.toMatchObject(stopped)
    await expect(environment.gather(1)).rejects.toMatchObject(stopped)
    await expect(environment.barrier()).rejects.toMatchObject(stopped)
    await expect(
      environment.allReduce(new Float32Array(1)),
    ).rejects.toMatchObject(stopped)
  })

  it('rejects a pending receive on stop', async () => {
    const environment = createLocalEnvironment()
    const pending = environment.receive(0)

    await environment.stop()

    await expect(pending).rejects.toMatchObject({
      code: 'NORD_ERR_ENVIRONMENT_STOPPED',
    })
  })
})
