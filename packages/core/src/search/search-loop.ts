/**
 * The search loop: ask the optimizer, decode, validate, deduplicate and
 * evaluate each candidate, tell the results back, and journal every step.
 */
import { type Issue, isNordError, NordError } from '../errors.js'
import { createRandom } from '../random.js'
import type {
  Candidate,
  DescriptorJSON,
  Evaluation,
  JournalEvent,
  Result,
  RunEndReason,
} from '../types.js'
import {
  evaluateGuarded,
  failedEvaluation,
  type GuardedOutcome,
  invalidEvaluation,
} from './candidate-evaluation.js'
import { defaultHash, defaultValidate, rawHash } from './descriptor-defaults.js'
import { createDebug } from './logger.js'
import {
  type ResolvedSearchOptions,
  resolveSearchOptions,
} from './search-options.js'
import { SearchRecord } from './search-record.js'
import type {
  SearchOptions,
  SearchProgressEvent,
  SearchSummary,
  StopReason,
} from './search-types.js'
import { CORE_VERSION } from './version.js'

const debug = createDebug('nord:search')

/**
 * Returns the seed of a candidate's own random stream: the stream derived
 * from the run seed with the label `candidate/<id>`. It depends on nothing
 * else, so a candidate can be re-evaluated alone with the same seed.
 */
export function candidateSeed(runSeed: number, candidateId: string): number {
  return createRandom(runSeed).derive(`candidate/${candidateId}`).seed
}

/**
 * Runs a search until its budget is spent, the optimizer is done or
 * `signal` aborts, and returns the summary (also written to `summary.json`
 * after every generation and at the end).
 *
 * A candidate whose decoding, validation or evaluation fails is recorded as
 * `invalid` or `failed` with `FAILED_FITNESS`, and the search goes on. An
 * abort resolves with status `interrupted`: the running evaluations' signals
 * are aborted and their results dropped, and the results of the generation in
 * progress are not passed to the optimizer's `tell`.
 *
 * @throws NordValidationError when the options are invalid, before anything
 *   is journaled.
 * @throws the optimizer's or the evaluator setup's own error, after
 *   journaling `run-end` with reason `failed` and writing the summary.
 */
export async function runSearch(
  options: SearchOptions,
): Promise<SearchSummary> {
  const loop = new SearchLoop(resolveSearchOptions(options))
  return loop.run()
}

interface CacheEntry {
  candidateId: string
  outcome: Promise<GuardedOutcome>
}

interface PreparedCandidate {
  descriptor: DescriptorJSON | null
  hash: string
  /** Set when the candidate ends before evaluation (invalid or not decodable). */
  evaluation?: Evaluation
}

class SearchLoop {
  private readonly record: SearchRecord
  private readonly stop = new AbortController()
  private readonly validate: (descriptor: DescriptorJSON) => Issue[]
  private readonly hash: (descriptor: DescriptorJSON) => string
  /** Evaluations by descriptor hash, including those still running. */
  private readonly cache = new Map<string, CacheEntry>()
  private readonly candidateIds = new Set<string>()
  /** Evaluations started, which the evaluation budget limits. */
  private started = 0
  private setupDone = false

  constructor(private readonly options: ResolvedSearchOptions) {
    const { seed, budget, run, now } = options
    this.record = new SearchRecord(seed, budget, run?.journalPath ?? null, now)
    this.validate = options.validate ?? defaultValidate(options.context)
    this.hash = options.hash ?? defaultHash
  }

  async run(): Promise<SearchSummary> {
    const { logger, optimizer, evaluator, seed, budget, signal } = this.options
    const forwardAbort = () => this.stop.abort(signal?.reason)
    if (signal?.aborted) forwardAbort()
    signal?.addEventListener('abort', forwardAbort, { once: true })

    this.journal({
      type: 'run-start',
      time: isoNow(),
      seed,
      config: this.options.config,
      nord: CORE_VERSION,
    })
    this.writeSummary(this.record.summary('running', null))
    logger.info('search started', {
      seed,
      optimizer: optimizer.name,
      evaluator: evaluator.name,
      budget,
    })

    try {
      await this.setup()
      const stopReason = await this.loop()
      await this.teardown()
      const status = stopReason === 'interrupted' ? 'interrupted' : 'completed'
      return this.finish(status, stopReason)
    } catch (error) {
      await this.teardown()
      this.finishAfterError(error)
      throw error
    } finally {
      signal?.removeEventListener('abort', forwardAbort)
    }
  }

