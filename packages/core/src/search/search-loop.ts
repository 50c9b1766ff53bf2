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
  JsonValue,
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
import { EvaluatorStats } from './evaluator-stats.js'
import { createDebug } from './logger.js'
import {
  type JournaledEvaluation,
  type ResumeState,
  readResumeState,
} from './resume-state.js'
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
import { type PipelineSteps, runPipeline } from './steady-state-pipeline.js'
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
 * at the start, after every tell and at the end).
 *
 * A generational optimizer is asked for a whole generation, which is
 * evaluated with up to `concurrency` evaluations at once and told back
 * whole. A steady-state optimizer has no such barrier: up to `concurrency`
 * evaluations run at once, and each result is told alone as soon as it
 * arrives, followed by an ask for one more candidate. Results are told in
 * the order they arrive, so a steady-state run repeats itself from its seed
 * only with `concurrency` 1.
 *
 * A candidate whose decoding, validation or evaluation fails is recorded as
 * `invalid` or `failed` with `FAILED_FITNESS`, and the search goes on. An
 * abort resolves with status `interrupted`: the running evaluations' signals
 * are aborted and their results dropped, and results not yet told (the
 * generation in progress, or a steady-state result that arrived with the
 * abort) are not passed to the optimizer's `tell`. Every journaled
 * evaluation is reused by a resumed run.
 *
 * With `resume`, the search continues the journal of an earlier session as
 * if it had never stopped (see `SearchOptions.resume`).
 *
 * @throws NordValidationError when the options are invalid, before anything
 *   is journaled.
 * @throws NordError `NORD_ERR_RESUME` before anything is journaled when the
 *   resume journal does not fit: another seed, a missing optimizer state, a
 *   state the optimizer rejects.
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
  /**
   * Candidates of a resumed run that the restored optimizer proposes again.
   * A generational optimizer proposes every candidate never told, and a
   * steady-state one those asked after the last tell.
   */
  private readonly askedBefore = new Map<string, Candidate>()
  /**
   * Journaled evaluations of candidates asked before the interruption and
   * never told, reused instead of evaluating them again.
   */
  private readonly journaled = new Map<string, JournaledEvaluation>()
  /**
   * Candidates of a resumed steady-state run that the restored optimizer
   * still waits for: asked before the last tell and never told. The loop
   * evaluates them without asking again.
   */
  private pendingBefore: Candidate[] = []
  /** The sizes of the asks to repeat on the restored steady-state optimizer. */
  private replayAsks: number[] = []
  /** Evaluations started, which the evaluation budget limits. */
  private started = 0
  private setupDone = false
  private readonly evaluatorStats: EvaluatorStats

  constructor(private readonly options: ResolvedSearchOptions) {
    const { seed, budget, run, now } = options
    this.record = new SearchRecord(seed, budget, run?.journalPath ?? null, now)
    this.evaluatorStats = new EvaluatorStats(options.evaluator, options.logger)
    this.validate = options.validate ?? defaultValidate(options.context)
    this.hash = options.hash ?? defaultHash
  }

  async run(): Promise<SearchSummary> {
    const { logger, optimizer, evaluator, seed, budget, signal } = this.options
    const resumed =
      this.options.resume === undefined
        ? null
        : readResumeState(this.options.resume)
    if (resumed === null) {
      this.start()
    } else {
      this.resume(resumed)
    }

    const forwardAbort = () => this.stop.abort(signal?.reason)
    if (signal?.aborted) forwardAbort()
    signal?.addEventListener('abort', forwardAbort, { once: true })
    this.writeSummary(this.summary('running', null))
    logger.info(resumed === null ? 'search started' : 'search resumed', {
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

  private start(): void {
    this.journal({
      type: 'run-start',
      time: isoNow(),
      seed: this.options.seed,
      config: this.options.config,
      nord: CORE_VERSION,
    })
  }

  /**
   * Takes over an earlier session: restores the optimizer, the tally, the
   * candidate ids and the evaluation cache, then journals `run-resume`.
   * Every check runs before the journal is touched.
   */
  private resume(state: ResumeState): void {
    this.checkResumeSeed(state)
    this.restoreOptimizer(state)

    this.replayEvaluations(state)
    this.restoreCandidates(state)
    this.started = [...state.evaluations.keys()].filter((id) =>
      state.told.has(id),
    ).length

    this.journal({
      type: 'run-resume',
      time: isoNow(),
      seed: this.options.seed,
      config: this.options.config,
      nord: CORE_VERSION,
      events: state.eventCount,
      dropped: state.dropped,
    })
    this.options.logger.info('journal read', {
      events: state.eventCount,
      evaluations: state.evaluations.size,
      generations: state.generations,
      reusable: this.journaled.size,
      pending: this.pendingBefore.length,
      dropped:
        state.dropped === null ? undefined : `line ${state.dropped.line}`,
    })
  }

  /**
   * Sorts the candidates asked before the interruption. Told ones keep their
   * ids. A generational optimizer restored from the last tell proposes every
   * untold one again. A steady-state one still waits for those asked before
   * that tell, so the loop evaluates them itself, and proposes again only
   * those asked after it.
   */
  private restoreCandidates(state: ResumeState): void {
    const steadyState = this.options.optimizer.mode === 'steady-state'
    const pending = new Set(
      steadyState ? state.pendingAtLastTell.map(({ id }) => id) : [],
    )
    for (const [id, candidate] of state.asked) {
      if (state.told.has(id) || pending.has(id)) {
        this.candidateIds.add(id)
      } else {
        this.askedBefore.set(id, candidate)
      }
      const evaluation = state.evaluations.get(id)
      if (!state.told.has(id) && evaluation !== undefined) {
        this.journaled.set(id, evaluation)
      }
    }
    if (steadyState) {
      this.pendingBefore = state.pendingAtLastTell
      this.replayAsks = state.asksSinceLastTell
    }
  }

  private checkResumeSeed(state: ResumeState): void {
    if (state.seed === this.options.seed) return
    throw new NordError(
      'NORD_ERR_RESUME',
      `cannot resume: the journal was written with seed ${state.seed}, not ${this.options.seed}`,
      { value: this.options.seed, hint: `Resume with seed ${state.seed}` },
    )
  }

  /** Restores the optimizer from the last tell; before any tell it stays as created. */
  private restoreOptimizer(state: ResumeState): void {
    const { optimizer } = this.options
    if (state.optimizerState === null) return
    if (state.optimizerState === undefined) {
      throw new NordError(
        'NORD_ERR_RESUME',
        `cannot resume: the last tell event of the journal has no optimizer state (optimizer '${optimizer.name}' has no state() method)`,
        {
          hint: 'Resume only runs of optimizers that implement state() and restore()',
        },
      )
    }
    try {
      optimizer.restore(structuredClone(state.optimizerState.value))
    } catch (error) {
      throw new NordError(
        'NORD_ERR_RESUME',
        `cannot resume: optimizer '${optimizer.name}' rejected the state journaled with the last tell: ${messageOf(error)}`,
        {
          value: state.optimizerState.value,
          hint: 'Resume with the optimizer and version that wrote the journal',
          cause: error,
        },
      )
    }
  }

  /** Counts the journaled evaluations and fills the cache with them, in journal order. */
  private replayEvaluations(state: ResumeState): void {
    this.record.continueFrom(state.startedAt, state.previousSeconds)
    this.record.generations = state.generations
    this.record.counts.candidates = state.asked.size
    this.record.firstBatchSize = state.firstBatchSize

    for (const entry of state.evaluations.values()) {
      const { candidate, hash, evaluation, cacheHitOf } = entry
      const descriptor =
        evaluation.status === 'ok' ? this.decodeQuietly(candidate) : null
      this.record.addEvaluation(
        candidate,
        hash,
        descriptor,
        evaluation,
        cacheHitOf !== null,
      )
      if (cacheHitOf === null && !this.cache.has(hash)) {
        const outcome = Promise.resolve<GuardedOutcome>({
          kind: 'evaluated',
          evaluation,
        })
        this.cache.set(hash, { candidateId: candidate.id, outcome })
      }
    }
  }

  private decodeQuietly(candidate: Candidate): DescriptorJSON | null {
    try {
      return this.options.space.decode(candidate.genotype)
    } catch {
      return null
    }
  }

  private loop(): Promise<StopReason> {
    if (this.options.optimizer.mode === 'steady-state') {
      return this.steadyStateLoop()
    }
    return this.generationalLoop()
  }

  private async generationalLoop(): Promise<StopReason> {
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

  /**
   * Runs the steady-state loop. A resumed run first evaluates the candidates
   * the restored optimizer still waits for, and repeats the asks journaled
   * after the last tell, so that the optimizer proposes those candidates
   * again before it receives another result.
   */
  private async steadyStateLoop(): Promise<StopReason> {
    const queued = [...this.pendingBefore]
    // All repeated asks come before the first tell: the optimizer proposed
    // those candidates from the state of the last tell, and a result told
    // first could change what it proposes.
    for (const count of this.replayAsks) {
      const blocked = this.blockStart(0)
      if (blocked !== null) return blocked
      queued.push(...(await this.ask(count)))
    }
    return runPipeline(this.pipelineSteps(), queued)
  }

  private pipelineSteps(): PipelineSteps {
    const { optimizer, concurrency } = this.options
    return {
      concurrency,
      stop: this.stop.signal,
      blockStart: (running) => this.blockStart(running),
      room: (running) => this.room(running),
      optimizerDone: () => optimizer.done?.() === true,
      ask: (count) => this.ask(count),
      evaluate: (candidate) => {
        this.started++
        return this.evaluateCandidate(candidate)
      },
      tell: (result) => this.tell([result]),
      cancel: (reason) => this.stop.abort(reason),
    }
  }

  /**
   * Returns why a steady-state loop with `running` evaluations in flight may
   * start no other, or null. Each result gets its own tell, so the
   * generation budget counts the evaluations in flight as tells to come.
   */
  private blockStart(running: number): StopReason | null {
    const { evaluations, generations, seconds } = this.options.budget
    if (this.stop.signal.aborted) return 'interrupted'
    if (evaluations !== undefined && this.started >= evaluations) {
      return 'evaluations'
    }
    const told = this.record.generations
    if (generations !== undefined && told + running >= generations) {
      return 'generations'
    }
    if (seconds !== undefined && this.record.elapsed() >= seconds) {
      return 'seconds'
    }
    return null
  }

  /** Returns how many evaluations the budget still allows to start. */
  private room(running: number): number {
    const { evaluations, generations } = this.options.budget
    const limits = [Number.POSITIVE_INFINITY]
    if (evaluations !== undefined) limits.push(evaluations - this.started)
    if (generations !== undefined) {
      limits.push(generations - this.record.generations - running)
    }
    return Math.min(...limits)
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

  /**
   * Asks the optimizer for `count` candidates, or without a count for a
   * generational optimizer's whole generation.
   */
  private async ask(count?: number): Promise<Candidate[]> {
    const { optimizer } = this.options
    const candidates = await optimizer.ask(count)
    this.checkCandidates(candidates)
    this.record.addCandidates(this.claimIds(candidates))
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
    }
  }

  /**
   * Records the ids of an ask and returns how many candidates are new: a
   * candidate asked before the interruption of a resumed run is not new.
   */
  private claimIds(candidates: Candidate[]): number {
    const name = this.options.optimizer.name
    let fresh = 0
    for (const candidate of candidates) {
      const { id } = candidate
      if (this.candidateIds.has(id)) {
        throw optimizerError(
          name,
          `ask() returned the candidate id ${id} twice in one run`,
          candidate,
        )
      }
      this.candidateIds.add(id)

      const before = this.askedBefore.get(id)
      if (before === undefined) {
        fresh++
        continue
      }
      this.askedBefore.delete(id)
      if (!sameGenotype(before.genotype, candidate.genotype)) {
        throw resumeMismatch(name, candidate, before)
      }
    }
    return fresh
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
    const journaled = this.journaled.get(candidate.id)
    if (journaled !== undefined) {
      this.journaled.delete(candidate.id)
      debug('evaluation reused from the journal', { candidate: candidate.id })
      return { candidate, evaluation: structuredClone(journaled.evaluation) }
    }

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
    const { optimizer } = this.options
    await optimizer.tell(results)
    this.record.generations++
    // The state goes into the same line as the tell, so that a kill can
    // never journal one without the other.
    const optimizerState: JsonValue | undefined =
      typeof optimizer.state === 'function' ? optimizer.state() : undefined
    this.journal({
      type: 'tell',
      time: isoNow(),
      candidateIds: results.map((result) => result.candidate.id),
      best: this.record.bestReference(),
      ...(optimizerState === undefined ? {} : { optimizerState }),
    })
    this.emit({
      type: 'generation-finished',
      generation: this.record.generations,
      progress: this.record.progress(),
    })
    this.writeSummary(this.summary('running', null))
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
    const summary = this.summary(status, stopReason)
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

  /** Builds the summary, with the evaluator's statistics when it has any. */
  private summary(
    status: 'running' | RunEndReason,
    stopReason: StopReason | null,
  ): SearchSummary {
    const summary = this.record.summary(status, stopReason)
    const stats = this.evaluatorStats.read()
    return stats === undefined ? summary : { ...summary, evaluator: stats }
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

function resumeMismatch(
  name: string,
  candidate: Candidate,
  before: Candidate,
): NordError {
  return new NordError(
    'NORD_ERR_RESUME',
    `optimizer '${name}': after restoring its state it proposed candidate ${candidate.id} with genotype [${candidate.genotype.join(', ')}], but before the interruption it proposed [${before.genotype.join(', ')}]`,
    {
      value: candidate,
      hint: 'The optimizer does not restore its state faithfully; this is a bug in the optimizer, report it to its authors',
    },
  )
}

function sameGenotype(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((gene, index) => gene === b[index])
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
