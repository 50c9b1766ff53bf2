#!/usr/bin/env node
/**
 * All-reduce throughput and latency of the WebSocket cluster environment.
 *
 * For 2 and 3 local worker processes plus the coordinator (rank 0), times
 * all-reduce (sum) of buffers from 1 KB to 16 MB, and barriers per second
 * as the rate of small control messages. For scale it also measures the raw
 * `ws` send rate of 16 MB binary messages between two sockets of this
 * process. Prints a table and writes results/allreduce.json. It asserts
 * nothing.
 *
 * Build first (`pnpm --filter @nord/environment-ws build`), then
 * `node benchmarks/allreduce.mjs`. The same file runs as the worker
 * processes: they get `--connect URL` and the token in NORD_TOKEN.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  createCoordinator,
  createWorker,
  launchLocalWorkers,
} from '../plugins/environment-ws/dist/index.js'
// ws is a dependency of the environment package, not of the benchmarks.
import ws from '../plugins/environment-ws/node_modules/ws/index.js'

const { WebSocket, WebSocketServer } = ws
const HERE = dirname(fileURLToPath(import.meta.url))
const SIZES = [1, 16, 256, 1024, 4096, 16384].map((kb) => kb * 1024)
const WORKER_COUNTS = [2, 3]
const BARRIERS = 500

/** Repetitions per size: more for small buffers, at least 3. */
function repetitions(bytes) {
  return Math.max(3, Math.min(200, Math.floor((64 * 1024 * 1024) / bytes)))
}

/** Runs the timed part; every rank runs it in lockstep. */
async function runPlan(environment) {
  const timings = []
  for (const bytes of SIZES) {
    const buffer = new Float32Array(bytes / 4).fill(1)
    await environment.allReduce(buffer)
    const count = repetitions(bytes)
    await environment.barrier()
    const start = process.hrtime.bigint()
    for (let i = 0; i < count; i++) await environment.allReduce(buffer)
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    timings.push({ bytes, count, seconds })
  }

  await environment.barrier()
  const start = process.hrtime.bigint()
  for (let i = 0; i < BARRIERS; i++) await environment.barrier()
  const barrierSeconds = Number(process.hrtime.bigint() - start) / 1e9
  return { timings, barriersPerSecond: BARRIERS / barrierSeconds }
}

async function runWorkerProcess(url) {
  const worker = createWorker({ url, token: process.env.NORD_TOKEN ?? '' })
  await worker.start()
  await runPlan(worker)
  await worker.exited
}

async function measureCluster(workers) {
  const coordinator = createCoordinator({
    worldSize: workers + 1,
    maxMessageSize: 64 * 1024 * 1024,
  })
  const url = await coordinator.listen()
  const children = launchLocalWorkers(workers, url, coordinator.token, {
    script: fileURLToPath(import.meta.url),
  })
  try {
    await coordinator.start()
    return await runPlan(coordinator)
  } finally {
    await coordinator.stop()
    await children.exited
  }
}

/** MB/s of 16 MB binary messages from one ws client to a server, in-process. */
async function measureRawWs() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise((resolve) => server.on('listening', resolve))
  const bytes = 16 * 1024 * 1024
  const count = 16
  const received = new Promise((resolve) => {
    server.on('connection', (socket) => {
      let seen = 0
      socket.on('message', () => {
        seen++
        if (seen === count) resolve()
      })
    })
  })
  const client = new WebSocket(`ws://127.0.0.1:${server.address().port}`, {
    maxPayload: bytes * 2,
  })
  await new Promise((resolve) => client.on('open', resolve))
  const payload = Buffer.alloc(bytes, 1)
  const start = process.hrtime.bigint()
  for (let i = 0; i < count; i++) client.send(payload)
  await received
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  client.close()
  server.close()
  return (bytes * count) / 1e6 / seconds
}

function formatSize(bytes) {
  return bytes >= 1024 * 1024
    ? `${bytes / 1024 / 1024} MB`
    : `${bytes / 1024} KB`
}

async function main() {
  const { values } = parseArgs({
    options: {
      connect: { type: 'string' },
      out: { type: 'string', default: join(HERE, 'results', 'allreduce.json') },
    },
  })
  if (values.connect) {
    await runWorkerProcess(values.connect)
    return
  }

  const rawMBps = await measureRawWs()
  const clusters = []
  for (const workers of WORKER_COUNTS) {
    const { timings, barriersPerSecond } = await measureCluster(workers)
    const rows = timings.map(({ bytes, count, seconds }) => ({
      bytes,
      repetitions: count,
      latencyMs: (seconds / count) * 1000,
      throughputMBps: (bytes * count) / 1e6 / seconds,
    }))
    clusters.push({ workers, worldSize: workers + 1, barriersPerSecond, rows })
  }

  process.stdout.write(
    `raw ws send rate (16 MB messages): ${rawMBps.toFixed(0)} MB/s\n\n`,
  )
  process.stdout.write('workers  size      latency ms  MB/s   of raw ws\n')
  for (const cluster of clusters) {
    for (const row of cluster.rows) {
      process.stdout.write(
        `${String(cluster.workers).padEnd(9)}${formatSize(row.bytes).padEnd(10)}` +
          `${row.latencyMs.toFixed(2).padStart(10)}  ${row.throughputMBps.toFixed(0).padStart(5)}` +
          `  ${((row.throughputMBps / rawMBps) * 100).toFixed(0).padStart(5)}%\n`,
      )
    }
    process.stdout.write(
      `${cluster.workers} workers: ${cluster.barriersPerSecond.toFixed(0)} barriers/s\n\n`,
    )
  }

  const report = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    note: 'All-reduce (sum) MB/s counts one buffer per call. Raw ws: one client to one server in one process.',
    rawWsMBps: rawMBps,
    clusters,
  }
  mkdirSync(dirname(values.out), { recursive: true })
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`)
  process.stdout.write(`wrote ${values.out}\n`)
}

await main()
