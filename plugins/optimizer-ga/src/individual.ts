import type { Offspring } from './breeding.js'
import type { IndividualState } from './state.js'

/** A proposed individual of either variant. */
export type Individual = Offspring & { id: string }

/**
 * Copies an individual into a saved state. A missing `fitness` (no result
 * yet) is saved as null.
 */
export function saveIndividual(
  individual: Individual,
  fitness: number | null | undefined,
): IndividualState {
  return {
    id: individual.id,
    genotype: individual.genotype.slice(),
    parents: individual.parents.slice(),
    fitness: fitness ?? null,
  }
}

/** Copies an individual out of a saved state, without its fitness. */
export function loadIndividual(saved: IndividualState): Individual {
  return {
    id: saved.id,
    genotype: saved.genotype.slice(),
    parents: saved.parents.slice(),
  }
}