  private async loop(): Promise<StopReason> {
    for (;;) {
      const stopReason = this.checkStop()
      if (stopReason !== null) return stopReason

      const candidates = await this.ask()
      if (candidates.length === 0) return 'optimizer-done'

      const results = await this.evaluateAll(candidates)
      if (this.stop.signal.aborted) return 'interrupted'
      if (results.length > 0) await this.tell(results)
    }
  }

  /** Returns why the search must stop before the next ask, or null. */
  private checkStop(): StopReason | null {
    const { evaluations, generations, seconds } = this.options.budget
    if (this.stop.signal.aborted) return 'interrupted'
    if (evaluations !== undefined && this.started >= evaluations) {
      return 'evaluations'
    }
    if (generations !== undefined && this.record.generations >= generations) {
      return 'generations'
    }
    if (seconds !== undefined && this.record.elapsed() >= seconds) {
      return 'seconds'
    }
    if (this.options.optimizer.done?.() === true) return 'optimizer-done'
    return null
  }

  private canStartEvaluation(): boolean {
    const { evaluations, seconds } = this.options.budget
    if (this.stop.signal.aborted) return false
    if (evaluations !== undefined && this.started >= evaluations) return false
    return seconds === undefined || this.record.elapsed() < seconds
  }

  private async setup(): Promise<void> {
    const { context, evaluator } = this.options
    if (context === undefined) return
    await evaluator.setup?.(context)
    this.setupDone = true
  }

  private async teardown(): Promise<void> {
    if (!this.setupDone) return
    this.setupDone = false
    try {
      await this.options.evaluator.teardown?.()
    } catch (error) {
      this.options.logger.error('evaluator teardown failed', {
        evaluator: this.options.evaluator.name,
        error,
      })
    }
  }

  private async ask(): Promise<Candidate[]> {
    const { optimizer, concurrency, budget } = this.options
    // A generational optimizer proposes its whole generation; a steady-state
    // one as many candidates as can run at once within the budget.
    let count: number | undefined
    if (optimizer.mode === 'steady-state') {
      const left = budget.evaluations ?? Number.POSITIVE_INFINITY
      count = Math.min(concurrency, left - this.started)
    }

    const candidates = await optimizer.ask(count)
    this.checkCandidates(candidates)
    this.record.addCandidates(candidates.length)
    const generation = candidates[0]?.generation
    this.journal({
      type: 'ask',
      time: isoNow(),
      ...(generation === undefined ? {} : { generation }),
      candidates,
    })
    debug('ask', { count, received: candidates.length, generation })
    return candidates
  }

  private checkCandidates(
    candidates: unknown,
  ): asserts candidates is Candidate[] {
    const name = this.options.optimizer.name
    if (!Array.isArray(candidates)) {
      throw optimizerError(
        name,
        'ask() returned no array of candidates',
        candidates,
      )
    }
    for (const candidate of candidates as Partial<Candidate>[]) {
      const id = candidate?.id
      if (typeof id !== 'string' || id === '') {
        throw optimizerError(
          name,
          'ask() returned a candidate without an id',
          candidate,
        )
      }
      if (!Array.isArray(candidate.genotype)) {
        throw optimizerError(
          name,
          `ask() returned candidate ${id} without a genotype array`,
          candidate,
        )
      }
      if (this.candidateIds.has(id)) {
        throw optimizerError(
          name,
          `ask() returned the candidate id ${id} twice in one run`,
          candidate,
        )
      }
      this.candidateIds.add(id)
    }
  }

