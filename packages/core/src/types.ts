/**
 * The contracts of nord: every interface that optimizers, evaluators,
 * environments, curators and tools share. This module has no runtime code,
 * so plugins can import it as types alone.
 */

/** A value that a hook may return directly or as a promise. */
export type MaybePromise<T> = T | Promise<T>

/** Any value that survives `JSON.stringify` and `JSON.parse` unchanged. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue }

// ---------------------------------------------------------------------------
// Descriptors

/** The way a layer with several inputs combines them after aligning their shapes. */
export type MergeMode = 'sum' | 'concat'

/** Padding of a convolution or pooling window, with the Keras meaning. */
export type Padding = 'valid' | 'same'

/** One layer of a descriptor, as it appears in descriptor JSON. */
export interface LayerSpec {
  /** Unique within the descriptor; connections refer to layers by it. */
  name: string
  /** A layer type in Keras / TensorFlow.js camelCase, such as `conv2d`. */
  type: string
  /** The layer's parameters with Keras names, such as `filters`. */
  params: Record<string, JsonValue>
  /** The merge of several inputs, `sum` when absent. */
  merge?: MergeMode
}

/** A network as data: the descriptor JSON format. */
export interface DescriptorJSON {
  layers: LayerSpec[]
  /** Directed edges `[from, to]` between layer names. */
  connections: [string, string][]
  /** The layer that receives the network input; the first layer if absent. */
  input?: string
  /** The layer whose output feeds the head; the last layer if absent. */
  output?: string
}

/** A tensor shape without the batch dimension: `[height, width, channels]` or `[features]`. */
export type Shape = number[]

/** The shape, size and cost of one layer, as shape inference reports it. */
export interface LayerSummary {
  name: string
  type: string
  inputs: string[]
  outputShape: Shape
  /** Trainable parameters. */
  parameters: number
  /** Floating-point operations of one forward pass for one sample (a multiply-add counts 2). */
  flops: number
  /** True for layers the builder appends (the classification head). */
  head?: boolean
}

/** The result of shape inference over a whole network, head included. */
export interface NetworkSummary {
  inputShape: Shape
  classes: number
  layers: LayerSummary[]
  parameters: number
  flops: number
}

// ---------------------------------------------------------------------------
// Search spaces and candidates

/** A genotype of integer genes; optimizers treat it as a value and never share it. */
export type Genotype = number[]

/** One integer gene with inclusive bounds. */
export interface IntegerGene {
  name: string
  min: number
  max: number
}

/** Turns genotypes into descriptors. */
export interface SearchSpace {
  /** A stable name recorded in the run configuration, such as `conv-net-size`. */
  readonly name: string
  readonly genes: readonly IntegerGene[]
  /** Builds the descriptor of a genotype; it may be invalid for the data's input shape. */
  decode(genotype: Genotype): DescriptorJSON
  /** The options that rebuild this space, recorded in the run configuration. */
  readonly options: Record<string, JsonValue>
}

/** A genotype proposed by an optimizer, with its place in the search. */
export interface Candidate {
  /** Unique in the run, such as `g3-7` (generation 3, individual 7). */
  id: string
  genotype: Genotype
  /** The generation, for generational methods. */
  generation?: number
  /** Ids of the candidates it was bred from. */
  parents?: string[]
}

// ---------------------------------------------------------------------------
// Evaluations

/**
 * `ok`: trained and scored. `invalid`: the descriptor cannot be built (for
 * example a kernel larger than its input). `failed`: it was built but training
 * or scoring failed (non-finite loss, an exception, a timeout).
 */
export type EvaluationStatus = 'ok' | 'invalid' | 'failed'

/** The result of evaluating one descriptor. */
export interface Evaluation {
  status: EvaluationStatus
  /**
   * The value the optimizer maximises, always finite: the test accuracy for
   * `ok`, and `FAILED_FITNESS` (0) for `invalid` and `failed`.
   */
  fitness: number
  /** Test accuracy in [0, 1], or null when not scored. */
  accuracy: number | null
  /** Test loss (mean cross-entropy), or null when not scored. */
  loss: number | null
  /** Trainable parameters, head included, or null when unknown. */
  parameters: number | null
  /** Forward FLOPs for one sample, head included, or null when unknown. */
  flops: number | null
  /** Seconds spent training and scoring. */
  seconds: number
  /** The TensorFlow.js backend that ran it, such as `wasm`. */
  backend?: string
  /** The reason the status is not `ok`. */
  reason?: string
  /** The `NORD_ERR_*` code behind a non-`ok` status, when there is one. */
  code?: string
  /** Extra numbers an evaluator reports, such as the training loss per epoch. */
  extra?: Record<string, JsonValue>
}

/** One evaluation as an optimizer receives it. */
export interface Result {
  candidate: Candidate
  evaluation: Evaluation
}

// ---------------------------------------------------------------------------
// Plugins' contracts

/** A design method behind the ask/tell interface. */
export interface Optimizer {
  /** A namespaced name that logs and errors use, such as `nord:optimizer-ga`. */
  readonly name: string
  readonly version: string
  /**
   * Generational methods wait for a whole batch. Steady-state ones take
   * results one by one: the search loop tells each result as it arrives
   * and then asks for one more candidate, while other candidates are still
   * being evaluated.
   */
  readonly mode: 'generational' | 'steady-state'
  /** Proposes up to `n` candidates (a generational method proposes its next generation). */
  ask(n?: number): MaybePromise<Candidate[]>
  /** Receives evaluations of candidates it proposed. */
  tell(results: Result[]): MaybePromise<void>
  /** True when the method has nothing more to propose within its own limits. */
  done?(): boolean
  /**
   * A JSON state from which `restore` recreates the same future behaviour.
   * A steady-state optimizer's state includes the candidates it proposed
   * and has no results for yet: a resumed search evaluates those and tells
   * their results without asking for them again.
   */
  state(): JsonValue
  restore(state: JsonValue): void
}

