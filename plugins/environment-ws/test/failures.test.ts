import { describe, expect, it } from 'vitest'
import { checkCluster, launchLocalWorkers } from '../src/index.js'
import {
  FAST_LIVENESS,
  launchFixture,
  listeningCoordinator,
  nextEvent,
  record,
  rejectionCode,
  within,
} from './helpers.js'

describe('a worker killed with SIGKILL', () => {
  it('fails the pending collective and frees its rank', async () => {
    const coordinator = await listeningCoordinator({
      worldSize: 3,
      ...FAST_LIVENESS,
    })
    const workers = launchLocalWorkers(2, coordinator.url, coordinator.token, {
      stdio: 'pipe',
    })
    record(workers.processes)
    try {
      await within(coordinator.start(), 15_000, 'joining')
      // The workers serve tasks, so this all-reduce waits for them.
      const pending = coordinator.allReduce(new Float32Array(8))
      const lost = nextEvent(coordinator, 'worker-lost')
      workers.processes[0]!.kill('SIGKILL')

      const event = await within(lost, 5000, 'loss detection')
      expect(await within(rejectionCode(pending), 5000, 'the collective')).toBe(
        'NORD_ERR_WORKER_LOST',
      )
      expect(event.code).toBe('NORD_ERR_WORKER_LOST')
      expect([1, 2]).toContain(event.rank)
      expect(coordinator.workers).toHaveLength(1)
    } finally {
      await coordinator.stop()
      await workers.stop()
    }
  }, 30_000)

  it('lets a new worker take the rank while the coordinator stays up', async () => {
    const coordinator = await listeningCoordinator({
      worldSize: 3,
      ...FAST_LIVENESS,
    })
    const first = launchLocalWorkers(2, coordinator.url, coordinator.token, {
      stdio: 'pipe',
    })
    record(first.processes)
    let second: ReturnType<typeof launchLocalWorkers> | undefined
    try {
      await within(coordinator.start(), 15_000, 'joining')
      const lost = nextEvent(coordinator, 'worker-lost')
      first.processes[0]!.kill('SIGKILL')
      const { rank } = await within(lost, 5000, 'loss detection')

      const joined = nextEvent(coordinator, 'worker-joined')
      second = launchLocalWorkers(1, coordinator.url, coordinator.token, {
        stdio: 'pipe',
      })
      record(second.processes)
      expect((await within(joined, 10_000, 'rejoin')).rank).toBe(rank)
      const check = await within(checkCluster(coordinator), 10_000, 'check')
      expect(check.ok).toBe(true)
    } finally {
      await coordinator.stop()
      await first.stop()
      await second?.stop()
    }
  }, 30_000)
})

describe('collective timeout', () => {
  it('fails with a coded error naming the missing ranks', async () => {
    const coordinator = await listeningCoordinator({
      worldSize: 2,
      collectiveTimeout: 300,
    })
    const workers = launchLocalWorkers(1, coordinator.url, coordinator.token, {
      stdio: 'pipe',
    })
    record(workers.processes)
    try {
      await within(coordinator.start(), 15_000, 'joining')
      const error = await coordinator.barrier().catch((caught) => caught)
      expect(error.code).toBe('NORD_ERR_COLLECTIVE_TIMEOUT')
      expect(error.message).toContain('rank 1')
    } finally {
      await coordinator.stop()
      await workers.stop()
    }
  }, 30_000)
})

describe('mismatched collectives', () => {
  it('fail on every rank with NORD_ERR_COLLECTIVE_MISMATCH', async () => {
    const coordinator = await listeningCoordinator({ worldSize: 2 })
    // The fixture in `check` mode starts with a barrier.
    const workers = launchFixture(coordinator, 1, 'check')
    try {
      await within(coordinator.start(), 15_000, 'joining')
      const code = await rejectionCode(coordinator.gather(1))
      expect(code).toBe('NORD_ERR_COLLECTIVE_MISMATCH')
    } finally {
      await coordinator.stop()
      await workers.stop()
    }
  }, 30_000)
})

describe('heartbeats', () => {
  it('detect a stopped worker, which rejoins after it resumes', async () => {
    const coordinator = await listeningCoordinator({
      worldSize: 2,
      ...FAST_LIVENESS,
    })
    const workers = launchLocalWorkers(1, coordinator.url, coordinator.token, {
      stdio: 'pipe',
    })
    record(workers.processes)
    const child = workers.processes[0]!
    try {
      await within(coordinator.start(), 15_000, 'joining')
      const lost = nextEvent(coordinator, 'worker-lost')
      child.kill('SIGSTOP')
      const event = await within(lost, 5000, 'heartbeat timeout')
      expect(event.reason).toContain('no heartbeat')

      const joined = nextEvent(coordinator, 'worker-joined')
      child.kill('SIGCONT')
      const again = await within(joined, 10_000, 'rejoin')
      expect(again.rank).toBe(event.rank)
      expect(again.session).toBe(event.session)
      const check = await within(checkCluster(coordinator), 10_000, 'check')
      expect(check.ok).toBe(true)
    } finally {
      child.kill('SIGCONT')
      await coordinator.stop()
      await workers.stop()
    }
  }, 30_000)
})

describe('a local worker whose launching process is killed', () => {
  it('exits instead of retrying its connection', async () => {
    const { spawn } = await import('node:child_process')
    const { createServer } = await import('node:net')
    // A port that was free a moment ago, so every connection is refused.
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    await new Promise((resolve) => server.close(resolve))

    const fixture = new URL('./fixtures/launching-parent.mjs', import.meta.url)
    const parent = spawn(process.execPath, [fixture.pathname, String(port)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const pid = await new Promise<number>((resolve) =>
      parent.stdout.once('data', (chunk) => resolve(Number(String(chunk)))),
    )
    parent.kill('SIGKILL')

    // Without the watch the worker retries for about a minute.
    const alive = () => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    const deadline = Date.now() + 10_000
    while (alive() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const stillAlive = alive()
    if (stillAlive) process.kill(pid, 'SIGKILL')
    expect(stillAlive).toBe(false)
  }, 30_000)
})
