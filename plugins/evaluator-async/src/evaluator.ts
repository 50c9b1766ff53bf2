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
  silentLogger,
} from '@nord/core'
import {
  type LocalWorkers,
  launchLocalWorkers,
  rejectWorker,
  type TaskMessage,
  type WorkerInfo,
  type WorkerLostEvent,
} from '@nord/environment-ws'
import { errorText, failed, mismatchError, withWorker } from './evaluations.js'
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
import {
  type AsyncEvaluatorStats,
  computeStats,
  type RejectedWorker,
  type WorkerClock,
} from './stats.js'

/** The async evaluator: an `Evaluator` that also reports worker utilisation. */
export interface AsyncEvaluator extends Evaluator {
  /**
   * Returns each worker's evaluations and busy time, and the overall share
   * of worker time spent on evaluations. It works before `setup` (empty)
   * and after `teardown` (frozen at the teardown).
   */
  stats(): AsyncEvaluatorStats
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

/**
 * One worker process that held a rank. A worker that takes the rank of a
 * lost one gets a new state, so that the stats keep both.
 */
interface WorkerState extends WorkerClock {
  /** The stage: `setting-up` until its setup reply is checked. Only `ready` workers get work. */
  status: 'setting-up' | 'ready' | 'rejected' | 'lost'
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
  /** The current worker of each rank. */
  private readonly workers = new Map<number, WorkerState>()
  /** Every worker that passed its setup, lost ones included, for the stats. */
  private readonly accepted: WorkerState[] = []
  private readonly rejected: RejectedWorker[] = []
  private readonly queue: Job[] = []
  private launched: LocalWorkers | undefined
  private expected = ''
  private startedAt = 0
  private endedAt: number | undefined
  private nextId = 0
  private tornDown = false
  private logger: Logger = silentLogger
  private readonly onLost = (event: WorkerLostEvent) => this.onWorkerLost(event)
  private readonly onJoined = (info: WorkerInfo) => this.onWorkerJoined(info)

  constructor(options: ResolvedAsyncEvaluatorOptions) {
    this.options = options
  }

  get processes(): readonly ChildProcess[] {
    return this.launched?.processes ?? []
  }

  /**
   * Starts the cluster, waits until every rank has a worker and sets each
   * one up. A worker whose data differs is rejected and gets no work. When
   * setup fails, it stops the worker processes it started.
   *
   * @throws NordError `NORD_ERR_DATA_MISMATCH` when no worker passed its setup.
   */
  async setup(context: EvaluatorContext): Promise<void> {
    const { coordinator, workers, stdio } = this.options
    this.logger = context.logger
    this.expected = datasetFingerprint(context.dataset)
    const url = await coordinator.listen()
    if (workers > 0) {
      this.launched = launchLocalWorkers(workers, url, coordinator.token, {
        script: asyncWorkerScript(),
        stdio,
      })
    }
    try {
      await this.setUpCluster(context)
    } catch (error) {
      await this.teardown()
      throw error
    }
  }

  private async setUpCluster(context: EvaluatorContext): Promise<void> {
    const { coordinator } = this.options
    await coordinator.start()
    coordinator.on('worker-lost', this.onLost)
    coordinator.on('worker-joined', this.onJoined)

    const states = coordinator.workers.map((worker) =>
      this.addWorker(worker.rank),
    )
    await Promise.all(states.map((state) => this.setUpWorker(state)))
    if (this.accepted.length === 0) throw mismatchError(this.rejected)
    this.startedAt = performance.now()
    for (const state of this.accepted) state.readyMs = this.startedAt
    context.logger.info('async evaluator ready', {
      workers: this.accepted.length,
      rejected: this.rejected.length,
    })
  }

  private addWorker(rank: number): WorkerState {
    const state: WorkerState = {
      rank,
      status: 'setting-up',
      evaluations: 0,
      cancelled: 0,
      busyMs: 0,
      jobStartedMs: undefined,
      readyMs: 0,
      lostMs: undefined,
      job: undefined,
    }
    this.workers.set(rank, state)
    return state
  }

