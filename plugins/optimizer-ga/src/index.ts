import type { NordPlugin } from '@nord/core'
import {
  createGeneticOptimizer,
  type GeneticOptimizer,
  OPTIMIZER_NAME,
} from './genetic-optimizer.js'
import type { GeneticOptimizerOptions } from './options.js'

export {
  createGeneticOptimizer,
  type GeneticOptimizer,
  type GeneticOptimizerContext,
  OPTIMIZER_NAME,
} from './genetic-optimizer.js'
export {
  type CrossoverMethod,
  DEFAULT_OPTIONS,
  type GeneticOptimizerOptions,
  type MutationMethod,
  type ResolvedGeneticOptions,
  type SelectionMethod,
} from './options.js'
export type { GeneticState, IndividualState } from './state.js'

/** The plugin that nord loads for `optimizer: 'ga'`. */
const plugin: NordPlugin<
  'optimizer',
  GeneticOptimizer,
  GeneticOptimizerOptions
> = {
  kind: 'optimizer',
  name: OPTIMIZER_NAME,
  core: '^0.1.0',
  create: (options, context) => createGeneticOptimizer(options, context),
}

export default plugin
