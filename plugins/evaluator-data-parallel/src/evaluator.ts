/**
 * The coordinator side of the data-parallel evaluator: every worker trains
 * a replica of the same network on its block of each batch, and the
 * coordinator keeps a replica without data that takes part in every
 * collective and broadcasts the initial weights.
 */
import type { ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import {
  type Dataset,
  type Evaluation,
  type EvaluationRequest,
  type Evaluator,
  type EvaluatorContext,
  failedEvaluation,
  isPlainObject,
  type JsonValue,
  type Logger,
  NordError,
  silentLogger,
} from '@nord/core'
import { datasetFingerprint } from '@nord/curators'
import {
  type LocalWorkers,
  launchLocalWorkers,
  rejectWorker,
  type TaskMessage,
  type WorkerInfo,
} from '@nord/environment-ws'
import { evaluationOfError } from '@nord/evaluator-local'
import {
  selectBackend,
  type TrainResult,
  trainAndScore,
  weightsDigest,
} from '@nord/tfjs'
import { GroupReplica, replicaTrainOptions } from './group-replica.js'
import {
  type DataParallelEvaluatorOptions,
  type ResolvedDataParallelEvaluatorOptions,
  resolveDataParallelEvaluatorOptions,
} from './options.js'
import {
  SETUP_TASK,
  type SetupReply,
  TRAIN_TASK,
  type TrainReply,
} from './protocol.js'

/** The data-parallel evaluator: an `Evaluator` with its group's history. */
export interface DataParallelEvaluator extends Evaluator {
  /** Evaluations trained, rounds restarted after a lost worker, and replacements. */
  stats(): DataParallelStats
  /** The worker processes this evaluator started, replacements included. */
  readonly processes: readonly ChildProcess[]
}

// A type alias, not an interface, so that it is assignable to JsonValue.
export type DataParallelStats = {
  /** Workers that hold a replica. */
  replicas: number
  /** `global-batch` (nord's rule) or `per-worker-batch` (Horovod's). */
  scaling: 'global-batch' | 'per-worker-batch'
  /** The global batch and the learning rate every replica applies. */
  batchSize: number
  learningRate: number
  /** Evaluations whose replicas all finished with equal weights. */
  evaluations: number
  /** Evaluations started over because a worker was lost during them. */
  restarts: number
  /** Workers that took a free rank after setup. */
  joined: number
  /** Seconds the group spent training, over the seconds since setup, in [0, 1]. */
  share: number
}

/** Returns the path of the worker script, for callers that start workers themselves. */
export function dataParallelWorkerScript(): string {
  return createRequire(import.meta.url).resolve(
    '@nord/evaluator-data-parallel/worker-main',
  )
}

/**
 * Creates the evaluator that trains each network on all workers at once.
 * Evaluations run one at a time, each on the whole group. A worker lost
 * during one fails that round with `NORD_ERR_WORKER_LOST`; the group is
 * formed again and the evaluation starts over, up to `attempts` rounds.
 *
 * @throws NordValidationError `NORD_ERR_INVALID_OPTION` for invalid options.
 */
export function createDataParallelEvaluator(
  options: DataParallelEvaluatorOptions,
): DataParallelEvaluator {
  return new DataParallelEvaluatorImpl(
    resolveDataParallelEvaluatorOptions(options),
  )
}

interface Round {
  own: TrainResult | undefined
  ownError: unknown
  replies: Map<number, TrainReply | Error>
}

class DataParallelEvaluatorImpl implements DataParallelEvaluator {
  readonly name = 'nord:evaluator-data-parallel'
  private readonly options: ResolvedDataParallelEvaluatorOptions
  private dataset: Dataset | undefined
  private fingerprint = ''
  private logger: Logger = silentLogger
  private readonly launched: LocalWorkers[] = []
  /** Ranks whose worker loaded the same data. */
  private readonly ready = new Set<number>()
  private readonly settingUp = new Map<number, Promise<void>>()
  /** Sessions of workers rejected for other data; they are leaving. */
  private readonly rejected = new Set<string>()
  /** Evaluations run one after another, each on the whole group. */
  private queue: Promise<unknown> = Promise.resolve()
  private nextId = 0
  private startedAt = 0
  private busyMs = 0
  private evaluations = 0
  private restarts = 0
  private joined = 0
  private tornDown = false
  private readonly onJoined = (worker: WorkerInfo) => {
    if (this.startedAt === 0) return
    this.joined++
    void this.setUpRank(worker).catch(() => undefined)
  }
  private readonly onLost = (event: { rank: number }) => {
    this.ready.delete(event.rank)
    this.settingUp.delete(event.rank)
  }

  constructor(options: ResolvedDataParallelEvaluatorOptions) {
    this.options = options
  }

  get processes(): readonly ChildProcess[] {
    return this.launched.flatMap((workers) => workers.processes)
  }

  async setup(context: EvaluatorContext): Promise<void> {
    const { coordinator, workers } = this.options
    this.dataset = context.dataset
    this.logger = context.logger
    this.fingerprint = datasetFingerprint(context.dataset)
    await selectBackend({ backend: this.options.training.backend })

    await coordinator.listen()
    if (workers > 0) this.launch(workers)
    coordinator.on('worker-joined', this.onJoined)
    coordinator.on('worker-lost', this.onLost)
    await coordinator.start()

    await Promise.all(
      coordinator.workers.map((worker) => this.setUpRank(worker)),
    )
    this.startedAt = performance.now()
    const { training, replicas, scaling } = this.options
    context.logger.info('data-parallel evaluator ready', {
      replicas,
      batchSize: training.batchSize,
      learningRate: training.learningRate,
      scaling,
    })
  }

  evaluate(request: EvaluationRequest): Promise<Evaluation> {
    if (this.startedAt === 0) {
      return Promise.reject(
        new Error(
          'nord:evaluator-data-parallel: setup() must run before evaluate()',
        ),
      )
    }
    const run = this.queue.then(() => this.evaluateWithRestarts(request))
    this.queue = run.catch(() => undefined)
    return run
  }

  stats(): DataParallelStats {
    const elapsed = Math.max(performance.now() - this.startedAt, 1)
    return {
      replicas: this.options.replicas,
      scaling: this.options.scaling,
      batchSize: this.options.training.batchSize,
      learningRate: this.options.training.learningRate,
      evaluations: this.evaluations,
      restarts: this.restarts,
      joined: this.joined,
      share: Math.min(this.busyMs / elapsed, 1),
    }
  }

  async teardown(): Promise<void> {
    this.tornDown = true
    const { coordinator } = this.options
    coordinator.off('worker-joined', this.onJoined)
    coordinator.off('worker-lost', this.onLost)
    await Promise.all(this.launched.map((workers) => workers.stop()))
  }

  private launch(count: number): void {
    const { coordinator, stdio } = this.options
    this.launched.push(
      launchLocalWorkers(count, coordinator.url, coordinator.token, {
        script: dataParallelWorkerScript(),
        stdio,
      }),
    )
  }

  /**
   * Sends a worker the setup task once and checks that it loaded the same
   * data. A worker with other data is rejected: it leaves and frees its rank.
   */
  private setUpRank(worker: WorkerInfo): Promise<void> {
    const { rank, session } = worker
    const pending = this.settingUp.get(rank)
    if (pending) return pending
    if (this.rejected.has(session)) {
      return Promise.reject(new Error(`worker rank ${rank} was rejected`))
    }
    const setup = this.sendSetup(rank).then(
      () => {
        this.ready.add(rank)
      },
      (error) => {
        this.settingUp.delete(rank)
        const reason = error instanceof Error ? error.message : String(error)
        this.logger.error('worker setup failed; the worker is rejected', {
          rank,
          error: reason,
        })
        this.rejected.add(session)
        void rejectWorker(this.options.coordinator, rank, reason)
        throw error
      },
    )
    this.settingUp.set(rank, setup)
    return setup
  }

  private async sendSetup(rank: number): Promise<void> {
    const { coordinator, dataset, training } = this.options
    const task: TaskMessage = {
      nord: 'task',
      task: SETUP_TASK,
      dataset: dataset as unknown as JsonValue,
      training: training as unknown as JsonValue,
    }
    await coordinator.send(rank, task)
    const reply = (await coordinator.receive(rank)) as unknown as SetupReply
    if (reply.fingerprint === this.fingerprint) return
    const problem = reply.error ?? `fingerprint ${reply.fingerprint}`
    throw new NordError(
      'NORD_ERR_DATA_MISMATCH',
      `worker rank ${rank} loaded different data than the evaluator context (${problem})`,
      {
        value: reply.fingerprint,
        hint: 'Give the data-parallel evaluator the same dataset options and seed as the curator of the search',
      },
    )
  }

  private async evaluateWithRestarts(
    request: EvaluationRequest,
  ): Promise<Evaluation> {
    const started = performance.now()
    for (let attempt = 1; ; attempt++) {
      const waited = await this.formGroup()
      if (waited) {
        return failedEvaluation(
          waited,
          'NORD_ERR_WORKER_LOST',
          seconds(started),
        )
      }
      if (request.signal?.aborted) {
        const reason = `aborted: ${reasonOf(request.signal.reason)}`
        return failedEvaluation(reason, 'NORD_ERR_ABORTED', 0)
      }

      const roundStarted = performance.now()
      const round = await this.runRound(request)
      this.busyMs += performance.now() - roundStarted
      const evaluation = this.judge(round, seconds(started))

      const lost = evaluation.code === 'NORD_ERR_WORKER_LOST'
      if (!lost || attempt >= this.options.attempts || this.tornDown) {
        if (evaluation.status === 'ok') this.evaluations++
        return evaluation
      }
      this.restarts++
      this.logger.warn('a worker was lost; the evaluation starts over', {
        candidate: request.candidate.id,
        attempt,
        reason: evaluation.reason,
      })
    }
  }

  /**
   * Waits until every rank has a worker that loaded the data, replacing
   * lost workers that `setup` started. Returns why it gave up, or undefined.
   */
  private async formGroup(): Promise<string | undefined> {
    const { coordinator, replicas, rejoinTimeout } = this.options
    const deadline = performance.now() + rejoinTimeout * 1000
    while (!this.complete()) {
      if (performance.now() >= deadline || this.tornDown) {
        const free = rangeFrom(1, replicas).filter(
          (rank) => !this.ready.has(rank),
        )
        return (
          `rank(s) ${free.join(', ')} had no worker with the same data after ` +
          `${rejoinTimeout} s; start a worker with nord worker --connect ${coordinator.url}`
        )
      }
      this.replaceExitedWorkers()
      await Promise.all(
        coordinator.workers.map((worker) =>
          this.setUpRank(worker).catch(() => undefined),
        ),
      )
      if (!this.complete()) await sleep(100)
    }
    return undefined
  }

  /** Starts a new worker process for each one that `setup` started and that exited. */
  private replaceExitedWorkers(): void {
    const running = this.processes.filter(
      (child) => child.exitCode === null && child.signalCode === null,
    ).length
    const missing = this.options.workers - running
    if (missing <= 0 || this.tornDown) return
    this.logger.info('starting workers in place of lost ones', { missing })
    this.launch(missing)
  }

  /** True when every rank has a connected worker that loaded the data. */
  private complete(): boolean {
    const { coordinator, replicas } = this.options
    const connected = new Set(coordinator.workers.map((worker) => worker.rank))
    return rangeFrom(1, replicas).every(
      (rank) => connected.has(rank) && this.ready.has(rank),
    )
  }

  /** Trains one network on every replica at once and collects the workers' replies. */
  private async runRound(request: EvaluationRequest): Promise<Round> {
    const { coordinator, replicas, training } = this.options
    const id = this.nextId++
    const task: TaskMessage = {
      nord: 'task',
      task: TRAIN_TASK,
      id,
      descriptor: request.descriptor as unknown as JsonValue,
      seed: request.seed,
      training: training as unknown as JsonValue,
    }
    const ranks = rangeFrom(1, replicas)
    const sent = await Promise.allSettled(
      ranks.map((rank) => coordinator.send(rank, task)),
    )
    const replies = new Map<number, TrainReply | Error>()
    const waits = ranks.map(async (rank, i) => {
      const delivery = sent[i]!
      try {
        if (delivery.status === 'rejected') throw delivery.reason
        replies.set(rank, await this.receiveReply(rank, id))
      } catch (error) {
        replies.set(rank, toError(error))
      }
    })

    const replica = new GroupReplica(coordinator, null, request.signal)
    const round: Round = { own: undefined, ownError: undefined, replies }
    try {
      round.own = await trainAndScore(
        request.descriptor,
        this.dataset!,
        replicaTrainOptions(training, request.seed, replica),
      )
    } catch (error) {
      round.ownError = error
      if (!replica.stopped) await replica.fail()
    }
    await Promise.all(waits)
    return round
  }

  /** Waits for the reply with `id`; other messages from the worker are dropped. */
  private async receiveReply(rank: number, id: number): Promise<TrainReply> {
    for (;;) {
      const message = await this.options.coordinator.receive(rank)
      if (isPlainObject(message) && message.id === id) {
        return message as unknown as TrainReply
      }
    }
  }

  /** Turns a round into an evaluation: its own result when every replica agrees. */
  private judge(round: Round, elapsed: number): Evaluation {
    const byRank = [...round.replies].sort(([a], [b]) => a - b)
    const lost = byRank.filter(([, reply]) => reply instanceof Error)
    if (lost.length > 0) {
      const [rank, error] = lost[0]!
      return failedEvaluation(
        `worker rank ${rank} was lost during training: ${(error as Error).message}`,
        'NORD_ERR_WORKER_LOST',
        elapsed,
      )
    }

    const replies = byRank as [number, TrainReply][]
    const workerError = replies.find(([, reply]) => reply.error !== null)
    if (workerError) {
      const [rank, reply] = workerError
      const error = new NordError(
        reply.error!.code ?? 'NORD_ERR_TRAINING',
        `worker rank ${rank}: ${reply.error!.message}`,
      )
      return evaluationOfError(error, elapsed)
    }
    if (round.ownError !== undefined) {
      return evaluationOfError(round.ownError, elapsed)
    }

    const own = round.own!
    const digest = weightsDigest(own.weights!)
    const differing = replies.filter(([, reply]) => reply.digest !== digest)
    if (differing.length > 0) {
      return failedEvaluation(
        `the replicas of rank(s) ${differing.map(([rank]) => rank).join(', ')} ended with other weights than the coordinator's`,
        'NORD_ERR_REPLICA',
        elapsed,
      )
    }
    return {
      status: 'ok',
      fitness: own.accuracy,
      accuracy: own.accuracy,
      loss: own.loss,
      parameters: own.parameters,
      flops: own.flops,
      seconds: elapsed,
      backend: own.backend,
      extra: {
        replicas: replies.length,
        workers: replies.map(([rank]) => rank),
        weightsDigest: digest,
        epochLosses: own.epochLosses,
        trainingSeconds: own.trainingSeconds,
        trainedSamples: own.trainedSamples,
        batchSize: this.options.training.batchSize,
        learningRate: this.options.training.learningRate,
        scaling: this.options.scaling,
      },
    }
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

function reasonOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted')
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000
}

function rangeFrom(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
