import type { Genotype, IntegerGene, Random } from '@nord/core'

/** Draws a genotype gene by gene, uniformly within each gene's bounds. */
export function sampleGenotype(
  genes: readonly IntegerGene[],
  random: Random,
): Genotype {
  return genes.map((gene) => random.int(gene.min, gene.max))
}

/**
 * Cuts both parents at one point drawn from 1 to `length - 1` and swaps the
 * suffixes. Genotypes of fewer than two genes come back as copies. The
 * children are new arrays.
 */
export function crossSinglePoint(
  first: Genotype,
  second: Genotype,
  random: Random,
): [Genotype, Genotype] {
  if (first.length < 2) return [first.slice(), second.slice()]

  const cut = random.int(1, first.length - 1)
  return [
    [...first.slice(0, cut), ...second.slice(cut)],
    [...second.slice(0, cut), ...first.slice(cut)],
  ]
}

/**
 * Swaps each gene between the parents with probability 0.5, so each gene of
 * a child comes from one parent and its sibling has the other's. The
 * children are new arrays.
 */
export function crossUniform(
  first: Genotype,
  second: Genotype,
  random: Random,
): [Genotype, Genotype] {
  const one = first.slice()
  const two = second.slice()
  for (let index = 0; index < one.length; index++) {
    if (random.chance(0.5)) {
      one[index] = second[index]!
      two[index] = first[index]!
    }
  }
  return [one, two]
}

/** Resamples each gene with probability `rate`, uniformly within its bounds. */
export function mutateUniform(
  genotype: Genotype,
  genes: readonly IntegerGene[],
  rate: number,
  random: Random,
): Genotype {
  return genotype.map((value, index) => {
    const gene = genes[index]!
    return random.chance(rate) ? random.int(gene.min, gene.max) : value
  })
}

/**
 * Moves each gene with probability `rate` by 1 to `step` units up or down
 * (both equally likely), clamped to its bounds. A gene at a bound that moves
 * outwards stays at the bound.
 */
export function mutateCreep(
  genotype: Genotype,
  genes: readonly IntegerGene[],
  rate: number,
  step: number,
  random: Random,
): Genotype {
  return genotype.map((value, index) => {
    if (!random.chance(rate)) return value

    const gene = genes[index]!
    const distance = random.int(1, step)
    const moved = random.chance(0.5) ? value + distance : value - distance
    return Math.min(gene.max, Math.max(gene.min, moved))
  })
}
