import type { Random } from '@nord/core'

/**
 * Returns the index of the fittest of `size` distinct individuals drawn
 * uniformly from `fitness`. A tie goes to the individual drawn first.
 * `size` must be from 1 to `fitness.length`.
 */
export function selectByTournament(
  fitness: readonly number[],
  size: number,
  random: Random,
): number {
  const drawn = drawDistinct(fitness.length, size, random)
  let winner = drawn[0]!
  for (const index of drawn) {
    if (fitness[index]! > fitness[winner]!) winner = index
  }
  return winner
}

/**
 * Returns an index with probability proportional to its fitness. Negative
 * fitness values are shifted so that the lowest one weighs 0, and when every
 * weight is 0 every index is equally likely.
 */
export function selectByRoulette(
  fitness: readonly number[],
  random: Random,
): number {
  const lowest = fitness.reduce((low, value) => Math.min(low, value), 0)
  const weights = fitness.map((value) => value - lowest)
  const total = weights.reduce((sum, weight) => sum + weight, 0)
  if (!(total > 0)) return random.int(0, fitness.length - 1)

  const target = random.next() * total
  let cumulative = 0
  for (let index = 0; index < weights.length; index++) {
    cumulative += weights[index]!
    if (target < cumulative) return index
  }

  // Rounding can leave `target` just above the last cumulative sum.
  return lastPositive(weights)
}

/** Draws `count` distinct indices below `length` (a partial Fisher–Yates). */
function drawDistinct(length: number, count: number, random: Random): number[] {
  const moved = new Map<number, number>()
  const drawn: number[] = []
  for (let step = 0; step < count; step++) {
    const last = length - 1 - step
    const pick = random.int(0, last)
    drawn.push(moved.get(pick) ?? pick)
    moved.set(pick, moved.get(last) ?? last)
  }
  return drawn
}

function lastPositive(weights: readonly number[]): number {
  let index = weights.length - 1
  while (index > 0 && !(weights[index]! > 0)) index--
  return index
}
