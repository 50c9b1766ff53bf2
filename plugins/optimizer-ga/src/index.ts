import type { NordPlugin } from '@nord/core'
import {
  createGeneticOptimizer,
  type GeneticOptimizer,
  OPTIMIZER_NAME,
} from './genetic-optimizer.js'
import type { GeneticAlgorithmOptions } from './options.js'
import type { SteadyStateGeneticOptimizer } from './steady-state-optimizer.js'

export {
  createGeneticOptimizer,
  type GeneticOptimizer,
  type GeneticOptimizerContext,
  OPTIMIZER_NAME,
} from './genetic-optimizer.js'
export {
  type CommonGeneticOptions,
  type CrossoverMethod,
  DEFAULT_OPTIONS,
  type GeneticAlgorithmOptions,
  type GeneticOptimizerOptions,
  type GeneticVariant,
  type MutationMethod,
  type ReplacementMethod,
  type ResolvedGeneticOptions,
  type SelectionMethod,
  type SteadyStateGeneticOptions,
} from './options.js'
export type { GeneticState, IndividualState } from './state.js'
export type { SteadyStateGeneticOptimizer } from './steady-state-optimizer.js'
export type { SteadyStateGeneticState } from './steady-state-state.js'

/** The plugin that nord loads for `optimizer: 'ga'`. */
const plugin: NordPlugin<
  'optimizer',
  GeneticOptimizer | SteadyStateGeneticOptimizer,
  GeneticAlgorithmOptions
> = {
  kind: 'optimizer',
  name: OPTIMIZER_NAME,
  core: '^0.1.0',
  create: (options, context) => createGeneticOptimizer(options, context),
}

export default plugin
