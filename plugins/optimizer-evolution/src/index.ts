import type { NordPlugin } from '@nord/core'
import type { EvolutionOptions } from './options.js'
import {
  createEvolution,
  type EvolutionOptimizer,
  OPTIMIZER_NAME,
} from './regularized-evolution.js'

export {
  DEFAULT_OPTIONS,
  type EvolutionOptions,
  type ResolvedEvolutionOptions,
} from './options.js'
export {
  createEvolution,
  type EvolutionContext,
  type EvolutionOptimizer,
  OPTIMIZER_NAME,
} from './regularized-evolution.js'
export type { EvolutionState, IndividualState } from './state.js'

/** The plugin, for a run configuration or `loadPlugin` by package name. */
const plugin: NordPlugin<'optimizer', EvolutionOptimizer, EvolutionOptions> = {
  kind: 'optimizer',
  name: OPTIMIZER_NAME,
  core: '^0.1.0',
  create: (options, context) => createEvolution(options, context),
}

export default plugin
