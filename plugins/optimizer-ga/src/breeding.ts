import type { Genotype, IntegerGene, Random } from '@nord/core'
import type { ResolvedGeneticOptions } from './options.js'
import { selectByRoulette, selectByTournament } from './selection.js'
import {
  crossSinglePoint,
  crossUniform,
  mutateCreep,
  mutateUniform,
} from './variation.js'

/** An evaluated individual that can be chosen as a parent. */
export interface Parent {
  id: string
  genotype: Genotype
  fitness: number
}

/** A bred genotype with the ids of the parents it came from. */
export interface Offspring {
  genotype: Genotype
  parents: string[]
}

/**
 * The selection, crossover and mutation operators of the genetic algorithm,
 * shared by the generational and the steady-state variant so that both breed
 * alike from the same population and random stream.
 */
export class Breeder {
  constructor(
    private readonly options: ResolvedGeneticOptions,
    private readonly genes: readonly IntegerGene[],
    private readonly random: Random,
  ) {}

  /**
   * Selects two parents from a non-empty `population` and returns two
   * children before mutation: recombined with probability `crossoverRate`,
   * otherwise copies of the parents.
   */
  breedPair(population: readonly Parent[]): Offspring[] {
    const first = this.select(population)
    const second = this.select(population)

    if (!this.random.chance(this.options.crossoverRate)) {
      return [
        { genotype: first.genotype.slice(), parents: [first.id] },
        { genotype: second.genotype.slice(), parents: [second.id] },
      ]
    }

    const parents = first.id === second.id ? [first.id] : [first.id, second.id]
    const cross =
      this.options.crossover === 'uniform' ? crossUniform : crossSinglePoint
    const children = cross(first.genotype, second.genotype, this.random)
    return children.map((genotype) => ({ genotype, parents: parents.slice() }))
  }

  /** Returns a mutated copy of `genotype` under the configured mutation. */
  mutate(genotype: Genotype): Genotype {
    const { mutation, mutationRate, creepStep } = this.options
    if (mutation === 'creep') {
      return mutateCreep(
        genotype,
        this.genes,
        mutationRate,
        creepStep,
        this.random,
      )
    }
    return mutateUniform(genotype, this.genes, mutationRate, this.random)
  }

  private select(population: readonly Parent[]): Parent {
    const fitness = population.map((individual) => individual.fitness)
    const index =
      this.options.selection === 'roulette'
        ? selectByRoulette(fitness, this.random)
        : selectByTournament(
            fitness,
            Math.min(this.options.tournamentSize, fitness.length),
            this.random,
          )
    return population[index]!
  }
}
