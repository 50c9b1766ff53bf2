/** The public types of the search loop: its options, progress events and summary. */
import type { Issue } from '../errors.js'
import type {
  Candidate,
  DescriptorJSON,
  Evaluation,
  Evaluator,
  EvaluatorContext,
  JsonValue,
  Logger,
  Optimizer,
  RunEndReason,
  SearchSpace,
} from '../types.js'
import type { JournalContents, RunDirectory } from './run-directory.js'

/**
 * When the search stops: at the first limit reached. At least one is
 * required. Every candidate that gets an evaluation counts towards
 * `evaluations`, cache hits and invalid descriptors included.
 */
export interface SearchBudget {
  /** Candidates to evaluate in total. */
  evaluations?: number
  /**
   * Ask/tell rounds. A steady-state optimizer receives each result in a tell
   * of its own, so for it this limits the evaluations too.
   */
  generations?: number
  /**
   * Wall-clock seconds after which no new evaluation starts. Evaluations
   * already running finish (or time out) first.
   */
  seconds?: number
}

/** The options of `runSearch`, as a caller writes them. */
export interface SearchOptions {
  optimizer: Optimizer
  space: SearchSpace
  evaluator: Evaluator
  /**
   * When given, the loop calls `evaluator.setup(context)` before the first
   * evaluation and `evaluator.teardown()` after the last. Without it the
   * caller owns the evaluator's setup and teardown.
   */
  context?: EvaluatorContext
  /** The run seed; each candidate's seed is derived from it and its id. */
  seed: number
  budget: SearchBudget
  /** The run directory for the journal and summary. The caller opens and closes it. */
  run?: RunDirectory
  /**
   * The resolved configuration, recorded in the `run-start` event. Default:
   * the names of the space, optimizer and evaluator, the budget and the
   * loop's options.
   */
  config?: Record<string, JsonValue>
  /**
   * The journal of an earlier, unfinished session of this run (from
   * `readRunDirectory` or `readJournal`) to continue from. Give `run` opened
   * with `resume: true` on the same folder, the same `seed`, and an optimizer
   * created afresh with the seed and options of the first session. The loop
   * restores the optimizer from the state journaled with the last `tell`,
   * reuses every journaled evaluation instead of evaluating again, and
   * journals `run-resume` instead of `run-start`. Budgets count the earlier
   * sessions' candidates and seconds.
   */
  resume?: JournalContents
  /** Default: `silentLogger`. */
  logger?: Logger
  /** Aborting it stops the search as `interrupted` (for Ctrl-C). */
  signal?: AbortSignal
  /** Seconds after which one evaluation counts as failed. Default: no limit. */
  evaluationTimeout?: number
  /**
   * Evaluations in flight at once. Default 1. Above 1, a steady-state
   * optimizer receives results in the order they arrive, so the run no
   * longer repeats itself exactly from its seed.
   */
  concurrency?: number
  /** Receives progress events; an exception it throws is logged and ignored. */
  onProgress?: (event: SearchProgressEvent) => void
  /**
   * Returns the problems of a descriptor; a descriptor with any is
   * `invalid` and is not evaluated. Default: core's `validateDescriptor`
   * with the input shape and classes of `context.dataset` when given.
   */
  validate?: (descriptor: DescriptorJSON) => Issue[]
  /**
   * Returns the canonical hash of a descriptor; candidates with equal hashes
   * are trained once per run. Default: core's `descriptorHash`.
   */
  hash?: (descriptor: DescriptorJSON) => string
  /** A clock in milliseconds for the time budget and durations. Default: `performance.now`. */
  now?: () => number
}

/** The best candidate of a run: the `ok` evaluation with the highest fitness (the first one on ties). */
export interface BestCandidate {
  candidate: Candidate
  hash: string
  descriptor: DescriptorJSON
  evaluation: Evaluation
}

/** The state of a search for progress displays. */
export interface SearchProgress {
  /** Candidates with an evaluation so far. */
  done: number
  /** Candidates the budget allows, when known (an estimate for a generation budget). */
  total: number | null
  best: { candidateId: string; fitness: number } | null
  elapsedSeconds: number
  /** An estimate from the mean time per candidate so far and the time budget, or null. */
  remainingSeconds: number | null
}

export type SearchProgressEvent =
  | {
      type: 'candidate-started'
      candidate: Candidate
      progress: SearchProgress
    }
  | {
      type: 'candidate-finished'
      candidate: Candidate
      hash: string
      evaluation: Evaluation
      /** The id of the candidate whose evaluation was reused, if any. */
      cacheHitOf: string | null
      progress: SearchProgress
    }
  | {
      type: 'generation-finished'
      generation: number
      progress: SearchProgress
    }

/** The limit or event that stopped the search. */
export type StopReason =
  | 'evaluations'
  | 'generations'
  | 'seconds'
  | 'optimizer-done'
  | 'interrupted'
  | 'failed'

/** Candidates by outcome. `ok + invalid + failed = evaluated`; cache hits count by their reused status too. */
export interface SearchCounts {
  /** Candidates the optimizer proposed. */
  candidates: number
  /** Candidates with an evaluation, cache hits included. */
  evaluated: number
  cacheHits: number
  ok: number
  invalid: number
  failed: number
}

/** A run's outcome; also the content of `summary.json`. */
export interface SearchSummary {
  seed: number
  /** `running` only in the `summary.json` written during the run. */
  status: 'running' | RunEndReason
  /** Null while running. */
  stopReason: StopReason | null
  counts: SearchCounts
  /** Ask/tell rounds completed, one per result for a steady-state optimizer. */
  generations: number
  best: BestCandidate | null
  /** Wall-clock seconds from the start of the run. */
  seconds: number
  /** ISO time. */
  startedAt: string
  /** ISO time; null while running. */
  endedAt: string | null
  /** The TensorFlow.js backends the evaluations reported, sorted. */
  backends: string[]
  /** The absolute path of `journal.jsonl`, or null without a run directory. */
  journal: string | null
  /**
   * The evaluator's `stats()` when this summary was made. Absent when the
   * evaluator has no `stats` method or the call failed.
   */
  evaluator?: JsonValue
}
