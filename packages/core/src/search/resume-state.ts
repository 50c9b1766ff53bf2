/**
 * The state that a resumed search takes over from the journal of an
 * interrupted run:
 * the optimizer state of the last tell, the evaluations already finished,
 * the candidates already asked and the time already spent.
 */
import { NordError } from '../errors.js'
import type {
  Candidate,
  Evaluation,
  JournalEvent,
  JsonValue,
} from '../types.js'
import type { JournalContents } from './run-directory.js'

/** One `evaluation` event of the journal. */
export interface JournaledEvaluation {
  candidate: Candidate
  hash: string
  evaluation: Evaluation
  cacheHitOf: string | null
}

export interface ResumeState {
  seed: number
  /** Complete events in the journal. */
  eventCount: number
  dropped: JournalContents['truncated']
  /** Tell events, which are the rounds the optimizer completed. */
  generations: number
  /**
   * The `optimizerState` of the last tell event; null when there is no
   * tell, undefined when the last tell has none.
   */
  optimizerState: { value: JsonValue } | null | undefined
  /** Every candidate asked, by id, as first journaled. */
  asked: Map<string, Candidate>
  /**
   * Candidates that the optimizer had proposed and not received results for
   * at the last tell, in the order asked. A steady-state optimizer restored
   * from that tell still waits for them and will not propose them again.
   */
  pendingAtLastTell: Candidate[]
  /**
   * The sizes of the asks after the last tell that proposed new candidates,
   * in journal order. Repeating them on the restored optimizer proposes the
   * same candidates again.
   */
  asksSinceLastTell: number[]
  /** Ids of the candidates whose results the optimizer received. */
  told: Set<string>
  /** The first evaluation of each candidate, in journal order. */
  evaluations: Map<string, JournaledEvaluation>
  /** Candidates in the first ask, or null before any ask. */
  firstBatchSize: number | null
  /** The ISO time of the `run-start` event. */
  startedAt: string
  /** Seconds the earlier sessions ran, each from its first to its last event. */
  previousSeconds: number
}

/**
 * Collects the resume state from a journal's events. Returns null for an
 * empty journal, whose run never started.
 *
 * @throws NordError `NORD_ERR_RESUME` when the first event is not a
 *   `run-start`.
 */
export function readResumeState(journal: JournalContents): ResumeState | null {
  const { events } = journal
  const first = events[0]
  if (first === undefined) return null
  if (first.type !== 'run-start') {
    throw new NordError(
      'NORD_ERR_RESUME',
      `cannot resume: the journal starts with a '${first.type}' event instead of 'run-start'`,
      {
        value: first,
        hint: 'Pass a journal that a search wrote from its start',
      },
    )
  }

  const state: ResumeState = {
    seed: first.seed,
    eventCount: events.length,
    dropped: journal.truncated,
    generations: 0,
    optimizerState: null,
    asked: new Map(),
    pendingAtLastTell: [],
    asksSinceLastTell: [],
    told: new Set(),
    evaluations: new Map(),
    firstBatchSize: null,
    startedAt: first.time,
    previousSeconds: sessionSeconds(events),
  }
  const lineage = new PendingCandidates()
  for (const event of events) {
    addEvent(state, event)
    lineage.add(event)
  }
  state.pendingAtLastTell = lineage.atLastTell.map((id) => state.asked.get(id)!)
  return state
}

/**
 * Follows the candidates that the optimizer has proposed and not yet
 * received results for, through every session of a journal. A resumed
 * session restores the optimizer from the last tell, so it starts from the
 * candidates pending at that tell.
 */
class PendingCandidates {
  /** Candidate ids in the order they were asked. */
  private pending = new Set<string>()
  atLastTell: string[] = []

  add(event: JournalEvent): void {
    switch (event.type) {
      case 'ask':
        for (const { id } of event.candidates) this.pending.add(id)
        return
      case 'tell':
        for (const id of event.candidateIds) this.pending.delete(id)
        this.atLastTell = [...this.pending]
        return
      case 'run-resume':
        this.pending = new Set(this.atLastTell)
        return
      default:
        return
    }
  }
}

function addEvent(state: ResumeState, event: JournalEvent): void {
  switch (event.type) {
    case 'ask': {
      state.firstBatchSize ??= event.candidates.length
      // A resumed session repeats the asks made after the last tell, so only
      // an ask with a candidate never seen before is a new one.
      let fresh = false
      for (const candidate of event.candidates) {
        if (state.asked.has(candidate.id)) continue
        fresh = true
        state.asked.set(candidate.id, candidate)
      }
      if (fresh) state.asksSinceLastTell.push(event.candidates.length)
      return
    }
    case 'evaluation':
      if (state.evaluations.has(event.candidate.id)) return
      state.evaluations.set(event.candidate.id, {
        candidate: event.candidate,
        hash: event.hash,
        evaluation: event.evaluation,
        cacheHitOf: event.cacheHit?.of ?? null,
      })
      return
    case 'tell':
      state.generations++
      state.asksSinceLastTell = []
      for (const id of event.candidateIds) state.told.add(id)
      state.optimizerState =
        'optimizerState' in event
          ? { value: event.optimizerState as JsonValue }
          : undefined
      return
    default:
      return
  }
}

/** Sums the time of every session, from its `run-start` or `run-resume` to its last event. */
function sessionSeconds(events: JournalEvent[]): number {
  let total = 0
  let start: number | null = null
  let last: number | null = null
  for (const event of events) {
    const time = Date.parse(event.time)
    if (Number.isNaN(time)) continue
    if (event.type === 'run-start' || event.type === 'run-resume') {
      if (start !== null && last !== null) total += last - start
      start = time
    }
    last = time
  }
  if (start !== null && last !== null) total += last - start
  return Math.max(0, total / 1000)
}
