/**
 * The methods the suite compares: the NORD paper's three experiments, the
 * steady-state GA on the async evaluator, and three other design methods on
 * the local evaluator. Each creates its optimizer and evaluator afresh for
 * one run.
 */
import {
  createRandom,
  type Evaluator,
  type Logger,
  type NordPlugin,
  type Optimizer,
  type SearchSpace,
} from '@nord/core'
import type { IdxCuratorOptions } from '@nord/curators'
import { type Coordinator, createCoordinator } from '@nord/environment-ws'
import { createAsyncEvaluator } from '@nord/evaluator-async'
import { createDataParallelEvaluator } from '@nord/evaluator-data-parallel'
import { createLocalEvaluator } from '@nord/evaluator-local'
import evolutionPlugin from '@nord/optimizer-evolution'
import gaPlugin from '@nord/optimizer-ga'
import randomPlugin from '@nord/optimizer-random'
import rlPlugin from '@nord/optimizer-rl'

/** The ids of the methods, in the order the suite runs and reports them. */
export const METHOD_IDS = [
  'e1',
  'e2',
  'e3',
  'e4',
  'random',
  'rl',
  'evolution',
] as const

export type MethodId = (typeof METHOD_IDS)[number]

/** The description of a method for tables and legends. */
export interface MethodInfo {
  id: MethodId
  /** A label of at most 16 characters, which legends show whole, such as `E1 local GA`. */
  label: string
  /** One sentence on the optimizer and the evaluator. */
  description: string
  /** True when the method starts worker processes (W of them). */
  usesWorkers: boolean
}

export const METHODS: Record<MethodId, MethodInfo> = {
  e1: {
    id: 'e1',
    label: 'E1 local GA',
    description:
      'generational GA; each network trained in the search process (local evaluator)',
    usesWorkers: false,
  },
  e2: {
    id: 'e2',
    label: 'E2 data-parallel',
    description:
      'generational GA; each network trained on all W workers at once, gradients summed by all-reduce (data-parallel evaluator, world size W + 1)',
    usesWorkers: true,
  },
  e3: {
    id: 'e3',
    label: 'E3 async GA',
    description:
      'generational GA; whole networks trained on W worker processes, W in flight (async evaluator)',
    usesWorkers: true,
  },
  e4: {
    id: 'e4',
    label: 'E4 steady-state',
    description:
      'steady-state GA; whole networks on W worker processes, each result told as it arrives (async evaluator)',
    usesWorkers: true,
  },
  random: {
    id: 'random',
    label: 'random search',
    description: 'uniform random search without repeats; local evaluator',
    usesWorkers: false,
  },
  rl: {
    id: 'rl',
    label: 'REINFORCE',
    description:
      'REINFORCE with a factorised policy (one categorical per gene); local evaluator',
    usesWorkers: false,
  },
  evolution: {
    id: 'evolution',
    label: 'aging evolution',
    description:
      'regularized (aging) evolution, parents chosen from a sample of a quarter of the population; local evaluator',
    usesWorkers: false,
  },
}

/** The settings a method needs to build one run. */
export interface MethodSettings {
  space: SearchSpace
  seed: number
  population: number
  /** GA generations; a large number in the wall-clock mode. */
  generations: number
  workers: number
  training: { epochs: number; batchSize: number }
  /** The curator options every process loads the same data with. */
  dataset: Omit<IdxCuratorOptions, 'logger'>
  logger: Logger
}

/** The optimizer, evaluator and concurrency of one run. */
export interface MethodRun {
  optimizer: Optimizer
  evaluator: Evaluator
  concurrency: number
  /** The cluster's coordinator, which the caller stops after the run. */
  coordinator: Coordinator | null
  /** The optimizer and evaluator options, recorded in the run's config. */
  options: {
    optimizer: Record<string, unknown>
    evaluator: Record<string, unknown>
  }
}

/** The NORD paper's GA operators: crossover 0.9, mutation 0.2. */
const PAPER_GA = { crossoverRate: 0.9, mutationRate: 0.2 }

/** Creates the optimizer and evaluator of `method` for one run. */
export async function createMethodRun(
  method: MethodId,
  settings: MethodSettings,
): Promise<MethodRun> {
  const optimizerOptions = optimizerOptionsOf(method, settings)
  const optimizer = await createOptimizer(method, optimizerOptions, settings)
  const evaluatorOptions = {
    epochs: settings.training.epochs,
    batchSize: settings.training.batchSize,
  }

  if (method === 'e2' || method === 'e3' || method === 'e4') {
    const coordinator = newCoordinator(settings)
    const clusterOptions = {
      ...evaluatorOptions,
      coordinator,
      dataset: settings.dataset,
      workers: settings.workers,
      stdio: 'ignore' as const,
    }
    // E2 trains one network at a time on every worker; E3 and E4 keep one
    // whole network on each worker.
    const e2 = method === 'e2'
    return {
      optimizer,
      evaluator: e2
        ? createDataParallelEvaluator(clusterOptions)
        : createAsyncEvaluator(clusterOptions),
      concurrency: e2 ? 1 : settings.workers,
      coordinator,
      options: runOptions(optimizerOptions, evaluatorOptions, settings),
    }
  }

  return {
    optimizer,
    evaluator: createLocalEvaluator(evaluatorOptions),
    concurrency: 1,
    coordinator: null,
    options: { optimizer: optimizerOptions, evaluator: evaluatorOptions },
  }
}

function newCoordinator(settings: MethodSettings): Coordinator {
  return createCoordinator({
    worldSize: settings.workers + 1,
    logger: settings.logger,
  })
}

function runOptions(
  optimizer: Record<string, unknown>,
  evaluator: Record<string, unknown>,
  settings: MethodSettings,
) {
  return { optimizer, evaluator: { ...evaluator, workers: settings.workers } }
}

/** Returns the options of the method's optimizer plugin. */
export function optimizerOptionsOf(
  method: MethodId,
  settings: Pick<MethodSettings, 'population' | 'generations'>,
): Record<string, unknown> {
  const { population, generations } = settings
  switch (method) {
    case 'e1':
    case 'e2':
    case 'e3':
      return { population, generations, ...PAPER_GA }
    case 'e4':
      return { variant: 'steady-state', population, generations, ...PAPER_GA }
    case 'random':
      return { unique: true }
    case 'rl':
      return { controller: 'factorised' }
    case 'evolution':
      // Real et al. (2019) sampled 25 of 100; the same ratio here.
      return {
        population,
        sampleSize: Math.max(
          2,
          Math.min(population, Math.ceil(population / 4)),
        ),
      }
  }
}

const PLUGINS: Record<MethodId, NordPlugin> = {
  e1: gaPlugin as NordPlugin,
  e2: gaPlugin as NordPlugin,
  e3: gaPlugin as NordPlugin,
  e4: gaPlugin as NordPlugin,
  random: randomPlugin as NordPlugin,
  rl: rlPlugin as NordPlugin,
  evolution: evolutionPlugin as NordPlugin,
}

/** Creates the optimizer with the seed `nord search` gives it for the same run seed. */
async function createOptimizer(
  method: MethodId,
  options: Record<string, unknown>,
  settings: MethodSettings,
): Promise<Optimizer> {
  const seed = createRandom(settings.seed).derive('optimizer').seed
  const plugin = PLUGINS[method]
  return (await plugin.create(options, {
    space: settings.space,
    seed,
    logger: settings.logger,
  })) as Optimizer
}
