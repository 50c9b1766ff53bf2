/**
 * The report section of the earlier hand-run measurements in
 * `benchmarks/results/`: training throughput against PyTorch and the
 * WebSocket all-reduce.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ReportSection, Table } from '@nord/report'

/** `benchmarks/results/`, from `src/` and from `dist/` alike. */
export const REFERENCE_DIR = fileURLToPath(
  new URL('../results/', import.meta.url),
)

interface ThroughputFile {
  time: string
  settings: { batchSize: number; optimizer: string }
  machine: { cpu: string; cores: number; node: string }
  rows: Record<string, string | number>[]
}

interface AllReduceFile {
  date: string
  rawWsMBps: number
  clusters: {
    workers: number
    barriersPerSecond: number
    rows: { bytes: number; latencyMs: number; throughputMBps: number }[]
  }[]
}

/** Returns the section, or none when neither file can be read. */
export function referenceSections(dir = REFERENCE_DIR): ReportSection[] {
  const tables: Table[] = []
  const throughput = readJson<ThroughputFile>(`${dir}/throughput.json`)
  if (throughput !== null) tables.push(throughputTable(throughput))
  const allReduce = readJson<AllReduceFile>(`${dir}/allreduce.json`)
  if (allReduce !== null) tables.push(allReduceTable(allReduce))
  if (tables.length === 0) return []
  return [
    {
      heading: 'Earlier measurements',
      text: 'Copied from benchmarks/results/ (throughput.mjs and allreduce.mjs, run by hand); they explain the times above. Training throughput bounds how fast any evaluator trains, and the all-reduce rate bounds E2, which sends every gradient through the coordinator.',
      tables,
    },
  ]
}

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T
  } catch {
    // A missing or damaged file leaves its table out of the report.
    return null
  }
}

function throughputTable(file: ThroughputFile): Table {
  const columns = Object.keys(file.rows[0] ?? {})
  return {
    caption: `Training samples per second (throughput.mjs, ${file.time}, ${file.machine.cpu}, ${file.machine.cores} cores, Node ${file.machine.node}, ${file.settings.optimizer} at batch ${file.settings.batchSize})`,
    columns,
    rows: file.rows.map((row) =>
      columns.map((column) => {
        const value = row[column]
        return typeof value === 'number' && !Number.isInteger(value)
          ? value.toFixed(1)
          : (value ?? null)
      }),
    ),
  }
}

function allReduceTable(file: AllReduceFile): Table {
  const rows = file.clusters.flatMap((cluster) =>
    cluster.rows.map((row) => [
      cluster.workers,
      `${row.bytes / 1024} KB`,
      row.latencyMs.toFixed(2),
      row.throughputMBps.toFixed(1),
      (row.throughputMBps / file.rawWsMBps).toFixed(2),
    ]),
  )
  return {
    caption: `All-reduce (sum) among the coordinator and local workers (allreduce.mjs, ${file.date}); raw ws send rate ${file.rawWsMBps.toFixed(0)} MB/s`,
    columns: ['workers', 'buffer', 'latency ms', 'MB/s', 'of raw ws'],
    rows,
  }
}
