import { definePlugin } from '@nord/core'
import {
  createHillClimber,
  type HillClimber,
  OPTIMIZER_NAME,
} from './hill-climber.js'
import type { HillClimbingOptions } from './options.js'

export {
  createHillClimber,
  type HillClimber,
  type HillClimberContext,
  OPTIMIZER_NAME,
} from './hill-climber.js'
export {
  DEFAULT_OPTIONS,
  type HillClimbingOptions,
  type ResolvedHillClimbingOptions,
} from './options.js'
export type { HillClimbingState } from './state.js'

/**
 * The plugin that `--optimizer nord-optimizer-hill-climbing` loads. `core`
 * is the range of `@nord/core` versions it was built and tested against.
 */
export default definePlugin<'optimizer', HillClimber, HillClimbingOptions>({
  kind: 'optimizer',
  name: OPTIMIZER_NAME,
  core: '^0.1.0',
  create: (options, context) => createHillClimber(options, context),
})
