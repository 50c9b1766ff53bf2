/**
 * The search loop of a steady-state optimizer without a batch barrier: up to
 * `concurrency` evaluations run at once, and each result is told to the
 * optimizer as soon as it arrives, followed by an ask for one more candidate.
 */
import type { Candidate, Result } from '../types.js'
import type { StopReason } from './search-types.js'

/** The steps of the search loop that the pipeline schedules. */
export interface PipelineSteps {
  /** Evaluations in flight at once, at least 1. */
  readonly concurrency: number
  /** The run's stop signal. Once it is aborted, nothing new starts. */
  readonly stop: AbortSignal
  /**
   * Returns why no evaluation may start while `running` evaluations are in
   * flight or waiting for their tell (a spent budget or an abort), or null
   * when one may start.
   */
  blockStart(running: number): StopReason | null
  /** Returns how many more evaluations the budget allows with `running` in flight. */
  room(running: number): number
  /** True when the optimizer has nothing more to propose. */
  optimizerDone(): boolean
  /** Asks the optimizer for up to `count` candidates and journals the ask. */
  ask(count: number): Promise<Candidate[]>
  /** Evaluates one candidate. Resolves undefined when the run stopped first. */
  evaluate(candidate: Candidate): Promise<Result | undefined>
  /** Tells the optimizer one result and journals the tell. */
  tell(result: Result): Promise<void>
  /** Aborts the evaluations in flight after an error. */
  cancel(reason: unknown): void
}

type Arrival =
  | { kind: 'result'; result: Result | undefined }
  | { kind: 'error'; error: unknown }

/**
 * Runs the steady-state loop until the budget is spent, the optimizer is done
 * or the stop signal aborts, and returns the reason.
 *
 * `queued` contains candidates asked earlier and not yet evaluated, which
 * start before any new ask. Results are told in the order they arrive, so
 * with `concurrency` above 1 the evaluators' speed decides which results the
 * optimizer receives first, and a run is only reproducible from its seed
 * with `concurrency` 1.
 *
 * On an abort the evaluations in flight are awaited (the loop aborts their
 * signals) and their results, like any result not told yet, stay untold.
 * On an error from a step, the evaluations in flight are cancelled and
 * awaited before the error is rethrown, so nothing is journaled after it.
 */
export async function runPipeline(
  steps: PipelineSteps,
  queued: Candidate[],
): Promise<StopReason> {
  const pipeline = new Pipeline(steps, queued)
  try {
    return await pipeline.run()
  } catch (error) {
    steps.cancel(error)
    await pipeline.settle()
    throw error
  }
}

class Pipeline {
  private readonly queue: Candidate[]
  private readonly running = new Set<Promise<void>>()
  private readonly arrivals: Arrival[] = []
  private wake: (() => void) | null = null
  /**
   * True after an ask returned no candidate while evaluations were in
   * flight. The next ask waits for the next tell, which may change that.
   */
  private askPaused = false

  constructor(
    private readonly steps: PipelineSteps,
    queued: Candidate[],
  ) {
    this.queue = [...queued]
  }

  async run(): Promise<StopReason> {
    for (;;) {
      const blocked = await this.fill()
      if (this.occupied() === 0) {
        return blocked ?? 'optimizer-done'
      }

      const arrival = await this.nextArrival()
      if (arrival.kind === 'error') throw arrival.error
      if (this.steps.stop.aborted) {
        await this.settle()
        return 'interrupted'
      }
      if (arrival.result === undefined) continue

      await this.steps.tell(arrival.result)
      this.askPaused = false
    }
  }

  /**
   * Returns the evaluations in flight plus the results not told yet: a slot
   * frees up only when its result is told, so that every tell is followed by
   * its own ask.
   */
  private occupied(): number {
    return this.running.size + this.arrivals.length
  }

  /** Resolves once every evaluation in flight has ended. */
  async settle(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.all(this.running)
    }
  }

  /**
   * Starts evaluations until `concurrency` are in flight. Returns the reason
   * when no more may start, or null when it waits for a result first.
   */
  private async fill(): Promise<StopReason | null> {
    const { steps } = this
    while (this.occupied() < steps.concurrency) {
      const occupied = this.occupied()
      const blocked = steps.blockStart(occupied)
      if (blocked !== null) return blocked

      if (this.queue.length === 0) {
        if (this.askPaused) return null
        if (steps.optimizerDone()) return 'optimizer-done'
        const free = steps.concurrency - occupied
        const candidates = await steps.ask(Math.min(free, steps.room(occupied)))
        if (candidates.length === 0) {
          if (this.occupied() === 0) return 'optimizer-done'
          this.askPaused = true
          return null
        }
        this.queue.push(...candidates)
        continue
      }

      this.start(this.queue.shift()!)
    }
    return null
  }

  private start(candidate: Candidate): void {
    const running: Promise<void> = this.steps.evaluate(candidate).then(
      (result) => this.arrive(running, { kind: 'result', result }),
      (error: unknown) => this.arrive(running, { kind: 'error', error }),
    )
    this.running.add(running)
  }

  private arrive(running: Promise<void>, arrival: Arrival): void {
    this.running.delete(running)
    this.arrivals.push(arrival)
    this.wake?.()
    this.wake = null
  }

  private async nextArrival(): Promise<Arrival> {
    while (this.arrivals.length === 0) {
      await new Promise<void>((resolve) => {
        this.wake = resolve
      })
    }
    return this.arrivals.shift()!
  }
}
