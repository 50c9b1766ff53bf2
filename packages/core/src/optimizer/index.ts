export { checkIntegerGenes, checkSeed, mergeOptions } from './options.js'
export type {
  Individual,
  IndividualState,
  Member,
  PopulationState,
} from './population.js'
export {
  loadIndividual,
  loadPopulation,
  saveIndividual,
  savePopulation,
} from './population.js'
export type { CandidateIdCheck, CandidateLedger } from './results.js'
export { checkResults, collectFitness, isNumberedBelow } from './results.js'
export type { AddStateIssue, StateCheck } from './state.js'
export {
  checkCount,
  checkRandomState,
  checkSavedGenotype,
  startStateCheck,
} from './state.js'
