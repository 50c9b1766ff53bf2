/**
 * Reads a run folder (`journal.jsonl`, `config.json`) into one flat record
 * per evaluated candidate, with the wall-clock time of each result.
 */
import { statSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import {
  type EvaluationStatus,
  type Genotype,
  type JournalEvent,
  type JsonValue,
  NordError,
  type RunEndReason,
  readRunDirectory,
} from '@nord/core'

/** One evaluated candidate of a run, in the order the journal recorded it. */
export interface CandidateRecord {
  /** The candidate id, such as `g3-7`. */
  id: string
  /** 1 for the first evaluation in the journal, 2 for the next, and so on. */
  evaluation: number
  /** The generation, or null when the optimizer gave none (steady-state). */
  generation: number | null
  genotype: Genotype
  parents: string[]
  status: EvaluationStatus
  /** Test accuracy in [0, 1], or null unless `status` is `ok`. */
  accuracy: number | null
  fitness: number
  /** Trainable parameters, or null when the evaluator did not count them. */
  parameters: number | null
  /** Seconds the evaluator spent training and scoring this candidate. */
  seconds: number
  /** The worker that evaluated it (`extra.worker`), or null. */
  worker: string | null
  /** The id of the candidate whose evaluation was reused, or null. */
  cacheHitOf: string | null
  /**
   * Wall-clock seconds from the start of the run to this result, from the
   * journal's timestamps. Time between sessions of a resumed run (while no
   * process ran) is left out, as the search loop's own budget does.
   */
  elapsed: number
}

/** The start of one ask/tell round, for time per generation. */
export interface AskRecord {
  generation: number | null
  /** Wall-clock seconds from the start of the run, measured like `CandidateRecord.elapsed`. */
  elapsed: number
}

/** One run folder, as `loadRun` reads it. */
export interface RunData {
  /** The absolute path of the run folder. */
  path: string
  /** The folder's base name, used as a label. */
  name: string
  /** The run seed, or null when the journal has no `run-start`. */
  seed: number | null
  /**
   * The optimizer: its plugin name (`nord:optimizer-ga`) when the
   * configuration records it, else the CLI's short name (`ga`), else
   * `unknown`.
   */
  method: string
  /** The evaluator, named like `method`. */
  evaluator: string
  /** The configuration of the latest session, or null when none is recorded. */
  config: Record<string, JsonValue> | null
  /** ISO time of the first event. */
  startedAt: string
  /** The `run-end` reason and message, or null when the journal has none (killed or still running). */
  ended: { reason: RunEndReason; message?: string } | null
  /** Sessions in the journal: 1, plus one per `--resume`. */
  sessions: number
  /** Wall-clock seconds of all sessions, up to the last event. */
  seconds: number
  /** True when the journal's last line was incomplete and was dropped. */
  truncated: boolean
  candidates: CandidateRecord[]
  asks: AskRecord[]
}

/**
 * Reads a run folder written by `runSearch` or `nord search`. The run may be
 * interrupted (no `run-end`, an incomplete last line) or resumed.
 *
 * @throws NordError `NORD_ERR_RUN_NOT_FOUND` when the folder does not exist,
 *   `NORD_ERR_NOT_A_RUN` when it has no journal, `NORD_ERR_JOURNAL` when the
 *   journal is damaged, `NORD_ERR_EMPTY_RUN` when the journal has no
 *   evaluation yet.
 */
export async function loadRun(dir: string): Promise<RunData> {
  const path = resolve(dir)
  checkFolder(path)

  const contents = readRunDirectory(path)
  const { events } = contents.journal
  const first = events[0]
  if (first === undefined) throw emptyRun(path, 'its journal is empty')

  const clock = activeClock(events)
  const candidates = readCandidates(events, clock)
  if (candidates.length === 0) {
    throw emptyRun(path, 'its journal has no evaluation yet')
  }

  return {
    path,
    name: basename(path),
    seed: contents.seed,
    method: pluginName(contents.config, 'optimizer'),
    evaluator: pluginName(contents.config, 'evaluator'),
    config: contents.config,
    startedAt: first.time,
    ended: contents.ended,
    sessions: events.filter(isSessionStart).length,
    seconds: clock.total,
    truncated: contents.journal.truncated !== null,
    candidates,
    asks: readAsks(events, clock),
  }
}

function checkFolder(path: string): void {
  let isFolder = false
  try {
    isFolder = statSync(path).isDirectory()
  } catch {
    isFolder = false
  }
  if (isFolder) return
  throw new NordError(
    'NORD_ERR_RUN_NOT_FOUND',
    `the run folder ${path} does not exist or is not a folder`,
    {
      value: path,
      hint: 'Pass the folder that a search wrote with --out',
    },
  )
}

function emptyRun(path: string, problem: string): NordError {
  return new NordError(
    'NORD_ERR_EMPTY_RUN',
    `cannot report on ${path}: ${problem}`,
    {
      value: path,
      hint: 'Wait until the search has evaluated a candidate, or resume it with nord search --resume',
    },
  )
}

/** Wall-clock seconds since the run started, per event index, without the gaps between sessions. */
interface ActiveClock {
  at(index: number): number
  total: number
}

function activeClock(events: JournalEvent[]): ActiveClock {
  const seconds: number[] = []
  let before = 0
  let sessionStart: number | null = null
  let previous = 0

  for (const event of events) {
    const time = Date.parse(event.time)
    const valid = !Number.isNaN(time)
    if (valid && (isSessionStart(event) || sessionStart === null)) {
      // Close the previous session at its last event.
      if (sessionStart !== null) before += (previous - sessionStart) / 1000
      sessionStart = time
    }
    if (valid) previous = time
    const elapsed =
      sessionStart === null ? 0 : before + (previous - sessionStart) / 1000
    seconds.push(Math.max(0, elapsed))
  }

  return {
    at: (index) => seconds[index] ?? 0,
    total: seconds.at(-1) ?? 0,
  }
}

function isSessionStart(event: JournalEvent): boolean {
  return event.type === 'run-start' || event.type === 'run-resume'
}

/**
 * Collects the evaluation events. A candidate evaluated in an interrupted
 * session and journaled again after a resume keeps its first record.
 */
function readCandidates(
  events: JournalEvent[],
  clock: ActiveClock,
): CandidateRecord[] {
  const records: CandidateRecord[] = []
  const seen = new Set<string>()
  const generations = askedGenerations(events)

  for (const [index, event] of events.entries()) {
    if (event.type !== 'evaluation' || seen.has(event.candidate.id)) continue
    seen.add(event.candidate.id)

    const { candidate, evaluation } = event
    const generation =
      candidate.generation ?? generations.get(candidate.id) ?? null
    records.push({
      id: candidate.id,
      evaluation: records.length + 1,
      generation,
      genotype: [...candidate.genotype],
      parents: [...(candidate.parents ?? [])],
      status: evaluation.status,
      accuracy: evaluation.status === 'ok' ? evaluation.accuracy : null,
      fitness: evaluation.fitness,
      parameters: evaluation.parameters,
      seconds: evaluation.seconds,
      worker: workerOf(evaluation.extra?.worker),
      cacheHitOf: event.cacheHit?.of ?? null,
      elapsed: clock.at(index),
    })
  }
  return records
}

/** Generation numbers that `ask` events give to their candidates. */
function askedGenerations(events: JournalEvent[]): Map<string, number> {
  const generations = new Map<string, number>()
  for (const event of events) {
    if (event.type !== 'ask' || event.generation === undefined) continue
    for (const candidate of event.candidates) {
      generations.set(candidate.id, event.generation)
    }
  }
  return generations
}

function readAsks(events: JournalEvent[], clock: ActiveClock): AskRecord[] {
  const asks: AskRecord[] = []
  for (const [index, event] of events.entries()) {
    if (event.type !== 'ask') continue
    asks.push({
      generation: event.generation ?? null,
      elapsed: clock.at(index),
    })
  }
  return asks
}

function workerOf(value: JsonValue | undefined): string | null {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  return null
}

/** Reads `config[kind].name` (set by `runSearch`) or `config[kind].use` (set by the CLI). */
function pluginName(
  config: Record<string, JsonValue> | null,
  kind: 'optimizer' | 'evaluator',
): string {
  const section = config?.[kind]
  if (section === null || typeof section !== 'object') return 'unknown'
  if (Array.isArray(section)) return 'unknown'
  for (const key of ['name', 'use']) {
    const value = section[key]
    if (typeof value === 'string' && value !== '') return value
  }
  return 'unknown'
}