/** The levelled logger that every part receives instead of printing. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/** One split of a classification dataset, images in NHWC order. */
export interface DataSplit {
  /** `count * height * width * channels` values, normalised by the curator. */
  images: Float32Array
  /** Class indices in `[0, classes)`. */
  labels: Uint8Array
  count: number
}

/** A classification dataset ready for training. */
export interface Dataset {
  name: string
  /** `[height, width, channels]`. */
  inputShape: [number, number, number]
  classes: number
  /** Class names, when the file format or the curator provides them. */
  classNames?: string[]
  train: DataSplit
  validation?: DataSplit
  test: DataSplit
  /** The origin of the data, recorded in the run configuration. */
  source: Record<string, JsonValue>
}

/** Loads a dataset and gives each rank its shard. */
export interface Curator {
  readonly name: string
  load(): Promise<Dataset>
  /** The part of a split that `rank` of `worldSize` trains on: disjoint and covering. */
  shard(split: DataSplit, rank: number, worldSize: number): DataSplit
}

/** Element-wise reductions of the all-reduce collective. */
export type ReduceOp = 'sum' | 'mean'

/** The distributed setting: a world of ranks with messages and collectives. */
export interface Environment {
  readonly name: string
  readonly rank: number
  readonly worldSize: number
  readonly role: 'local' | 'coordinator' | 'worker'
  start(): Promise<void>
  stop(): Promise<void>
  send(to: number, message: JsonValue | Uint8Array): Promise<void>
  receive(from: number): Promise<JsonValue | Uint8Array>
  broadcast<T extends JsonValue | Float32Array>(
    value: T,
    root?: number,
  ): Promise<T>
  gather<T extends JsonValue>(value: T, root?: number): Promise<T[] | undefined>
  barrier(): Promise<void>
  allReduce(buffer: Float32Array, op?: ReduceOp): Promise<Float32Array>
  readonly logger: Logger
}

/** The request an evaluator receives for one candidate. */
export interface EvaluationRequest {
  candidate: Candidate
  descriptor: DescriptorJSON
  /** The seed of this candidate's own random stream (weights, batches). */
  seed: number
  /** Aborted when the search stops or the evaluation times out. */
  signal?: AbortSignal
}

/** Everything an evaluator may use, given once before the first evaluation. */
export interface EvaluatorContext {
  dataset: Dataset
  curator: Curator
  environment: Environment
  logger: Logger
}

/** Turns descriptors into evaluations. */
export interface Evaluator {
  readonly name: string
  setup?(context: EvaluatorContext): MaybePromise<void>
  evaluate(request: EvaluationRequest): Promise<Evaluation>
  teardown?(): MaybePromise<void>
  /**
   * Statistics about the evaluations so far, such as each worker's
   * utilisation, as JSON. The search loop calls it synchronously each time
   * it writes `summary.json` (at the start, after every tell and at the end,
   * so also before `setup` and after `teardown`) and stores the value under
   * `evaluator`. A call that throws is logged and left out of that summary;
   * it never fails the search.
   */
  stats?(): JsonValue
}

/** The kinds of plugin that nord loads. */
export type PluginKind = 'optimizer' | 'evaluator' | 'environment' | 'curator'

/** The context a plugin factory receives besides its own options. */
export interface PluginContext {
  space: SearchSpace
  /** The seed of the plugin's own random stream, derived from the run seed. */
  seed: number
  logger: Logger
}

/** The default export of a plugin package. */
export interface NordPlugin<
  K extends PluginKind = PluginKind,
  T = unknown,
  O = Record<string, unknown>,
> {
  kind: K
  /** A namespaced name such as `nord:optimizer-ga`. */
  name: string
  /** The `@nord/core` versions it supports, as a semver range such as `^0.1.0`. */
  core: string
  create(options: O, context: PluginContext): MaybePromise<T>
}

// ---------------------------------------------------------------------------
// The journal

/** The reason a run ended. */
export type RunEndReason = 'completed' | 'interrupted' | 'failed'

/** One line of `journal.jsonl`. Every event carries its ISO time. */
export type JournalEvent =
  | {
      type: 'run-start'
      time: string
      seed: number
      config: Record<string, JsonValue>
      nord: string
    }
  | {
      type: 'ask'
      time: string
      generation?: number
      candidates: Candidate[]
    }
  | {
      type: 'evaluation'
      time: string
      candidate: Candidate
      /** The canonical hash of the decoded descriptor. */
      hash: string
      evaluation: Evaluation
      /** Set when the result was reused from an earlier evaluation. */
      cacheHit?: { of: string }
    }
  | {
      type: 'tell'
      time: string
      candidateIds: string[]
      best: { candidateId: string; fitness: number } | null
      /**
       * The optimizer's `state()` after this tell, from which a resumed run
       * restores it. Absent when the optimizer has no `state` method.
       */
      optimizerState?: JsonValue
    }
  | {
      /** Written first when a run continues in an existing journal. */
      type: 'run-resume'
      time: string
      seed: number
      /** The resolved configuration of this session, as in `run-start`. */
      config: Record<string, JsonValue>
      nord: string
      /** Complete events found in the journal before this one. */
      events: number
      /** The incomplete last line dropped from the journal, or null. */
      dropped: { line: number; text: string } | null
    }
  | {
      type: 'run-end'
      time: string
      reason: RunEndReason
      message?: string
    }
