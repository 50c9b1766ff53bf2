/** The block of a sequence that one of several parts takes. */
export interface ShardRange {
  /** Index of the block's first element. */
  start: number
  /** Elements in the block; blocks differ in size by at most one. */
  count: number
}

/**
 * Returns block `index` of `parts` contiguous blocks of `length` elements:
 * the blocks are disjoint, cover the sequence in order, and the first
 * `length % parts` blocks hold one element more. Curators shard splits with
 * it, and data-parallel training shards each batch with it.
 */
export function shardRange(
  length: number,
  index: number,
  parts: number,
): ShardRange {
  const base = Math.floor(length / parts)
  const extra = length % parts
  return {
    start: index * base + Math.min(index, extra),
    count: base + (index < extra ? 1 : 0),
  }
}
