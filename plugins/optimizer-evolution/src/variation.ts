import type { Genotype, IntegerGene, Random } from '@nord/core'

/** Draws a genotype gene by gene, uniformly within each gene's bounds. */
export function sampleGenotype(
  genes: readonly IntegerGene[],
  random: Random,
): Genotype {
  return genes.map((gene) => random.int(gene.min, gene.max))
}

/**
 * Returns a copy of `genotype` with one gene resampled uniformly within its
 * bounds among the values other than its current one. The gene is drawn
 * uniformly among the genes with more than one value; when no gene has
 * more than one value, the copy is unchanged.
 */
export function mutateOneGene(
  genotype: Genotype,
  genes: readonly IntegerGene[],
  random: Random,
): Genotype {
  const child = genotype.slice()
  const mutable: number[] = []
  genes.forEach((gene, index) => {
    if (gene.max > gene.min) mutable.push(index)
  })
  if (mutable.length === 0) return child

  const index = random.pick(mutable)
  const { min, max } = genes[index]!
  const current = child[index]!
  // Drawing from one value fewer and skipping the current one keeps the
  // other values equally likely.
  const drawn = random.int(min, max - 1)
  child[index] = drawn >= current ? drawn + 1 : drawn
  return child
}
