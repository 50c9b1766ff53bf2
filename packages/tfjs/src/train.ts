import {
  createRandom,
  type DataSplit,
  type Dataset,
  type DescriptorJSON,
  IssueList,
  type MaybePromise,
  type Random,
} from '@nord/core'
import * as tf from '@tensorflow/tfjs-core'
import type { LayersModel } from '@tensorflow/tfjs-layers'
import { ensureBackend } from './backend.js'
import {
  type BuiltNetwork,
  buildNetwork,
  countTrainableParameters,
} from './build-model.js'
import {
  checkDataset,
  gatherBatch,
  type SplitName,
  sliceBatch,
} from './dataset.js'
import { NordAbortError, NordNonFiniteError } from './errors.js'
import {
  abandonHeapIfBroken,
  CallbackFailure,
  disposeOnThrow,
  disposeQuietly,
  throwIfBackendBroken,
  toTrainingError,
} from './failures.js'
import { estimateTrainingMemory } from './memory.js'
import {
  checkMemory,
  isMemoryLimit,
  resolveMemoryLimit,
} from './memory-limit.js'
import {
  assignWeights,
  flattenWeights,
  type Replica,
  replicaSlice,
} from './replica.js'

/** The optimizers `trainAndScore` can use, with TensorFlow.js defaults besides the learning rate. */
export type OptimizerName = 'adam' | 'sgd' | 'rmsprop' | 'adagrad'

export const OPTIMIZER_NAMES: readonly OptimizerName[] = [
  'adam',
  'sgd',
  'rmsprop',
  'adagrad',
]

/** The losses and scores of one epoch, passed to `onEpochEnd`. */
export interface EpochLogs {
  /** The epoch just finished, counted from 1. */
  epoch: number
  /** Mean training cross-entropy over the epoch's samples. */
  loss: number
  /** Accuracy on `dataset.validation`, when `validation` is on. */
  validationAccuracy?: number
  /** Mean cross-entropy on `dataset.validation`, when `validation` is on. */
  validationLoss?: number
}

export interface TrainOptions {
  /** Seeds the initial weights, the batch order and the dropout masks. */
  seed: number
  /** Passes over `dataset.train`. Default 1. */
  epochs?: number
  /** Samples per optimizer step; the last batch of an epoch may be smaller. Default 32, as in Keras. */
  batchSize?: number
  /** Default `adam`. */
  optimizer?: OptimizerName
  /** Default 0.001. */
  learningRate?: number
  /** Score `dataset.validation` after every epoch. Default false. */
  validation?: boolean
  /**
   * Samples per forward pass while scoring, which bounds the memory that
   * scoring needs. Default 256.
   */
  scoreBatchSize?: number
  /**
   * The bytes that the memory estimate of a network may reach, or `Infinity`
   * to turn the check off. A network above it is rejected with
   * `NORD_ERR_RESOURCE` before any tensor exists. Default 2 GiB on `wasm`
   * and half of the machine's memory on other backends. The environment
   * variable `NORD_MEMORY_LIMIT`, when set, takes precedence.
   */
  memoryLimit?: number
  /** Stops training between two batches; the call then rejects with `NORD_ERR_ABORTED`. */
  signal?: AbortSignal
  /**
   * Trains as one replica of several (data-parallel). The replicas start
   * from the root's weights. Every replica has the whole `dataset.train`
   * and takes its block of every batch of `batchSize` samples (the global
   * batch). The summed gradient, divided by the batch's size, updates every
   * replica alike. So N replicas
   * follow single-process training with the same `batchSize` and seed, up
   * to float rounding. `dataset.test` and `dataset.validation` are this
   * replica's shards; their scores are summed over the replicas. Dropout
   * masks are drawn per replica.
   */
  replica?: Replica
  /** Return the trained weights in `weights`. Default false. */
  keepWeights?: boolean
  /** Called after every epoch; training waits for a returned promise. */
  onEpochEnd?: (logs: EpochLogs) => MaybePromise<void>
}

