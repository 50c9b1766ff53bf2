export type * from './types.js'
export { planMerge } from './merge.js'
export type { MergeInputPlan, MergePlan } from './merge.js'
