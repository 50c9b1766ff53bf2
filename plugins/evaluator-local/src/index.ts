import {
  type Dataset,
  type Evaluation,
  type EvaluationRequest,
  type Evaluator,
  type EvaluatorContext,
  IssueList,
  isNordError,
  type NordPlugin,
} from '@nord/core'
import { selectBackend, trainAndScore } from '@nord/tfjs'

/** Options of the local evaluator, as a user writes them. */
export interface LocalEvaluatorOptions {
  /** Passes over the training split per candidate. Default 1. */
  epochs?: number
  /** Samples per gradient step. Default 32, as in Keras. */
  batchSize?: number
  /** The training optimizer. Default `adam`. */
  optimizer?: 'adam' | 'sgd' | 'rmsprop' | 'adagrad'
  /** Learning rate of the training optimizer. Default 0.001. */
  learningRate?: number
  /** TensorFlow.js backend; `auto` takes the fastest one installed. Default `auto`. */
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu'
}

export type ResolvedLocalEvaluatorOptions = Required<LocalEvaluatorOptions>

const DEFAULTS: ResolvedLocalEvaluatorOptions = {
  epochs: 1,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: 0.001,
  backend: 'auto',
}

const OPTIMIZERS = ['adam', 'sgd', 'rmsprop', 'adagrad'] as const
const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const

/** Checks the options, reporting every problem at once, and applies the defaults. */
export function resolveLocalEvaluatorOptions(
  options: LocalEvaluatorOptions = {},
  path = 'evaluator.options',
): ResolvedLocalEvaluatorOptions {
  const issues = new IssueList()
  const known = Object.keys(DEFAULTS)
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      issues.add(
        `${path}.${key}`,
        `unknown option; known options are ${known.join(', ')}`,
      )
    }
  }
  const resolved = { ...DEFAULTS, ...options }
  checkPositiveInteger(issues, `${path}.epochs`, resolved.epochs)
  checkPositiveInteger(issues, `${path}.batchSize`, resolved.batchSize)
  const rate = resolved.learningRate
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
    issues.add(
      `${path}.learningRate`,
      `must be a positive number, got ${JSON.stringify(rate)}`,
    )
  }
  if (!(OPTIMIZERS as readonly string[]).includes(resolved.optimizer)) {
    issues.add(
      `${path}.optimizer`,
      `must be one of ${OPTIMIZERS.join(', ')}, got ${JSON.stringify(resolved.optimizer)}`,
    )
  }
  if (!(BACKENDS as readonly string[]).includes(resolved.backend)) {
    issues.add(
      `${path}.backend`,
      `must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(resolved.backend)}`,
    )
  }
  issues.throwIfAny('local evaluator options')
  return resolved
}

function checkPositiveInteger(issues: IssueList, path: string, value: unknown) {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    issues.add(path, `must be a positive integer, got ${JSON.stringify(value)}`)
  }
}

/**
 * Error codes that mean the descriptor cannot be built, as opposed to a
 * failed training. `NORD_ERR_RESOURCE` is a network whose memory estimate
 * exceeds the training's memory limit.
 */
const INVALID_CODES = new Set([
  'NORD_ERR_RESOURCE',
  'NORD_ERR_UNKNOWN_LAYER_TYPE',
  'NORD_ERR_INVALID_PARAM',
  'NORD_ERR_UNKNOWN_LAYER',
  'NORD_ERR_DUPLICATE_LAYER',
  'NORD_ERR_TOPOLOGY',
  'NORD_ERR_SHAPE',
])

/**
 * Creates the evaluator that trains and scores each descriptor in this
 * process on the curator's data: fitness is the test accuracy. A network
 * that cannot be built is `invalid` and one whose training fails is `failed`,
 * both with fitness 0 and the reason, so the search goes on.
 */
export function createLocalEvaluator(
  options: LocalEvaluatorOptions = {},
): Evaluator {
  const resolved = resolveLocalEvaluatorOptions(options)
  let dataset: Dataset | undefined

  return {
    name: 'nord:evaluator-local',

    async setup(context: EvaluatorContext) {
      dataset = context.dataset
      await selectBackend({ backend: resolved.backend })
    },

    async evaluate(request: EvaluationRequest): Promise<Evaluation> {
      if (!dataset) {
        throw new Error(
          'nord:evaluator-local: setup() must run before evaluate()',
        )
      }
      const started = performance.now()
      try {
        const result = await trainAndScore(request.descriptor, dataset, {
          epochs: resolved.epochs,
          batchSize: resolved.batchSize,
          optimizer: resolved.optimizer,
          learningRate: resolved.learningRate,
          seed: request.seed,
          signal: request.signal,
        })
        return {
          status: 'ok',
          fitness: result.accuracy,
          accuracy: result.accuracy,
          loss: result.loss,
          parameters: result.parameters,
          flops: result.flops,
          seconds: result.seconds,
          backend: result.backend,
          extra: {
            epochLosses: result.epochLosses,
            trainingSeconds: result.trainingSeconds,
            trainedSamples: result.trainedSamples,
          },
        }
      } catch (error) {
        return evaluationOfError(error, (performance.now() - started) / 1000)
      }
    },
  }
}

/**
 * Returns the evaluation of a training that threw, with fitness 0 and the
 * error's message and code. It is `invalid` when the network cannot be
 * built or exceeds the memory limit, and `failed` otherwise.
 */
export function evaluationOfError(error: unknown, seconds: number): Evaluation {
  const code = isNordError(error) ? error.code : undefined
  const message = error instanceof Error ? error.message : String(error)
  return {
    status: code && INVALID_CODES.has(code) ? 'invalid' : 'failed',
    fitness: 0,
    accuracy: null,
    loss: null,
    parameters: null,
    flops: null,
    seconds,
    reason: message,
    ...(code ? { code } : {}),
  }
}

/** The plugin: `--evaluator local` or `{ "use": "local" }` in a config. */
const plugin: NordPlugin<'evaluator', Evaluator, LocalEvaluatorOptions> = {
  kind: 'evaluator',
  name: 'nord:evaluator-local',
  core: '^0.1.0',
  create: (options) => createLocalEvaluator(options),
}

export default plugin