/** `TrainOptions` with every default applied. */
export interface ResolvedTrainOptions {
  seed: number
  epochs: number
  batchSize: number
  optimizer: OptimizerName
  learningRate: number
  validation: boolean
  scoreBatchSize: number
  /** Undefined until the backend is known: `trainAndScore` then applies its default. */
  memoryLimit: number | undefined
  signal: AbortSignal | undefined
  onEpochEnd: ((logs: EpochLogs) => MaybePromise<void>) | undefined
  replica: Replica | undefined
  keepWeights: boolean
}

/** The outcome of `trainAndScore`. */
export interface TrainResult {
  /** Accuracy on `dataset.test`, in [0, 1]. */
  accuracy: number
  /** Mean cross-entropy on `dataset.test`. */
  loss: number
  /** Trainable parameters of the built model, head included. */
  parameters: number
  /** Forward FLOPs for one sample, head included, from core's `summarizeNetwork`. */
  flops: number
  /** Seconds from building the model to the end of scoring. */
  seconds: number
  /** Seconds spent in training steps alone. */
  trainingSeconds: number
  /** Samples trained on, over all epochs. */
  trainedSamples: number
  /** The TensorFlow.js backend that ran it, such as `wasm`. */
  backend: string
  /** Mean training cross-entropy of each epoch. */
  epochLosses: number[]
  /** Per-epoch scores on `dataset.validation`, when `validation` is on. */
  validation?: { accuracy: number[]; loss: number[] }
  /** Every weight after training, in `model.weights` order, when `keepWeights` is on. */
  weights?: Float32Array
}

const DEFAULTS = {
  epochs: 1,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: 0.001,
  validation: false,
  scoreBatchSize: 256,
} as const

/**
 * Builds a descriptor, trains it on `dataset.train` and scores it on
 * `dataset.test`. Batches are drawn in a seeded order. Every tensor it
 * creates is freed before it returns or throws.
 *
 * @throws NordValidationError for invalid options, dataset or descriptor,
 *   before any tensor exists.
 * @throws NordNonFiniteError (`NORD_ERR_NON_FINITE`) when a loss or score
 *   turns NaN or infinite.
 * @throws NordAbortError (`NORD_ERR_ABORTED`) when `signal` fires.
 * @throws NordResourceError (`NORD_ERR_RESOURCE`) when the memory estimate
 *   exceeds `memoryLimit`, before any tensor exists.
 * @throws NordTrainingError (`NORD_ERR_TRAINING`) for any other failure,
 *   such as a kernel out of memory, with the original error as `cause`.
 * @throws NordBackendError (`NORD_ERR_BACKEND`) when an earlier failure broke
 *   the wasm heap and resetting the backend failed.
 */
export async function trainAndScore(
  descriptor: DescriptorJSON,
  dataset: Dataset,
  options: TrainOptions,
): Promise<TrainResult> {
  const resolved = resolveTrainOptions(options)
  const splits: SplitName[] = resolved.validation
    ? ['train', 'validation', 'test']
    : ['train', 'test']
  checkDataset(dataset, splits)
  throwIfAborted(resolved.signal)

  const backend = await ensureBackend()
  throwIfBackendBroken(backend)
  checkMemory(
    estimateTrainingMemory(descriptor, {
      inputShape: dataset.inputShape,
      classes: dataset.classes,
      batchSize: resolved.batchSize,
      scoreBatchSize: resolved.scoreBatchSize,
      optimizer: resolved.optimizer,
    }),
    resolveMemoryLimit(resolved.memoryLimit, backend),
    backend,
  )

  try {
    return await train(descriptor, dataset, resolved, backend)
  } catch (error) {
    throw await toTrainingError(error, backend)
  }
}

