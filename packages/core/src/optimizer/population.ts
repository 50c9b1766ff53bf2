/**
 * Saving and restoring the population of a steady-state optimizer: the
 * members with their fitness, and the individuals proposed and not yet
 * told, which a resumed search evaluates without asking again.
 */

/** A proposed individual: its candidate id, genotype and parents' ids. */
export type Individual = {
  id: string
  genotype: number[]
  /** Ids of the individuals it was bred or mutated from; empty when sampled. */
  parents: string[]
}

/** One individual in a saved state; `fitness` is null until its result arrives. */
export type IndividualState = Individual & { fitness: number | null }

/** A member of a population, whose result has arrived. */
export type Member = Individual & { fitness: number }

/** The population part of a steady-state optimizer's saved state. */
export type PopulationState = {
  population: IndividualState[]
  pending: IndividualState[]
}

/** Copies an individual into a saved state; a missing fitness is saved as null. */
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

/** Copies a population and the pending individuals into a saved state. */
export function savePopulation(
  population: readonly Member[],
  pending: Iterable<Individual>,
): PopulationState {
  return {
    population: population.map((member) =>
      saveIndividual(member, member.fitness),
    ),
    pending: [...pending].map((individual) => saveIndividual(individual, null)),
  }
}

/**
 * Copies a saved population and its pending individuals back, the pending
 * ones keyed by id. Every saved member must have a fitness, which the
 * optimizer's state check ensures before it calls this.
 */
export function loadPopulation(saved: PopulationState): {
  population: Member[]
  pending: Map<string, Individual>
} {
  return {
    population: saved.population.map((member) => ({
      ...loadIndividual(member),
      fitness: member.fitness!,
    })),
    pending: new Map(
      saved.pending.map((individual) => [
        individual.id,
        loadIndividual(individual),
      ]),
    ),
  }
}
