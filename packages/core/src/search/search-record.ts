/** The running tally of a search, from which progress and summaries are made. */
import type {
  Candidate,
  DescriptorJSON,
  Evaluation,
  RunEndReason,
} from '../types.js'
import type {
  BestCandidate,
  SearchBudget,
  SearchCounts,
  SearchProgress,
  SearchSummary,
  StopReason,
} from './search-types.js'

export class SearchRecord {
  readonly counts: SearchCounts = {
    candidates: 0,
    evaluated: 0,
    cacheHits: 0,
    ok: 0,
    invalid: 0,
    failed: 0,
  }
  generations = 0
  best: BestCandidate | null = null
  /** Candidates in the first ask, for estimating a generation budget's total. */
  firstBatchSize: number | null = null
  private readonly backends = new Set<string>()
  private startedAt = new Date().toISOString()
  /** Seconds of earlier sessions of a resumed run. */
  private previousSeconds = 0

  constructor(
    private readonly seed: number,
    private readonly budget: SearchBudget,
    private readonly journal: string | null,
    private readonly now: () => number,
    private readonly startedMs = now(),
  ) {}

  /** Seconds the run has been running, earlier sessions of a resumed run included. */
  elapsed(): number {
    return this.previousSeconds + (this.now() - this.startedMs) / 1000
  }

  /** Continues the tally of a resumed run from its start time and the seconds it ran. */
  continueFrom(startedAt: string, previousSeconds: number): void {
    this.startedAt = startedAt
    this.previousSeconds = previousSeconds
  }

  addCandidates(count: number): void {
    this.counts.candidates += count
    this.firstBatchSize ??= count
  }

  addEvaluation(
    candidate: Candidate,
    hash: string,
    descriptor: DescriptorJSON | null,
    evaluation: Evaluation,
    cacheHit: boolean,
  ): void {
    this.counts.evaluated++
    this.counts[evaluation.status]++
    if (cacheHit) this.counts.cacheHits++
    if (evaluation.backend !== undefined) this.backends.add(evaluation.backend)

    const better =
      evaluation.status === 'ok' &&
      descriptor !== null &&
      (this.best === null || evaluation.fitness > this.best.evaluation.fitness)
    if (better) this.best = { candidate, hash, descriptor, evaluation }
  }

  bestReference(): { candidateId: string; fitness: number } | null {
    if (this.best === null) return null
    return {
      candidateId: this.best.candidate.id,
      fitness: this.best.evaluation.fitness,
    }
  }

  progress(): SearchProgress {
    const done = this.counts.evaluated
    const elapsedSeconds = this.elapsed()
    const total = this.estimateTotal()
    const estimates: number[] = []
    if (total !== null && done > 0) {
      estimates.push((elapsedSeconds / done) * Math.max(0, total - done))
    }
    if (this.budget.seconds !== undefined) {
      estimates.push(Math.max(0, this.budget.seconds - elapsedSeconds))
    }
    return {
      done,
      total,
      best: this.bestReference(),
      elapsedSeconds,
      remainingSeconds: estimates.length > 0 ? Math.min(...estimates) : null,
    }
  }

  private estimateTotal(): number | null {
    const { evaluations, generations } = this.budget
    const byGenerations =
      generations !== undefined && this.firstBatchSize !== null
        ? generations * this.firstBatchSize
        : undefined
    const limits = [evaluations, byGenerations].filter(
      (limit): limit is number => limit !== undefined,
    )
    return limits.length > 0 ? Math.min(...limits) : null
  }

  summary(
    status: 'running' | RunEndReason,
    stopReason: StopReason | null,
  ): SearchSummary {
    return {
      seed: this.seed,
      status,
      stopReason,
      counts: { ...this.counts },
      generations: this.generations,
      best: this.best,
      seconds: this.elapsed(),
      startedAt: this.startedAt,
      endedAt: status === 'running' ? null : new Date().toISOString(),
      backends: [...this.backends].sort(),
      journal: this.journal,
    }
  }
}