async function train(
  descriptor: DescriptorJSON,
  dataset: Dataset,
  resolved: ResolvedTrainOptions,
  backend: string,
): Promise<TrainResult> {
  const started = performance.now()
  const network = disposeOnThrow(() =>
    buildNetwork(descriptor, {
      inputShape: dataset.inputShape,
      classes: dataset.classes,
      seed: resolved.seed,
    }),
  )

  let optimizer: tf.Optimizer | undefined
  try {
    if (resolved.replica) {
      const shared = await resolved.replica.shareWeights(
        flattenWeights(network.model),
      )
      assignWeights(network.model, shared, tf.tensor)
    }
    optimizer = disposeOnThrow(() =>
      createOptimizer(resolved.optimizer, resolved.learningRate),
    )
    const trainer = new Trainer(network, dataset, resolved, optimizer)
    const training = await trainer.run()
    const test = await scoreSplit(
      network.logits,
      dataset,
      dataset.test,
      resolved,
    )
    checkFinite(test.loss, { metric: 'testLoss', epoch: 0 })

    const result: TrainResult = {
      accuracy: test.accuracy,
      loss: test.loss,
      parameters: countTrainableParameters(network.model),
      flops: network.summary.flops,
      seconds: (performance.now() - started) / 1000,
      trainingSeconds: training.seconds,
      trainedSamples: training.samples,
      backend,
      epochLosses: training.losses,
    }
    if (training.validation) result.validation = training.validation
    if (resolved.keepWeights) result.weights = flattenWeights(network.model)
    return result
  } catch (error) {
    abandonHeapIfBroken(error)
    throw error
  } finally {
    // Disposing on a broken wasm heap can throw, which must not hide the
    // error that broke it.
    disposeQuietly([optimizer ?? { dispose() {} }, network.model])
  }
}

/**
 * Applies the defaults to training options and checks them, reporting every
 * problem at once.
 *
 * @throws NordValidationError with code `NORD_ERR_INVALID_OPTION`.
 */
export function resolveTrainOptions(
  options: TrainOptions,
): ResolvedTrainOptions {
  const resolved: ResolvedTrainOptions = {
    seed: options.seed,
    epochs: options.epochs ?? DEFAULTS.epochs,
    batchSize: options.batchSize ?? DEFAULTS.batchSize,
    optimizer: options.optimizer ?? DEFAULTS.optimizer,
    learningRate: options.learningRate ?? DEFAULTS.learningRate,
    validation: options.validation ?? DEFAULTS.validation,
    scoreBatchSize: options.scoreBatchSize ?? DEFAULTS.scoreBatchSize,
    memoryLimit: options.memoryLimit,
    signal: options.signal,
    onEpochEnd: options.onEpochEnd,
    replica: options.replica,
    keepWeights: options.keepWeights ?? false,
  }

  const issues = new IssueList()
  if (!Number.isSafeInteger(resolved.seed)) {
    issues.add('seed', `must be a safe integer, got ${resolved.seed}`)
  }
  for (const key of ['epochs', 'batchSize', 'scoreBatchSize'] as const) {
    const value = resolved[key]
    if (!Number.isInteger(value) || value < 1) {
      issues.add(key, `must be a positive integer, got ${value}`)
    }
  }
  if (!OPTIMIZER_NAMES.includes(resolved.optimizer)) {
    issues.add(
      'optimizer',
      `must be one of ${OPTIMIZER_NAMES.join(', ')}, got ${JSON.stringify(resolved.optimizer)}`,
    )
  }
  const rate = resolved.learningRate
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
    issues.add('learningRate', `must be a positive finite number, got ${rate}`)
  }
  if (
    resolved.memoryLimit !== undefined &&
    !isMemoryLimit(resolved.memoryLimit)
  ) {
    issues.add(
      'memoryLimit',
      `must be a positive integer of bytes or Infinity, got ${resolved.memoryLimit}`,
    )
  }
  if (typeof resolved.validation !== 'boolean') {
    issues.add('validation', `must be a boolean, got ${resolved.validation}`)
  }
  if (
    resolved.signal !== undefined &&
    !(resolved.signal instanceof AbortSignal)
  ) {
    issues.add('signal', 'must be an AbortSignal')
  }
  if (
    resolved.onEpochEnd !== undefined &&
    typeof resolved.onEpochEnd !== 'function'
  ) {
    issues.add('onEpochEnd', 'must be a function')
  }
  checkReplica(issues, resolved.replica)
  issues.throwIfAny('the training options')
  return resolved
}

function checkReplica(issues: IssueList, replica: Replica | undefined): void {
  if (replica === undefined) return
  if (
    typeof replica?.sum !== 'function' ||
    typeof replica.shareWeights !== 'function'
  ) {
    issues.add('replica', 'must have the methods sum and shareWeights')
  }
  const block = replica?.block
  if (block === null) return
  const { index, count } = block ?? {}
  if (
    !Number.isInteger(count) ||
    count! < 1 ||
    !Number.isInteger(index) ||
    index! < 0 ||
    index! >= count!
  ) {
    issues.add(
      'replica.block',
      `must be null or { index, count } with 0 <= index < count, got ${JSON.stringify(block)}`,
    )
  }
}