  /** Evaluates a batch with at most `concurrency` in flight; results keep the batch order. */
  private async evaluateAll(candidates: Candidate[]): Promise<Result[]> {
    const results: (Result | undefined)[] = new Array(candidates.length)
    let next = 0

    const work = async () => {
      while (next < candidates.length && this.canStartEvaluation()) {
        const index = next++
        this.started++
        results[index] = await this.evaluateCandidate(candidates[index]!)
      }
    }
    const workers = Math.min(this.options.concurrency, candidates.length)
    await Promise.all(Array.from({ length: workers }, work))

    return results.filter((result): result is Result => result !== undefined)
  }

  /** Returns the candidate's result, or undefined when the run stopped first. */
  private async evaluateCandidate(
    candidate: Candidate,
  ): Promise<Result | undefined> {
    this.emit({
      type: 'candidate-started',
      candidate,
      progress: this.record.progress(),
    })

    const prepared = this.prepare(candidate)
    if (prepared.evaluation !== undefined) {
      return this.finishCandidate(
        candidate,
        prepared,
        prepared.evaluation,
        null,
      )
    }

    const cached = this.cache.get(prepared.hash)
    if (cached !== undefined) {
      const outcome = await cached.outcome
      if (outcome.kind === 'interrupted') return undefined
      const evaluation = structuredClone(outcome.evaluation)
      return this.finishCandidate(
        candidate,
        prepared,
        evaluation,
        cached.candidateId,
      )
    }

    const outcome = evaluateGuarded({
      evaluator: this.options.evaluator,
      request: {
        candidate,
        descriptor: prepared.descriptor!,
        seed: candidateSeed(this.options.seed, candidate.id),
      },
      timeout: this.options.evaluationTimeout,
      stop: this.stop.signal,
      now: this.options.now,
    })
    this.cache.set(prepared.hash, { candidateId: candidate.id, outcome })
    const settled = await outcome
    if (settled.kind === 'interrupted') {
      this.cache.delete(prepared.hash)
      return undefined
    }
    return this.finishCandidate(candidate, prepared, settled.evaluation, null)
  }

  /** Decodes, validates and hashes; decoding and validation errors end the candidate. */
  private prepare(candidate: Candidate): PreparedCandidate {
    const { space } = this.options
    let descriptor: DescriptorJSON
    try {
      descriptor = space.decode(candidate.genotype)
    } catch (error) {
      const reason = `search space '${space.name}' failed to decode candidate ${candidate.id}: ${messageOf(error)}`
      return {
        descriptor: null,
        hash: rawHash(candidate.genotype),
        evaluation: failedEvaluation(
          reason,
          codeOf(error, 'NORD_ERR_DECODE'),
          0,
        ),
      }
    }

    const hash = this.hashOf(descriptor)
    let issues: Issue[]
    try {
      issues = this.validate(descriptor)
    } catch (error) {
      const reason = `validating the descriptor of candidate ${candidate.id} failed: ${messageOf(error)}`
      return {
        descriptor,
        hash,
        evaluation: failedEvaluation(
          reason,
          codeOf(error, 'NORD_ERR_EVALUATION_FAILED'),
          0,
        ),
      }
    }

    if (issues.length > 0) {
      return { descriptor, hash, evaluation: invalidEvaluation(issues) }
    }
    return { descriptor, hash }
  }

  private hashOf(descriptor: DescriptorJSON): string {
    try {
      return this.hash(descriptor)
    } catch (error) {
      // The canonical hash rejects invalid topologies; such descriptors are
      // never evaluated, so a hash of their JSON text is enough.
      debug('hash of the JSON text used', { reason: messageOf(error) })
      return rawHash(descriptor)
    }
  }