  /**
   * Sends the setup task to a worker and checks the fingerprint of its
   * data. It marks the worker `ready`, `rejected` or `lost` and never throws.
   */
  private async setUpWorker(state: WorkerState): Promise<void> {
    const { coordinator, dataset, training } = this.options
    const task: TaskMessage = {
      nord: 'task',
      task: SETUP_TASK,
      dataset: dataset as unknown as JsonValue,
      training: training as unknown as JsonValue,
    }
    let reply: SetupReply
    try {
      await coordinator.send(state.rank, task)
      reply = (await coordinator.receive(state.rank)) as unknown as SetupReply
    } catch (error) {
      if (!this.tornDown) {
        this.logger.warn('worker lost during its setup', {
          rank: state.rank,
          error: errorText(error),
        })
      }
      this.markLost(state)
      return
    }
    if (state.status !== 'setting-up') return

    if (reply.fingerprint !== this.expected) {
      const problem = reply.error ?? `data fingerprint ${reply.fingerprint}`
      this.rejectWorker(
        state,
        `it loaded different data than the evaluator context (${problem}, expected ${this.expected})`,
      )
      return
    }
    state.status = 'ready'
    state.readyMs = performance.now()
    this.accepted.push(state)
  }

  /** Marks a worker `rejected`, logs why and sends the reason to the worker. */
  private rejectWorker(state: WorkerState, reason: string): void {
    state.status = 'rejected'
    this.rejected.push({ rank: state.rank, reason })
    this.logger.warn(
      'the async evaluator rejected a worker, which gets no evaluations',
      {
        rank: state.rank,
        reason,
      },
    )
    // A failed send means a lost worker, which the worker-lost event handles.
    void rejectWorker(this.options.coordinator, state.rank, reason)
  }

  /**
   * Sets up a worker that joined after `setup`, then gives it work.
   *
   * NOTE: a worker of `@nord/environment-ws` serves tasks only once every
   * rank is taken, so a worker that joins while another rank is still free
   * leaves its setup task unread until that rank is taken too.
   */
  private onWorkerJoined(info: WorkerInfo): void {
    if (this.tornDown) return
    this.logger.info('sending the setup task to a joined worker', {
      rank: info.rank,
      address: info.address,
    })
    const state = this.addWorker(info.rank)
    void this.setUpWorker(state).then(() => {
      if (state.status === 'ready' && this.startedAt > 0) {
        this.logger.info('joined worker passed its setup', { rank: info.rank })
      }
      this.dispatch()
    })
  }

  private onWorkerLost(event: WorkerLostEvent): void {
    const state = this.workers.get(event.rank)
    if (state) this.markLost(state)
    // A lost worker's pending receive rejects, and `run` handles its job.
    this.dispatch()
  }

  private markLost(state: WorkerState): void {
    if (state.status === 'lost') return
    state.status = 'lost'
    state.lostMs ??= performance.now()
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

  stats(): AsyncEvaluatorStats {
    if (this.startedAt === 0) {
      return computeStats([], this.rejected, 0, 0)
    }
    const end = this.endedAt ?? performance.now()
    return computeStats(this.accepted, this.rejected, this.startedAt, end)
  }

  async teardown(): Promise<void> {
    this.tornDown = true
    if (this.startedAt > 0) this.endedAt ??= performance.now()
    this.options.coordinator.off('worker-lost', this.onLost)
    this.options.coordinator.off('worker-joined', this.onJoined)
    for (const job of this.queue.splice(0)) {
      settle(job, failed('the evaluator was torn down before it ran', 0))
    }
    await this.launched?.stop()
  }

  /** Gives queued jobs to idle workers, lowest rank first. */
  private dispatch(): void {
    if (this.startedAt === 0) return
    this.failIfNoWorkers()
    const ranks = [...this.workers.keys()].sort((a, b) => a - b)
    for (const rank of ranks) {
      const worker = this.workers.get(rank)
      if (worker?.status !== 'ready' || worker.job) continue
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
    worker.jobStartedMs = started
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
        error: errorText(error),
      })
      this.markLost(worker)
      this.retry(job, worker.rank, error)
    } finally {
      worker.busyMs += performance.now() - started
      worker.jobStartedMs = undefined
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
    if (job.attempts < this.options.attempts && !this.tornDown) {
      this.queue.unshift(job)
      return
    }
    settle(
      job,
      failed(
        `worker rank ${rank} was lost and the evaluation had no attempts left (${job.attempts} of ${this.options.attempts}): ${errorText(error)}`,
        0,
        'NORD_ERR_WORKER_LOST',
      ),
    )
  }

  /**
   * Fails every queued job once no worker is ready or setting up, so none
   * waits forever. A worker that joins later still gets the jobs queued
   * after that.
   */
  private failIfNoWorkers(): void {
    const usable = [...this.workers.values()].some(
      (worker) => worker.status === 'ready' || worker.status === 'setting-up',
    )
    if (usable) return
    for (const job of this.queue.splice(0)) {
      settle(
        job,
        failed(
          'every worker of the async evaluator was lost or rejected',
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