function createOptimizer(
  name: OptimizerName,
  learningRate: number,
): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate)
    case 'sgd':
      return tf.train.sgd(learningRate)
    case 'rmsprop':
      return tf.train.rmsprop(learningRate)
    case 'adagrad':
      return tf.train.adagrad(learningRate)
  }
}

interface TrainingOutcome {
  losses: number[]
  seconds: number
  samples: number
  validation?: { accuracy: number[]; loss: number[] }
}

/** The epoch loop: seeded batch order, finiteness checks and abort points. */
class Trainer {
  private readonly order: Random
  private readonly variables: tf.Variable[]
  private readonly outcome: TrainingOutcome = {
    losses: [],
    seconds: 0,
    samples: 0,
  }

  constructor(
    private readonly network: BuiltNetwork,
    private readonly dataset: Dataset,
    private readonly options: ResolvedTrainOptions,
    private readonly optimizer: tf.Optimizer,
  ) {
    this.order = createRandom(options.seed).derive('batches')
    this.variables = network.model.trainableWeights.map(
      (weight) => weight.read() as tf.Variable,
    )
  }

  async run(): Promise<TrainingOutcome> {
    if (this.options.validation) {
      this.outcome.validation = { accuracy: [], loss: [] }
    }

    for (let epoch = 1; epoch <= this.options.epochs; epoch++) {
      const loss = await this.trainEpoch(epoch)
      this.outcome.losses.push(loss)
      const logs: EpochLogs = { epoch, loss }

      if (this.outcome.validation) {
        const split = this.dataset.validation!
        const score = await scoreSplit(
          this.network.logits,
          this.dataset,
          split,
          this.options,
        )
        checkFinite(score.loss, { metric: 'validationLoss', epoch })
        this.outcome.validation.accuracy.push(score.accuracy)
        this.outcome.validation.loss.push(score.loss)
        logs.validationAccuracy = score.accuracy
        logs.validationLoss = score.loss
      }
      try {
        await this.options.onEpochEnd?.(logs)
      } catch (error) {
        throw new CallbackFailure(error)
      }
    }
    return this.outcome
  }

  /** Trains one epoch and returns its mean loss. */
  private async trainEpoch(epoch: number): Promise<number> {
    const split = this.dataset.train
    const indices = this.order.shuffle(range(split.count))
    const { batchSize } = this.options
    let lossSum = 0

    for (let start = 0; start < split.count; start += batchSize) {
      throwIfAborted(this.options.signal)
      const batch = indices.slice(start, start + batchSize)

      const stepStarted = performance.now()
      const loss = this.options.replica
        ? await this.replicaStep(split, batch, this.options.replica)
        : await this.trainStep(split, batch)
      this.outcome.seconds += (performance.now() - stepStarted) / 1000
      this.outcome.samples += batch.length

      const batchNumber = start / batchSize + 1
      checkFinite(loss, { metric: 'loss', epoch, batch: batchNumber })
      lossSum += loss * batch.length
      await yieldToEventLoop()
    }
    return lossSum / split.count
  }

  private async trainStep(split: DataSplit, batch: number[]): Promise<number> {
    const { inputShape, classes } = this.dataset
    const cost = disposeOnThrow(() =>
      tf.tidy(() => {
        const { x, y } = gatherBatch(split, batch, inputShape, classes)
        const loss = () => {
          const logits = this.network.logits.apply(x, { training: true })
          return tf.losses.softmaxCrossEntropy(
            y,
            logits as tf.Tensor,
          ) as tf.Scalar
        }
        return this.optimizer.minimize(loss, true, this.variables)!
      }),
    )

    try {
      return (await cost.data())[0]!
    } finally {
      cost.dispose()
    }
  }

