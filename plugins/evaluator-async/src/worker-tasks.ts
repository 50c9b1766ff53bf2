/** The tasks a worker process of the async evaluator runs. */
import type { Environment, Evaluator, JsonValue, Logger } from '@nord/core'
import { createIdxCurator, type IdxCuratorOptions } from '@nord/curators'
import type { TaskHandler, TaskMessage } from '@nord/environment-ws'
import {
  createLocalEvaluator,
  type LocalEvaluatorOptions,
} from '@nord/evaluator-local'
import {
  type ControlMessage,
  datasetFingerprint,
  EVALUATE_TASK,
  type EvaluationReply,
  SETUP_TASK,
  type SetupReply,
} from './protocol.js'

/** Options of the worker side of the async evaluator. */
export interface AsyncWorkerOptions {
  /**
   * A folder with the dataset files on this machine. It replaces the
   * `dataDir` of the setup task, which names a folder on the coordinator's
   * machine. Absent: the setup task's `dataDir`, else the curator's lookup
   * (`NORD_DATA_DIR`, the per-user cache, the system folders).
   */
  dataDir?: string
}

/**
 * Creates the handlers of the async evaluator's tasks, for `runWorker` or
 * `serveTasks`. Setup loads the data with the curator options it receives
 * and replies with the data's fingerprint. Evaluate trains one descriptor
 * with the local evaluator and replies with its evaluation. Rejected logs
 * why the coordinator will send this worker no evaluations and stops the
 * worker, which frees its rank for another worker.
 */
export function asyncWorkerTasks(
  logger: Logger,
  options: AsyncWorkerOptions = {},
): Record<string, TaskHandler> {
  let evaluator: Evaluator | undefined

  return {
    async [SETUP_TASK](environment: Environment, message: TaskMessage) {
      try {
        evaluator = await loadEvaluator(environment, message, logger, options)
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error)
        logger.error('loading the data failed', { error: text })
        const reply: SetupReply = {
          nord: 'evaluator-async/setup',
          fingerprint: null,
          error: text,
        }
        await environment.send(0, reply as JsonValue)
        return
      }
      const fingerprint = (evaluator as LoadedEvaluator).fingerprint
      const reply: SetupReply = { nord: 'evaluator-async/setup', fingerprint }
      await environment.send(0, reply as JsonValue)
    },

    async [EVALUATE_TASK](environment: Environment, message: TaskMessage) {
      const id = message.id as number
      const controller = new AbortController()
      // The control message arrives after the reply, or earlier as a cancel.
      const control = environment
        .receive(0)
        .then((control) => {
          if (isCancel(control, id)) {
            controller.abort(new Error('the coordinator cancelled it'))
          }
        })
        .catch(() => undefined)

      const evaluation = evaluator
        ? await evaluator.evaluate({
            candidate: { id: String(message.candidate), genotype: [] },
            descriptor: message.descriptor as never,
            seed: message.seed as number,
            signal: controller.signal,
          })
        : notSetUp()
      const reply: EvaluationReply = {
        nord: 'evaluator-async/evaluation',
        id,
        evaluation: evaluation as unknown as JsonValue,
      }
      await environment.send(0, reply as JsonValue)
      await control
    },
  }
}

function isCancel(message: unknown, id: number): boolean {
  const control = message as Partial<ControlMessage> | null
  return (
    control?.nord === 'evaluator-async/control' &&
    control.id === id &&
    control.action === 'cancel'
  )
}

interface LoadedEvaluator extends Evaluator {
  fingerprint: string
}

// NOTE: workers load IDX datasets (MNIST, Fashion-MNIST) only, because the
// setup task carries `createIdxCurator` options.
async function loadEvaluator(
  environment: Environment,
  message: TaskMessage,
  logger: Logger,
  workerOptions: AsyncWorkerOptions,
): Promise<LoadedEvaluator> {
  const curatorOptions = message.dataset as unknown as IdxCuratorOptions
  const curator = createIdxCurator({
    ...curatorOptions,
    ...(workerOptions.dataDir === undefined
      ? {}
      : { dataDir: workerOptions.dataDir }),
    logger,
  })
  const dataset = await curator.load()

  const options = message.training as unknown as LocalEvaluatorOptions
  const evaluator = createLocalEvaluator(options)
  await evaluator.setup?.({ dataset, curator, environment, logger })
  logger.info('data loaded', { train: dataset.train.count })
  return { ...evaluator, fingerprint: datasetFingerprint(dataset) }
}

function notSetUp() {
  return {
    status: 'failed' as const,
    fitness: 0,
    accuracy: null,
    loss: null,
    parameters: null,
    flops: null,
    seconds: 0,
    reason: 'the worker received an evaluation before its setup task',
  }
}
