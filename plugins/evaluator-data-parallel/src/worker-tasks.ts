/** The tasks a worker process of the data-parallel evaluator runs. */
import {
  type Dataset,
  type DescriptorJSON,
  type Environment,
  isNordError,
  type JsonValue,
  type Logger,
} from '@nord/core'
import {
  createIdxCurator,
  datasetFingerprint,
  type IdxCuratorOptions,
  shardSplit,
} from '@nord/curators'
import type {
  TaskHandler,
  TaskMessage,
  WorkerProcessOptions,
} from '@nord/environment-ws'
import { selectBackend, trainAndScore, weightsDigest } from '@nord/tfjs'
import { GroupReplica, replicaTrainOptions } from './group-replica.js'
import type { ReplicaTraining } from './options.js'
import {
  SETUP_TASK,
  type SetupReply,
  TRAIN_TASK,
  type TrainReply,
} from './protocol.js'

/**
 * Creates the setup and train task handlers. Setup loads the data with the
 * curator options it receives and replies with the data's fingerprint.
 * Train builds the network, takes part in every collective of its
 * training as replica `rank - 1` of `worldSize - 1`, and replies with the
 * digest of its final weights. `options.dataDir`, a folder on this
 * machine, replaces the `dataDir` of the setup task, which names a folder
 * on the coordinator's machine.
 */
export function dataParallelWorkerTasks(
  logger: Logger,
  options: WorkerProcessOptions = {},
): Record<string, TaskHandler> {
  let dataset: Dataset | undefined

  return {
    async [SETUP_TASK](environment: Environment, message: TaskMessage) {
      let reply: SetupReply
      try {
        dataset = await loadDataset(message, options, logger)
        reply = {
          nord: 'evaluator-data-parallel/setup',
          fingerprint: datasetFingerprint(dataset),
        }
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error)
        logger.error('loading the data failed', { error: text })
        reply = {
          nord: 'evaluator-data-parallel/setup',
          fingerprint: null,
          error: text,
        }
      }
      await environment.send(0, reply as JsonValue)
    },

    async [TRAIN_TASK](environment: Environment, message: TaskMessage) {
      const reply = await trainReplica(environment, message, dataset)
      await environment.send(0, reply as JsonValue)
    },
  }
}

async function loadDataset(
  message: TaskMessage,
  options: WorkerProcessOptions,
  logger: Logger,
): Promise<Dataset> {
  const training = message.training as unknown as ReplicaTraining
  await selectBackend({ backend: training.backend })
  const curatorOptions = message.dataset as unknown as IdxCuratorOptions
  const dataset = await createIdxCurator({
    ...curatorOptions,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    logger,
  }).load()
  logger.info('data loaded', { train: dataset.train.count })
  return dataset
}

async function trainReplica(
  environment: Environment,
  message: TaskMessage,
  dataset: Dataset | undefined,
): Promise<TrainReply> {
  const id = message.id as number
  const index = environment.rank - 1
  const count = environment.worldSize - 1
  const replica = new GroupReplica(environment, { index, count })
  const reply: TrainReply = {
    nord: 'evaluator-data-parallel/trained',
    id,
    digest: null,
    trainingSeconds: null,
    error: null,
  }

  try {
    if (!dataset) {
      throw new Error('the worker received a network before its setup task')
    }
    const training = message.training as unknown as ReplicaTraining
    const result = await trainAndScore(
      message.descriptor as unknown as DescriptorJSON,
      replicaDataset(dataset, index, count),
      replicaTrainOptions(training, message.seed as number, replica),
    )
    reply.digest = weightsDigest(result.weights!)
    reply.trainingSeconds = result.trainingSeconds
  } catch (error) {
    if (!replica.stopped) {
      reply.error = {
        message: error instanceof Error ? error.message : String(error),
        code: isNordError(error) ? error.code : null,
      }
      await replica.fail()
    }
  }
  return reply
}

/** Returns the dataset of one replica: every training sample, and its shard of the test and validation splits. */
export function replicaDataset(
  dataset: Dataset,
  index: number,
  count: number,
): Dataset {
  return {
    ...dataset,
    test: shardSplit(dataset.test, index, count),
    ...(dataset.validation
      ? { validation: shardSplit(dataset.validation, index, count) }
      : {}),
  }
}