  /**
   * One data-parallel step: the gradient of the summed loss over this
   * replica's block of the batch, summed over the replicas and divided by
   * the batch's size, is the gradient of the batch's mean loss. Returns
   * that mean loss, the same on every replica.
   */
  private async replicaStep(
    split: DataSplit,
    batch: number[],
    replica: Replica,
  ): Promise<number> {
    const local = replicaSlice(batch, replica)
    const parameters = this.variables.reduce((sum, v) => sum + v.size, 0)
    // The gradients, then the loss sum and the sample count.
    const buffer = new Float32Array(parameters + 2)
    if (local.length > 0) await this.localGradients(split, local, buffer)
    buffer[parameters + 1] = local.length

    const reduced = await replica.sum(buffer)
    const count = reduced[parameters + 1]!
    disposeOnThrow(() =>
      tf.tidy(() => {
        const gradients: tf.NamedTensorMap = {}
        let offset = 0
        for (const variable of this.variables) {
          const values = reduced.subarray(offset, offset + variable.size)
          gradients[variable.name] = tf.div(
            tf.tensor(values, variable.shape),
            count,
          )
          offset += variable.size
        }
        this.optimizer.applyGradients(gradients)
      }),
    )
    return reduced[parameters]! / count
  }

  /** Writes the gradients of the summed loss over `local`, then that sum, into `buffer`. */
  private async localGradients(
    split: DataSplit,
    local: number[],
    buffer: Float32Array,
  ): Promise<void> {
    const { inputShape, classes } = this.dataset
    const { value, grads } = disposeOnThrow(() =>
      tf.tidy(() => {
        const { x, y } = gatherBatch(split, local, inputShape, classes)
        return tf.variableGrads(() => {
          const logits = this.network.logits.apply(x, { training: true })
          return tf.losses.softmaxCrossEntropy(
            y,
            logits as tf.Tensor,
            undefined,
            undefined,
            tf.Reduction.SUM,
          ) as tf.Scalar
        }, this.variables)
      }),
    )

    try {
      let offset = 0
      for (const variable of this.variables) {
        const gradient = grads[variable.name]!
        buffer.set(await gradient.data<'float32'>(), offset)
        offset += variable.size
      }
      buffer[offset] = (await value.data())[0]!
    } finally {
      value.dispose()
      for (const gradient of Object.values(grads)) gradient.dispose()
    }
  }
}

/**
 * Accuracy and mean cross-entropy of a split, in batches of
 * `scoreBatchSize`. With a replica, the split is this replica's shard and
 * the totals are summed over the replicas.
 */
async function scoreSplit(
  logitsModel: LayersModel,
  dataset: Dataset,
  split: DataSplit,
  options: ResolvedTrainOptions,
): Promise<{ accuracy: number; loss: number }> {
  let lossSum = 0
  let correct = 0
  const { replica } = options
  const count = replica?.block === null ? 0 : split.count

  for (let start = 0; start < count; start += options.scoreBatchSize) {
    throwIfAborted(options.signal)
    const end = Math.min(start + options.scoreBatchSize, split.count)
    const totals = disposeOnThrow(() =>
      tf.tidy(() => {
        const { x, y, labels } = sliceBatch(
          split,
          start,
          end,
          dataset.inputShape,
          dataset.classes,
        )
        const logits = logitsModel.apply(x, { training: false }) as tf.Tensor
        const loss = tf.losses.softmaxCrossEntropy(
          y,
          logits,
          undefined,
          undefined,
          tf.Reduction.SUM,
        )
        const hits = tf.sum(
          tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'),
        )
        return tf.stack([loss, hits])
      }),
    )

    try {
      const [loss, hits] = await totals.data()
      lossSum += loss!
      correct += hits!
    } finally {
      totals.dispose()
    }
    await yieldToEventLoop()
  }
  if (!replica) {
    return { accuracy: correct / count, loss: lossSum / count }
  }
  const totals = await replica.sum(Float32Array.of(lossSum, correct, count))
  return { accuracy: totals[1]! / totals[2]!, loss: totals[0]! / totals[2]! }
}

function checkFinite(
  value: number,
  site: ConstructorParameters<typeof NordNonFiniteError>[1],
): void {
  if (!Number.isFinite(value)) throw new NordNonFiniteError(value, site)
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new NordAbortError(signal.reason)
}

/** Lets timers and abort handlers run between two synchronous training steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index)
}
