/** The coordinator side of the async evaluator: one network per worker. */
import type { ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import {
  type Evaluation,
  type EvaluationRequest,
  type Evaluator,
  type EvaluatorContext,
  isPlainObject,
  type JsonValue,
  type Logger,
  NordError,
  silentLogger,
} from '@nord/core'
import {
  type LocalWorkers,
  launchLocalWorkers,
  type TaskMessage,
  type WorkerLostEvent,
} from '@nord/environment-ws'
import {
  type AsyncEvaluatorOptions,
  type ResolvedAsyncEvaluatorOptions,
  resolveAsyncEvaluatorOptions,
} from './options.js'
import {
  type ControlMessage,
  datasetFingerprint,
  EVALUATE_TASK,
  type EvaluationReply,
  SETUP_TASK,
  type SetupReply,
} from './protocol.js'

/** Busy time of one worker since `setup`. */
export interface WorkerUtilisation {
  rank: number
  /** Seconds the worker spent on evaluations, lost and aborted ones included. */
  busySeconds: number
  /** Evaluations the worker returned, cancelled ones included. */
  evaluations: number
  /** Evaluations the worker stopped early because their request was aborted. */
  cancelled: number
  /** `busySeconds` over the seconds since `setup` finished, in [0, 1]. */
  share: number
}

/** The async evaluator: an `Evaluator` that also reports worker utilisation. */
export interface AsyncEvaluator extends Evaluator {
  /** Busy time per worker rank, in rank order. */
  utilisation(): WorkerUtilisation[]
  /** The worker processes `setup` started; empty when `workers` is 0. */
  readonly processes: readonly ChildProcess[]
}

/** The worker and task id of a job's current attempt. */
interface Attempt {
  rank: number
  id: number
  /** True once a cancel was sent for it. */
  cancelled: boolean
}

interface Job {
  request: EvaluationRequest
  current: Attempt | undefined
  /** Workers the job was given to so far. */
  attempts: number
  settled: boolean
  resolve(evaluation: Evaluation): void
}

interface WorkerState {
  rank: number
  busyMs: number
  evaluations: number
  cancelled: number
  lost: boolean
  job: Job | undefined
}

/** Returns the path of the worker script, for callers that start workers themselves. */
export function asyncWorkerScript(): string {
  return createRequire(import.meta.url).resolve(
    '@nord/evaluator-async/worker-main',
  )
}

/**
 * Creates the evaluator that hands each descriptor and seed to a free
 * worker process and resolves with that worker's evaluation, which records
 * the worker's rank in `extra.worker`. Requests wait in a queue while every
 * worker is busy. An evaluation whose worker is lost goes to another worker,
 * up to `attempts` workers, and then is `failed`.
 *
 * @throws NordValidationError `NORD_ERR_INVALID_OPTION` for invalid options.
 */
export function createAsyncEvaluator(
  options: AsyncEvaluatorOptions,
): AsyncEvaluator {
  return new AsyncEvaluatorImpl(resolveAsyncEvaluatorOptions(options))
}

class AsyncEvaluatorImpl implements AsyncEvaluator {
  readonly name = 'nord:evaluator-async'
  private readonly options: ResolvedAsyncEvaluatorOptions
  private readonly workers = new Map<number, WorkerState>()
  private readonly queue: Job[] = []
  private launched: LocalWorkers | undefined
  private startedAt = 0
  private nextId = 0
  private tornDown = false
  private logger: Logger = silentLogger
  private readonly onLost = (event: WorkerLostEvent) => this.lose(event.rank)

  constructor(options: ResolvedAsyncEvaluatorOptions) {
    this.options = options
  }

  get processes(): readonly ChildProcess[] {
    return this.launched?.processes ?? []
  }

  async setup(context: EvaluatorContext): Promise<void> {
    const { coordinator, workers, stdio } = this.options
    const url = await coordinator.listen()
    if (workers > 0) {
      this.launched = launchLocalWorkers(workers, url, coordinator.token, {
        script: asyncWorkerScript(),
        stdio,
      })
    }
    await coordinator.start()
    coordinator.on('worker-lost', this.onLost)

    const expected = datasetFingerprint(context.dataset)
    const ranks = coordinator.workers.map((worker) => worker.rank)
    await Promise.all(ranks.map((rank) => this.setUpWorker(rank, expected)))
    for (const rank of ranks) {
      this.workers.set(rank, {
        rank,
        busyMs: 0,
        evaluations: 0,
        cancelled: 0,
        lost: false,
        job: undefined,
      })
    }
    this.logger = context.logger
    this.startedAt = performance.now()
    context.logger.info('async evaluator ready', { workers: ranks.length })
  }

  private async setUpWorker(rank: number, expected: string): Promise<void> {
    const { coordinator, dataset, training } = this.options
    const task: TaskMessage = {
      nord: 'task',
      task: SETUP_TASK,
      dataset: dataset as unknown as JsonValue,
      training: training as unknown as JsonValue,
    }
    await coordinator.send(rank, task)
    const reply = (await coordinator.receive(rank)) as unknown as SetupReply

    if (reply.fingerprint !== expected) {
      const problem = reply.error ?? `fingerprint ${reply.fingerprint}`
      throw new NordError(
        'NORD_ERR_DATA_MISMATCH',
        `worker rank ${rank} loaded different data than the evaluator context (${problem})`,
        {
          value: reply.fingerprint,
          hint: 'Give the async evaluator the same dataset options and seed as the curator of the search',
        },
      )
    }
  }

  evaluate(request: EvaluationRequest): Promise<Evaluation> {
    if (this.startedAt === 0) {
      return Promise.reject(
        new Error('nord:evaluator-async: setup() must run before evaluate()'),
      )
    }
    return new Promise((resolve) => {
      const job: Job = {
        request,
        current: undefined,
        attempts: 0,
        settled: false,
        resolve,
      }
      request.signal?.addEventListener(
        'abort',
        () => this.abort(job, request.signal?.reason),
        { once: true },
      )
      if (request.signal?.aborted) {
        this.abort(job, request.signal.reason)
        return
      }
      this.queue.push(job)
      this.dispatch()
    })
  }

  utilisation(): WorkerUtilisation[] {
    const elapsed = Math.max(performance.now() - this.startedAt, 1)
    return [...this.workers.values()]
      .sort((a, b) => a.rank - b.rank)
      .map((worker) => ({
        rank: worker.rank,
        busySeconds: worker.busyMs / 1000,
        evaluations: worker.evaluations,
        cancelled: worker.cancelled,
        share: Math.min(worker.busyMs / elapsed, 1),
      }))
  }

  async teardown(): Promise<void> {
    this.tornDown = true
    this.options.coordinator.off('worker-lost', this.onLost)
    for (const job of this.queue.splice(0)) {
      settle(job, failed('the evaluator was torn down before it ran', 0))
    }
    await this.launched?.stop()
  }

  /** Gives queued jobs to idle workers, lowest rank first. */
  private dispatch(): void {
    this.failIfNoWorkers()
    for (const worker of this.workers.values()) {
      if (worker.lost || worker.job) continue
      const job = this.queue.shift()
      if (!job) return
      void this.run(worker, job)
    }
  }

  private async run(worker: WorkerState, job: Job): Promise<void> {
    const { coordinator } = this.options
    const id = this.nextId++
    const started = performance.now()
    const attempt: Attempt = { rank: worker.rank, id, cancelled: false }
    worker.job = job
    job.current = attempt
    job.attempts++

    let reply: EvaluationReply | undefined
    try {
      const { candidate, descriptor, seed } = job.request
      const task: TaskMessage = {
        nord: 'task',
        task: EVALUATE_TASK,
        id,
        candidate: candidate.id,
        descriptor: descriptor as unknown as JsonValue,
        seed,
      }
      await coordinator.send(worker.rank, task)
      reply = await this.receiveReply(worker.rank, id)
      if (!attempt.cancelled) await this.sendControl(attempt, 'release')
    } catch (error) {
      this.logger.warn('worker lost during an evaluation', {
        rank: worker.rank,
        candidate: job.request.candidate.id,
        attempt: job.attempts,
        error: error instanceof Error ? error.message : String(error),
      })
      this.lose(worker.rank)
      this.retry(job, worker.rank, error)
    } finally {
      worker.busyMs += performance.now() - started
      worker.job = undefined
      job.current = undefined
    }

    if (reply) {
      worker.evaluations++
      const { code } = reply.evaluation as { code?: string }
      if (attempt.cancelled && code === 'NORD_ERR_ABORTED') worker.cancelled++
      settle(
        job,
        withWorker(reply.evaluation as unknown as Evaluation, worker.rank),
      )
    }
    this.dispatch()
  }

  private async sendControl(
    attempt: Attempt,
    action: ControlMessage['action'],
  ): Promise<void> {
    const message: ControlMessage = {
      nord: 'evaluator-async/control',
      id: attempt.id,
      action,
    }
    await this.options.coordinator.send(attempt.rank, message)
  }

  /** Waits for the reply with `id`; other messages from the worker are dropped. */
  private async receiveReply(
    rank: number,
    id: number,
  ): Promise<EvaluationReply> {
    for (;;) {
      const message = await this.options.coordinator.receive(rank)
      if (isPlainObject(message) && message.id === id) {
        return message as unknown as EvaluationReply
      }
    }
  }

  private retry(job: Job, rank: number, error: unknown): void {
    if (job.settled) return
    const reason = error instanceof Error ? error.message : String(error)
    if (job.attempts < this.options.attempts && !this.tornDown) {
      this.queue.unshift(job)
      return
    }
    settle(
      job,
      failed(
        `worker rank ${rank} was lost and the evaluation had no attempts left (${job.attempts} of ${this.options.attempts}): ${reason}`,
        0,
        'NORD_ERR_WORKER_LOST',
      ),
    )
  }

  // NOTE: a worker that later joins to take a lost rank gets no setup task
  // and no evaluations. The evaluator goes on with the workers it has left.
  private lose(rank: number): void {
    const worker = this.workers.get(rank)
    if (worker) worker.lost = true
    // A lost worker's pending receive rejects, and `run` handles its job.
    this.dispatch()
  }

  /** Fails every queued job once no worker is left, so none waits forever. */
  private failIfNoWorkers(): void {
    const alive = [...this.workers.values()].some((worker) => !worker.lost)
    if (alive) return
    for (const job of this.queue.splice(0)) {
      settle(
        job,
        failed(
          'every worker of the async evaluator was lost',
          0,
          'NORD_ERR_WORKER_LOST',
        ),
      )
    }
  }

  /**
   * Settles an aborted job as `failed` at once. A queued job leaves the
   * queue. A running job's worker gets a cancel, which aborts its training,
   * and stays busy until its reply arrives and is dropped.
   */
  private abort(job: Job, reason: unknown): void {
    const index = this.queue.indexOf(job)
    if (index >= 0) this.queue.splice(index, 1)
    const attempt = job.current
    if (attempt && !attempt.cancelled && !job.settled) {
      attempt.cancelled = true
      // A failed send means a lost worker, which `run` handles.
      this.sendControl(attempt, 'cancel').catch(() => undefined)
    }
    const text =
      reason instanceof Error ? reason.message : String(reason ?? 'aborted')
    settle(job, failed(`aborted: ${text}`, 0))
  }
}

function settle(job: Job, evaluation: Evaluation): void {
  if (job.settled) return
  job.settled = true
  job.resolve(evaluation)
}

function withWorker(evaluation: Evaluation, rank: number): Evaluation {
  return { ...evaluation, extra: { ...evaluation.extra, worker: rank } }
}

function failed(reason: string, seconds: number, code?: string): Evaluation {
  return {
    status: 'failed',
    fitness: 0,
    accuracy: null,
    loss: null,
    parameters: null,
    flops: null,
    seconds,
    reason,
    ...(code ? { code } : {}),
  }
}
