/** The loop's default descriptor checks, taken from core's descriptor module. */
import { createHash } from 'node:crypto'
import { descriptorHash, validateDescriptor } from '../descriptor/index.js'
import type { Issue } from '../errors.js'
import type { DescriptorJSON, EvaluatorContext } from '../types.js'

/** Validates against the dataset's input shape and classes when the context has a dataset. */
export function defaultValidate(
  context: EvaluatorContext | undefined,
): (descriptor: DescriptorJSON) => Issue[] {
  const dataset = context?.dataset
  if (dataset === undefined)
    return (descriptor) => validateDescriptor(descriptor)
  const options = { inputShape: dataset.inputShape, classes: dataset.classes }
  return (descriptor) => validateDescriptor(descriptor, options)
}

export const defaultHash: (descriptor: DescriptorJSON) => string =
  descriptorHash

/**
 * Hashes a value's JSON text with sha256. The journal uses it for
 * descriptors that the canonical hash rejects (they are invalid) and for
 * genotypes that could not be decoded.
 */
export function rawHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex')
}
