import type { NordPlugin } from '@nord/core'
import type { RandomSearchOptions } from './options.js'
import {
  createRandomSearch,
  OPTIMIZER_NAME,
  type RandomSearchOptimizer,
} from './random-search.js'

export {
  DEFAULT_OPTIONS,
  type RandomSearchOptions,
  type ResolvedRandomSearchOptions,
} from './options.js'
export {
  createRandomSearch,
  OPTIMIZER_NAME,
  type RandomSearchContext,
  type RandomSearchOptimizer,
} from './random-search.js'
export type { PendingState, RandomSearchState } from './state.js'

/** The plugin, for a run configuration or `loadPlugin` by package name. */
const plugin: NordPlugin<
  'optimizer',
  RandomSearchOptimizer,
  RandomSearchOptions
> = {
  kind: 'optimizer',
  name: OPTIMIZER_NAME,
  core: '^0.1.0',
  create: (options, context) => createRandomSearch(options, context),
}

export default plugin
