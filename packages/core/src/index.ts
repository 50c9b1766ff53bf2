export * from './descriptor/index.js'
export type { Issue, NordErrorOptions } from './errors.js'
export {
  IssueList,
  isNordError,
  NordError,
  NordValidationError,
} from './errors.js'
export type { MergeInputPlan, MergePlan } from './merge.js'
export { planMerge } from './merge.js'
export * from './optimizer/index.js'
export type { Random } from './random.js'
export { createRandom, hashString32 } from './random.js'
export { failedEvaluation } from './search/candidate-evaluation.js'
export * from './search/index.js'
export type { ShardRange } from './shard.js'
export { shardRange } from './shard.js'
export type * from './types.js'