  private finishCandidate(
    candidate: Candidate,
    prepared: PreparedCandidate,
    evaluation: Evaluation,
    cacheHitOf: string | null,
  ): Result {
    const { hash, descriptor } = prepared
    this.journal({
      type: 'evaluation',
      time: isoNow(),
      candidate,
      hash,
      evaluation,
      ...(cacheHitOf === null ? {} : { cacheHit: { of: cacheHitOf } }),
    })
    this.record.addEvaluation(
      candidate,
      hash,
      descriptor,
      evaluation,
      cacheHitOf !== null,
    )
    this.logEvaluation(candidate, evaluation, cacheHitOf)
    this.emit({
      type: 'candidate-finished',
      candidate,
      hash,
      evaluation,
      cacheHitOf,
      progress: this.record.progress(),
    })
    return { candidate, evaluation }
  }

  private logEvaluation(
    candidate: Candidate,
    evaluation: Evaluation,
    cacheHitOf: string | null,
  ): void {
    const fields = {
      candidate: candidate.id,
      status: evaluation.status,
      fitness: evaluation.fitness,
      cacheHitOf: cacheHitOf ?? undefined,
      code: evaluation.code,
      reason: evaluation.reason,
    }
    if (evaluation.status === 'failed' && cacheHitOf === null) {
      this.options.logger.warn('candidate failed', fields)
    } else {
      this.options.logger.debug('candidate evaluated', fields)
    }
  }

  private async tell(results: Result[]): Promise<void> {
    await this.options.optimizer.tell(results)
    this.record.generations++
    this.journal({
      type: 'tell',
      time: isoNow(),
      candidateIds: results.map((result) => result.candidate.id),
      best: this.record.bestReference(),
    })
    this.emit({
      type: 'generation-finished',
      generation: this.record.generations,
      progress: this.record.progress(),
    })
    this.writeSummary(this.record.summary('running', null))
  }

  private finish(
    status: RunEndReason,
    stopReason: StopReason,
    message?: string,
  ): SearchSummary {
    this.journal({
      type: 'run-end',
      time: isoNow(),
      reason: status,
      message: message ?? this.describeStop(stopReason),
    })
    const summary = this.record.summary(status, stopReason)
    this.writeSummary(summary)
    this.options.logger.info('search finished', {
      status,
      stopReason,
      evaluated: summary.counts.evaluated,
      best: summary.best?.evaluation.fitness,
      seconds: Number(summary.seconds.toFixed(3)),
    })
    return summary
  }

  /** Journals the failure; a second error here is logged, so the first one is the one thrown. */
  private finishAfterError(error: unknown): void {
    const { logger } = this.options
    logger.error('search failed', {
      error,
      code: codeOf(error, undefined),
    })
    try {
      this.finish('failed', 'failed', messageOf(error))
    } catch (finishError) {
      logger.error('cannot record the end of the failed search', {
        error: finishError,
      })
    }
  }

  private describeStop(stopReason: StopReason): string {
    const { budget } = this.options
    switch (stopReason) {
      case 'evaluations':
        return `the budget of ${budget.evaluations} evaluations was spent`
      case 'generations':
        return `the budget of ${budget.generations} generations was spent`
      case 'seconds':
        return `the budget of ${budget.seconds} seconds was spent`
      case 'optimizer-done':
        return 'the optimizer has no more candidates to propose'
      case 'interrupted':
        return 'the search was aborted'
      case 'failed':
        return 'the search failed'
    }
  }

  private journal(event: JournalEvent): void {
    this.options.run?.append(event)
  }

  private writeSummary(summary: SearchSummary): void {
    this.options.run?.writeSummary(summary)
  }

  private emit(event: SearchProgressEvent): void {
    const { onProgress, logger } = this.options
    if (onProgress === undefined) return
    try {
      onProgress(event)
    } catch (error) {
      logger.warn('progress callback failed', { event: event.type, error })
    }
  }
}

function optimizerError(
  name: string,
  message: string,
  value: unknown,
): NordError {
  return new NordError(
    'NORD_ERR_OPTIMIZER',
    `optimizer '${name}': ${message}`,
    {
      value,
      hint: 'This is a bug in the optimizer; report it to its authors',
    },
  )
}

function isoNow(): string {
  return new Date().toISOString()
}

function codeOf<T extends string | undefined>(
  error: unknown,
  fallback: T,
): string | T {
  return isNordError(error) ? error.code : fallback
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
