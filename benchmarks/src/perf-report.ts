/** `perf.json` and the report's performance section. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NordError } from '@nord/core'
import { type Figure, type ReportSection, renderSvg } from '@nord/report'
import type { MachineInfo } from './machine.js'
import { METHODS, type MethodId } from './methods.js'

export const PERF_FILE = 'perf.json'

/** One timed run of the speed-up comparison. */
export interface SpeedupRow {
  method: MethodId
  /** Worker processes; 0 for E1. */
  workers: number
  /** The search's wall-clock seconds, worker start-up included. */
  seconds: number
  /** E1's seconds over this run's seconds; above 1 is faster than E1. */
  speedup: number
  evaluations: number
  ok: number
  bestAccuracy: number | null
  /** Share of the workers' time spent on evaluations; null for E1. */
  utilisation: number | null
  /** The run folder, relative to the output folder. */
  dir: string
}

/** The content of `perf.json`. */
export interface PerfResults {
  kind: 'nord-benchmark-perf'
  date: string
  quick: boolean
  machine: MachineInfo
  overhead: {
    evaluations: number
    withJournal: { seconds: number; secondsPerEvaluation: number }
    withoutJournal: { seconds: number; secondsPerEvaluation: number }
  }
  speedup: {
    seed: number
    trainSize: number
    testSize: number
    epochs: number
    evaluations: number
    rows: SpeedupRow[]
  }
}

/** Reads `perf.json` of an output folder, or returns null when it has none. */
export function readPerfResults(out: string): PerfResults | null {
  let text: string
  try {
    text = readFileSync(join(out, PERF_FILE), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  try {
    return JSON.parse(text) as PerfResults
  } catch (error) {
    throw new NordError(
      'NORD_ERR_BENCH_RESULTS',
      `${join(out, PERF_FILE)} is not valid JSON`,
      {
        value: out,
        hint: 'Run bench perf again into this folder',
        cause: error,
      },
    )
  }
}

/** Builds the report's performance section with its speed-up figure. */
export async function perfSections(
  perf: PerfResults,
): Promise<ReportSection[]> {
  const { overhead, speedup, machine } = perf
  const microseconds = (seconds: number) => (seconds * 1e6).toFixed(0)
  return [
    {
      heading: 'Performance',
      text: [
        `Framework overhead: runSearch with the paper's GA (population 10) and an evaluator that returns at once, ${overhead.evaluations} evaluations. The time per evaluation is what the search loop, the optimizer, validation, hashing and the journal cost outside training.`,
        `Speed-up: E2, E3 and E4 against E1 on the same search (seed ${speedup.seed}, ${speedup.evaluations} evaluations, ${speedup.trainSize} training and ${speedup.testSize} test images, ${speedup.epochs} epoch(s)), as E1's seconds over the method's seconds, worker start-up included. The machine has ${machine.cores} cores (${machine.cpu}), so W workers and the search process share them: with W = 2 the workers and the coordinator compete for 2 cores, and the numbers show this machine's limits, not how a cluster scales. E1 runs on one core. The times include starting the worker processes, which load TensorFlow.js and the data, so short searches favour E1. One run each, so the numbers carry the noise of a single measurement.`,
      ].join('\n\n'),
      figures: [await speedupFigure(perf)],
      tables: [
        {
          caption: 'Search loop overhead per evaluation (instant evaluator)',
          columns: ['journal', 'seconds', 'microseconds per evaluation'],
          rows: [
            [
              'written',
              overhead.withJournal.seconds.toFixed(3),
              microseconds(overhead.withJournal.secondsPerEvaluation),
            ],
            [
              'none',
              overhead.withoutJournal.seconds.toFixed(3),
              microseconds(overhead.withoutJournal.secondsPerEvaluation),
            ],
          ],
        },
        {
          caption: 'Speed-up over E1 on the same search and seed',
          columns: [
            'method',
            'workers W',
            'seconds',
            'speed-up over E1',
            'evaluations',
            'ok',
            'best accuracy',
            'worker utilisation',
            'run folder',
          ],
          rows: speedup.rows.map((row) => [
            METHODS[row.method].label,
            row.workers,
            row.seconds.toFixed(1),
            row.speedup.toFixed(2),
            row.evaluations,
            row.ok,
            row.bestAccuracy === null
              ? 'none trained'
              : row.bestAccuracy.toFixed(4),
            // Older perf.json files have no utilisation.
            row.utilisation == null
              ? '—'
              : `${Math.round(row.utilisation * 100)}%`,
            row.dir,
          ]),
        },
      ],
    },
  ]
}

/** Renders one bar per run: E1's seconds over the run's seconds, grouped by worker count. */
async function speedupFigure(perf: PerfResults): Promise<Figure> {
  const data = perf.speedup.rows.map((row) => ({
    method: METHODS[row.method].label,
    workers: row.workers === 0 ? 'E1 (no workers)' : `W = ${row.workers}`,
    seconds: Math.round(row.seconds * 1000) / 1000,
    speedup: Math.round(row.speedup * 1000) / 1000,
  }))
  const title = 'Speed-up over E1 on the same search and seed'
  const spec = {
    title,
    width: 420,
    height: 220,
    background: 'white',
    data: { values: data.map((row) => ({ ...row })) },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'method', type: 'nominal', title: null, sort: null },
      yOffset: { field: 'workers', type: 'nominal' },
      x: {
        field: 'speedup',
        type: 'quantitative',
        title: 'E1 seconds / seconds',
      },
      color: { field: 'workers', type: 'nominal', title: 'workers' },
    },
    config: { font: 'sans-serif', title: { fontSize: 14, anchor: 'start' } },
  }
  return {
    name: 'perf-speedup',
    title,
    caption:
      "One run per bar; above 1 is faster than E1. Worker start-up is included, and the workers share the machine's cores with the search process.",
    svg: await renderSvg(spec as Parameters<typeof renderSvg>[0]),
    data,
  }
}
