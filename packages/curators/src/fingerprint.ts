import { createHash } from 'node:crypto'
import type { Dataset } from '@nord/core'

/**
 * Returns the SHA-256 of a dataset's shapes, images and labels, so that two
 * processes can check that they loaded the same samples in the same order.
 */
export function datasetFingerprint(dataset: Dataset): string {
  const hash = createHash('sha256')
  hash.update(JSON.stringify([dataset.inputShape, dataset.classes]))
  for (const split of [dataset.train, dataset.validation, dataset.test]) {
    if (!split) {
      hash.update('none')
      continue
    }
    hash.update(`${split.count}`)
    hash.update(
      new Uint8Array(
        split.images.buffer,
        split.images.byteOffset,
        split.images.byteLength,
      ),
    )
    hash.update(split.labels)
  }
  return hash.digest('hex')
}
