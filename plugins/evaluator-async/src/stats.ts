/** Utilisation of the async evaluator's workers, as `stats()` returns it. */

/** One worker that passed its setup, with its busy time. */
export type WorkerStats = {
  rank: number
  /** Evaluations the worker returned, cancelled ones included. */
  evaluations: number
  /** Evaluations the worker stopped early because their request was aborted. */
  cancelled: number
  /** Seconds the worker spent on evaluations, lost and aborted ones included. */
  busySeconds: number
  /** `busySeconds` over the seconds the worker was available, in [0, 1]. */
  share: number
  /** True when the worker's connection was lost before the evaluator's teardown. */
  lost: boolean
  /**
   * Seconds from the end of the evaluator's `setup` to the end of this
   * worker's own setup: 0 for the workers present at `setup`.
   */
  joinedAt: number
}

/** A worker that joined but was not used, and why. */
export type RejectedWorker = {
  rank: number
  /** The fingerprint mismatch or the error of its setup. */
  reason: string
}

/** The result of `AsyncEvaluator.stats()`, written into `summary.json`. */
export type AsyncEvaluatorStats = {
  /**
   * Every worker that passed its setup, by rank and then join order. A
   * worker that took the rank of a lost one gets its own entry.
   */
  workers: WorkerStats[]
  rejected: RejectedWorker[]
  overall: {
    /** The sum of the workers' `busySeconds`. */
    busySeconds: number
    /**
     * `busySeconds` over the worker-seconds available: the sum, over the
     * workers, of the seconds from their setup to their loss or to the
     * evaluator's teardown. Without joins or losses that is the elapsed
     * seconds times the number of workers.
     */
    share: number
    /** Seconds from the end of `setup` to `teardown`, or to now before it. */
    elapsedSeconds: number
  }
}

/** The clock readings of one worker, in `performance.now()` milliseconds. */
export interface WorkerClock {
  rank: number
  evaluations: number
  cancelled: number
  /** Busy milliseconds of finished evaluations. */
  busyMs: number
  /** Start of the evaluation it runs now, if any. */
  jobStartedMs: number | undefined
  /** End of its setup. */
  readyMs: number
  /** When its connection was lost, if it was. */
  lostMs: number | undefined
}

/**
 * Computes the stats of `workers` over the span from `startMs` (the end of
 * the evaluator's setup) to `endMs`. Seconds are rounded to milliseconds
 * and shares to four decimals.
 */
export function computeStats(
  workers: WorkerClock[],
  rejected: RejectedWorker[],
  startMs: number,
  endMs: number,
): AsyncEvaluatorStats {
  let busyMs = 0
  let availableMs = 0
  const entries: WorkerStats[] = []

  for (const worker of workers) {
    const running =
      worker.jobStartedMs === undefined ? 0 : endMs - worker.jobStartedMs
    const busy = worker.busyMs + Math.max(running, 0)
    const ready = Math.max(worker.readyMs, startMs)
    const available = Math.max(
      Math.min(worker.lostMs ?? endMs, endMs) - ready,
      0,
    )
    busyMs += busy
    availableMs += available
    entries.push({
      rank: worker.rank,
      evaluations: worker.evaluations,
      cancelled: worker.cancelled,
      busySeconds: seconds(busy),
      share: ratio(busy, available),
      lost: worker.lostMs !== undefined && worker.lostMs <= endMs,
      joinedAt: seconds(ready - startMs),
    })
  }

  entries.sort((a, b) => a.rank - b.rank || a.joinedAt - b.joinedAt)
  return {
    workers: entries,
    rejected: [...rejected],
    overall: {
      busySeconds: seconds(busyMs),
      share: ratio(busyMs, availableMs),
      elapsedSeconds: seconds(Math.max(endMs - startMs, 0)),
    },
  }
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000
}

/** Returns `part / whole` in [0, 1] rounded to four decimals, or 0 when `whole` is 0. */
function ratio(part: number, whole: number): number {
  if (whole <= 0) return 0
  return Math.round(Math.min(part / whole, 1) * 10_000) / 10_000
}
