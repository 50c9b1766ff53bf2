import type { NordPlugin } from '@nord/core'
import type { ReinforceOptimizerOptions } from './options.js'
import {
  createReinforceOptimizer,
  OPTIMIZER_NAME,
  type ReinforceOptimizer,
} from './reinforce-optimizer.js'

export type { AdamState } from './adam.js'
export {
  type ControllerKind,
  DEFAULT_OPTIONS,
  type ReinforceOptimizerOptions,
  type ResolvedReinforceOptions,
  resolveReinforceOptions,
} from './options.js'
export {
  createReinforceOptimizer,
  OPTIMIZER_NAME,
  type ReinforceOptimizer,
  type ReinforceOptimizerContext,
  rewardOf,
} from './reinforce-optimizer.js'
export type {
  PendingSampleState,
  ReinforceState,
  ScoredSampleState,
} from './state.js'

/** The plugin that nord loads for the REINFORCE optimizer. */
const plugin: NordPlugin<
  'optimizer',
  ReinforceOptimizer,
  ReinforceOptimizerOptions
> = {
  kind: 'optimizer',
  name: OPTIMIZER_NAME,
  core: '^0.1.0',
  create: (options, context) => createReinforceOptimizer(options, context),
}

export default plugin
