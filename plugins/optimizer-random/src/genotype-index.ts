import type { Genotype, IntegerGene, Random } from '@nord/core'

/**
 * Numbers the genotypes of a space in mixed radix, the last gene varying
 * fastest, so that a set of proposed genotypes can be skipped exactly.
 */
export class GenotypeIndex {
  /** How many genotypes the space holds; may exceed 2^53 and lose precision. */
  readonly size: number

  constructor(private readonly genes: readonly IntegerGene[]) {
    this.size = genes.reduce(
      (size, gene) => size * (gene.max - gene.min + 1),
      1,
    )
  }

  /** Returns the number of `genotype`; exact only while `size` <= 2^53. */
  indexOf(genotype: Genotype): number {
    let index = 0
    this.genes.forEach((gene, position) => {
      index =
        index * (gene.max - gene.min + 1) + (genotype[position]! - gene.min)
    })
    return index
  }

  genotypeAt(index: number): Genotype {
    const genotype: Genotype = new Array(this.genes.length)
    let rest = index
    for (let position = this.genes.length - 1; position >= 0; position--) {
      const gene = this.genes[position]!
      const radix = gene.max - gene.min + 1
      genotype[position] = gene.min + (rest % radix)
      rest = Math.floor(rest / radix)
    }
    return genotype
  }
}

/** Draws a genotype gene by gene, uniformly within each gene's bounds. */
export function sampleGenotype(
  genes: readonly IntegerGene[],
  random: Random,
): Genotype {
  return genes.map((gene) => random.int(gene.min, gene.max))
}

/**
 * Returns the `rank`-th number (from 0) that is not in `taken`, a sorted
 * array of distinct numbers: each taken number at or below the running
 * candidate pushes it up by one.
 */
export function nthFree(rank: number, taken: readonly number[]): number {
  let index = rank
  for (const used of taken) {
    if (used > index) break
    index++
  }
  return index
}

/** Inserts `value` into the sorted array `sorted`, keeping it sorted. */
export function insertSorted(sorted: number[], value: number): void {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (sorted[middle]! < value) low = middle + 1
    else high = middle
  }
  sorted.splice(low, 0, value)
}
