import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { WORKER_MAIN, within } from './helpers.js'

const FIXTURE = new URL('./fixtures/netns-coordinator.mjs', import.meta.url)
  .pathname
const suffix = String(process.pid % 100_000)
const nsA = `nord-ws-a-${suffix}`
const nsB = `nord-ws-b-${suffix}`
const vethA = `nwa${suffix}`
const vethB = `nwb${suffix}`

function ip(...args: string[]) {
  execFileSync('ip', args, { stdio: 'pipe' })
}

/** Why the test cannot run here, or undefined when it can. */
function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for ip netns'
  try {
    ip('netns', 'add', nsA)
    ip('netns', 'add', nsB)
    return undefined
  } catch (error) {
    return `ip netns does not work here: ${(error as Error).message}`
  }
}

const reason = skipReason()
if (reason)
  process.stdout.write(`skipping the network-namespace test: ${reason}\n`)

/** Resolves with the first JSON line of `child` that matches `predicate`. */
function line(
  child: ChildProcess,
  predicate: (event: Record<string, string>) => boolean,
): Promise<Record<string, string>> {
  return new Promise((resolve) => {
    let buffered = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const text of lines) {
        const event = JSON.parse(text)
        if (predicate(event)) resolve(event)
      }
    })
  })
}

describe.skipIf(reason !== undefined)('two network namespaces', () => {
  const children: ChildProcess[] = []

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL')
    for (const ns of [nsA, nsB]) {
      try {
        ip('netns', 'del', ns)
      } catch {
        // Already gone.
      }
    }
  })

  it('detect a cut link by heartbeat timeout', async () => {
    ip('link', 'add', vethA, 'type', 'veth', 'peer', 'name', vethB)
    ip('link', 'set', vethA, 'netns', nsA)
    ip('link', 'set', vethB, 'netns', nsB)
    ip('-n', nsA, 'addr', 'add', '10.231.0.1/24', 'dev', vethA)
    ip('-n', nsB, 'addr', 'add', '10.231.0.2/24', 'dev', vethB)
    ip('-n', nsA, 'link', 'set', vethA, 'up')
    ip('-n', nsB, 'link', 'set', vethB, 'up')

    const coordinator = spawn(
      'ip',
      ['netns', 'exec', nsA, process.execPath, FIXTURE, '--host', '10.231.0.1'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    children.push(coordinator)
    const joined = line(coordinator, (event) => event.event === 'joined')
    const listening = await within(
      line(coordinator, (event) => event.event === 'listening'),
      10_000,
      'listening',
    )

    const worker = spawn(
      'ip',
      [
        'netns',
        'exec',
        nsB,
        process.execPath,
        WORKER_MAIN,
        '--connect',
        listening.url!,
      ],
      {
        env: { ...process.env, NORD_TOKEN: listening.token },
        stdio: ['ignore', 'ignore', 'ignore'],
      },
    )
    children.push(worker)
    expect((await within(joined, 10_000, 'joining')).rank).toBe(1)

    const lost = line(coordinator, (event) => event.event === 'lost')
    ip('-n', nsA, 'link', 'set', vethA, 'down')
    const event = await within(lost, 10_000, 'loss detection')
    expect(event.reason).toContain('no heartbeat')
  }, 30_000)
})
