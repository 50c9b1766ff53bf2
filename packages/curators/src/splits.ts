import { type Random, shardRange } from '@nord/core'
import { DataErrorCode, NordDataError } from './errors.js'

/**
 * The samples of one split, as raw bytes before normalisation or as floats
 * after it. A `DataSplit` is a `SampleSet<Float32Array>`.
 */
export interface SampleSet<T extends Uint8Array | Float32Array> {
  /** `count` images of equal size, one after the other. */
  images: T
  labels: Uint8Array
  count: number
}

/** The result of carving a validation split out of a training split. */
export interface ValidationSplit<T extends Uint8Array | Float32Array> {
  train: SampleSet<T>
  validation: SampleSet<T>
}

/** Returns the values per image, `images.length / count`, or 0 for an empty set. */
export function valuesPerSample(
  set: SampleSet<Uint8Array | Float32Array>,
): number {
  return set.count === 0 ? 0 : set.images.length / set.count
}

/** Copies the samples at `indices`, in that order, into a new set. */
export function selectSamples<T extends Uint8Array | Float32Array>(
  set: SampleSet<T>,
  indices: ArrayLike<number>,
): SampleSet<T> {
  const size = valuesPerSample(set)
  const images = allocateLike(set.images, indices.length * size)
  const labels = new Uint8Array(indices.length)
  for (let target = 0; target < indices.length; target++) {
    const source = indices[target]!
    images.set(
      set.images.subarray(source * size, (source + 1) * size),
      target * size,
    )
    labels[target] = set.labels[source]!
  }
  return { images, labels, count: indices.length }
}

/** Copies the samples into a new set in a random order drawn from `random`. */
export function shuffleSamples<T extends Uint8Array | Float32Array>(
  set: SampleSet<T>,
  random: Random,
): SampleSet<T> {
  return selectSamples(set, random.shuffle(range(set.count)))
}

/**
 * Chooses `size` of the indices of `labels` so that each class keeps its
 * share: a class with `c` of `n` samples gets `size * c / n` rounded up or
 * down, so never more than one sample away. Samples left over after rounding go to the
 * classes with the largest remainders, ties in a random order. `selected`
 * is in a random order and `rest` in ascending index order.
 */
export function stratifiedIndices(
  labels: Uint8Array,
  size: number,
  random: Random,
): { selected: number[]; rest: number[] } {
  const groups = groupByLabel(labels)
  const quotas = allocateQuotas(
    groups.map((group) => group.length),
    size,
    random,
  )

  const selected: number[] = []
  const taken = new Uint8Array(labels.length)
  groups.forEach((group, index) => {
    const chosen = random.shuffle(group).slice(0, quotas[index])
    for (const sample of chosen) {
      selected.push(sample)
      taken[sample] = 1
    }
  })

  const rest = range(labels.length).filter((sample) => taken[sample] === 0)
  return { selected: random.shuffle(selected), rest }
}

/**
 * Takes a stratified random subset of `size` samples in a random order.
 * Raises `NORD_ERR_DATA_SUBSET_SIZE` when the set has fewer samples; `what`
 * names the request in that message, such as `trainSize`.
 */
export function subsetSamples<T extends Uint8Array | Float32Array>(
  set: SampleSet<T>,
  size: number,
  random: Random,
  what = 'subset size',
): SampleSet<T> {
  checkSubsetSize(size, set.count, what)
  return selectSamples(
    set,
    stratifiedIndices(set.labels, size, random).selected,
  )
}

/**
 * Carves a stratified random validation split out of `set`. `size` is a
 * fraction in (0, 1) of the samples, rounded to the nearest whole sample, or
 * a count of samples (an integer of at least 1). The training part keeps the
 * order of `set` and must keep at least one sample.
 */
export function splitValidation<T extends Uint8Array | Float32Array>(
  set: SampleSet<T>,
  size: number,
  random: Random,
): ValidationSplit<T> {
  const count = resolveValidationCount(size, set.count)
  const { selected, rest } = stratifiedIndices(set.labels, count, random)
  return {
    train: selectSamples(set, rest),
    validation: selectSamples(set, selected),
  }
}

/**
 * Returns the part of `split` that `rank` of `worldSize` trains on: a
 * contiguous block, so the shards of all ranks are disjoint, cover the split
 * and differ in size by at most one. The shard views the split's buffers
 * without copying them.
 */
export function shardSplit<T extends SampleSet<Uint8Array | Float32Array>>(
  split: T,
  rank: number,
  worldSize: number,
): T {
  checkShardArguments(rank, worldSize)

  const { start, count } = shardRange(split.count, rank, worldSize)
  const size = valuesPerSample(split)
  return {
    ...split,
    images: split.images.subarray(start * size, (start + count) * size),
    labels: split.labels.subarray(start, start + count),
    count,
  }
}

/** Counts the samples of each label value, indexed by label. */
export function countLabels(labels: Uint8Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0)
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1
  return counts
}

function checkSubsetSize(size: number, available: number, what: string): void {
  if (size <= available) return
  throw new NordDataError(
    DataErrorCode.subsetSize,
    `${what}: ${size} samples requested but the split has only ${available}`,
    {
      value: size,
      hint: `Request at most ${available} samples, or point nord at the full dataset`,
    },
  )
}

function resolveValidationCount(size: number, available: number): number {
  const count = size < 1 ? Math.round(size * available) : size
  if (count >= 1 && count < available) return count

  const asked =
    size < 1
      ? `${size} of ${available} samples rounds to ${count}`
      : `${count} samples`
  throw new NordDataError(
    DataErrorCode.subsetSize,
    `validationSize: ${asked}, but a validation split needs at least 1 sample and must leave at least 1 of the ${available} for training`,
    {
      value: size,
      hint: 'Choose a validationSize between 1 and the training count minus 1, or a fraction that gives such a count',
    },
  )
}

function checkShardArguments(rank: number, worldSize: number): void {
  if (!Number.isInteger(worldSize) || worldSize < 1) {
    throw new NordDataError(
      DataErrorCode.shard,
      `worldSize must be a positive integer, got ${worldSize}`,
      { value: worldSize, hint: 'Pass the number of ranks of the environment' },
    )
  }
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
    throw new NordDataError(
      DataErrorCode.shard,
      `rank must be an integer in [0, ${worldSize}), got ${rank}`,
      { value: rank, hint: 'Pass the rank of the environment' },
    )
  }
}

/** Lists sample indices per label value, ascending, dropping empty groups. */
function groupByLabel(labels: Uint8Array): number[][] {
  const groups: number[][] = Array.from({ length: 256 }, () => [])
  labels.forEach((label, index) => {
    groups[label]!.push(index)
  })
  return groups.filter((group) => group.length > 0)
}

/** Splits `size` over the classes by the largest-remainder method. */
function allocateQuotas(
  counts: number[],
  size: number,
  random: Random,
): number[] {
  const total = counts.reduce((sum, count) => sum + count, 0)
  const quotas = counts.map((count) => Math.floor((size * count) / total))
  const remainders = counts.map((count) => (size * count) % total)

  let left = size - quotas.reduce((sum, quota) => sum + quota, 0)
  const order = random
    .shuffle(range(counts.length))
    .sort((a, b) => remainders[b]! - remainders[a]!)
  for (const index of order) {
    if (left === 0) break
    quotas[index]! += 1
    left -= 1
  }
  return quotas
}

function allocateLike<T extends Uint8Array | Float32Array>(
  like: T,
  length: number,
): T {
  return (
    like instanceof Float32Array
      ? new Float32Array(length)
      : new Uint8Array(length)
  ) as T
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index)
}
