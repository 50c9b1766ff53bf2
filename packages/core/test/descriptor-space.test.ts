import { describe, expect, it } from 'vitest'
import { descriptorHash } from '../src/descriptor/hash.js'
import { validateDescriptor } from '../src/descriptor/inference.js'
import {
  checkGenotype,
  convNetSizeSpace,
  integerSpace,
  validateGenes,
} from '../src/descriptor/space.js'
import { NordValidationError } from '../src/errors.js'
import type { DescriptorJSON } from '../src/types.js'

function validationError(action: () => unknown): NordValidationError {
  try {
    action()
  } catch (error) {
    if (error instanceof NordValidationError) return error
    throw error
  }
  throw new Error('expected a NordValidationError')
}

const FASHION_MNIST = { inputShape: [28, 28, 1], classes: 10 }

describe('convNetSizeSpace defaults', () => {
  const space = convNetSizeSpace()

  it('is named conv-net-size', () => {
    expect(space.name).toBe('conv-net-size')
  })

  it('has two genes per layer', () => {
    expect(space.genes).toEqual([
      { name: 'filters_1', min: 1, max: 50 },
      { name: 'kernelSize_1', min: 1, max: 50 },
      { name: 'filters_2', min: 1, max: 50 },
      { name: 'kernelSize_2', min: 1, max: 50 },
    ])
  })

  it('records the resolved options', () => {
    expect(space.options).toEqual({
      layers: 2,
      filters: [1, 50],
      kernelSize: [1, 50],
      padding: 'valid',
    })
  })

  it('decodes a chain of convolutions and ReLU6', () => {
    expect(space.decode([8, 3, 16, 5])).toEqual({
      layers: [
        {
          name: 'conv_1',
          type: 'conv2d',
          params: { filters: 8, kernelSize: 3, padding: 'valid' },
        },
        { name: 'relu6_1', type: 'relu6', params: {} },
        {
          name: 'conv_2',
          type: 'conv2d',
          params: { filters: 16, kernelSize: 5, padding: 'valid' },
        },
        { name: 'relu6_2', type: 'relu6', params: {} },
      ],
      connections: [
        ['conv_1', 'relu6_1'],
        ['relu6_1', 'conv_2'],
        ['conv_2', 'relu6_2'],
      ],
    } satisfies DescriptorJSON)
  })

  it('decodes kernels that fit', () => {
    const json = space.decode([50, 14, 50, 10])
    expect(validateDescriptor(json, FASHION_MNIST)).toEqual([])
  })

  it('decodes kernels that do not fit', () => {
    const json = space.decode([10, 20, 10, 10])
    const issues = validateDescriptor(json, FASHION_MNIST)
    expect(issues.map((issue) => issue.code)).toEqual(['NORD_ERR_SHAPE'])
    expect(issues[0]?.message).toContain("'conv_2'")
  })

  it('returns a new descriptor on each call', () => {
    const first = space.decode([1, 1, 1, 1])
    first.layers[0]!.params.filters = 40
    expect(space.decode([1, 1, 1, 1]).layers[0]?.params.filters).toBe(1)
  })

  it('decodes equal genotypes to equal hashes', () => {
    const first = descriptorHash(space.decode([4, 3, 8, 3]))
    expect(descriptorHash(space.decode([4, 3, 8, 3]))).toBe(first)
    expect(descriptorHash(space.decode([4, 3, 8, 5]))).not.toBe(first)
  })

  it('rejects a genotype outside the bounds', () => {
    const error = validationError(() => space.decode([0, 3, 8, 51]))
    expect(error.code).toBe('NORD_ERR_GENOTYPE')
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'genotype[0]',
      'genotype[3]',
    ])
  })

  it('has frozen genes', () => {
    expect(Object.isFrozen(space.genes)).toBe(true)
    expect(Object.isFrozen(space.genes[0])).toBe(true)
  })
})

describe('convNetSizeSpace options', () => {
  it('takes the number of layers and the bounds', () => {
    const space = convNetSizeSpace({
      layers: 3,
      filters: [4, 64],
      kernelSize: [1, 7],
    })
    expect(space.genes.map((gene) => gene.name)).toEqual([
      'filters_1',
      'kernelSize_1',
      'filters_2',
      'kernelSize_2',
      'filters_3',
      'kernelSize_3',
    ])
    expect(space.genes[4]).toEqual({ name: 'filters_3', min: 4, max: 64 })
    expect(space.genes[5]).toEqual({ name: 'kernelSize_3', min: 1, max: 7 })
    expect(space.decode([4, 1, 4, 1, 4, 1]).layers).toHaveLength(6)
  })

  it('keeps every kernel valid with padding same', () => {
    const space = convNetSizeSpace({ padding: 'same' })
    const json = space.decode([10, 50, 10, 50])
    expect(validateDescriptor(json, FASHION_MNIST)).toEqual([])
    expect(space.options.padding).toBe('same')
  })

  it('reports every invalid option with its path', () => {
    const error = validationError(() =>
      convNetSizeSpace({
        layers: 0,
        filters: [10, 5],
        kernelSize: [0, 2.5],
        padding: 'full' as 'same',
        depth: 3,
      } as never),
    )
    expect(error.code).toBe('NORD_ERR_INVALID_OPTION')
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'depth',
      'layers',
      'filters',
      'kernelSize[0]',
      'kernelSize[1]',
      'padding',
    ])
    expect(error.issues[1]?.message).toBe('must be a positive integer, got 0')
    expect(error.issues[2]?.message).toBe(
      'min must not exceed max, got [10, 5]',
    )
  })

  it('rejects bounds that are not a pair', () => {
    const error = validationError(() =>
      convNetSizeSpace({ filters: [1] as never }),
    )
    expect(error.issues[0]?.path).toBe('filters')
  })
})

describe('checkGenotype', () => {
  const space = convNetSizeSpace({
    layers: 1,
    filters: [1, 8],
    kernelSize: [1, 3],
  })

  it('accepts a genotype within bounds', () => {
    expect(() => checkGenotype(space, [8, 1])).not.toThrow()
  })

  it('rejects a genotype of the wrong length', () => {
    const error = validationError(() => checkGenotype(space, [1, 1, 1]))
    expect(error.code).toBe('NORD_ERR_GENOTYPE')
    expect(error.issues[0]?.message).toBe(
      'has 3 genes, expected 2 integers (filters_1, kernelSize_1)',
    )
  })

  it('rejects a gene that is not an integer', () => {
    const error = validationError(() => checkGenotype(space, [1.5, 1]))
    expect(error.issues[0]?.path).toBe('genotype[0]')
    expect(error.issues[0]?.message).toBe(
      'filters_1 must be an integer in [1, 8], got 1.5',
    )
  })

  it('rejects a gene above its bound', () => {
    const error = validationError(() => checkGenotype(space, [1, 4]))
    expect(error.issues[0]?.path).toBe('genotype[1]')
  })

  it('rejects a value that is not an array', () => {
    const error = validationError(() => checkGenotype(space, 'abc'))
    expect(error.issues[0]?.path).toBe('genotype')
  })

  it('reports every problem at once', () => {
    const error = validationError(() => checkGenotype(space, [0, 9, 1]))
    expect(error.issues).toHaveLength(3)
    expect(new Set(error.issues.map((issue) => issue.code))).toEqual(
      new Set(['NORD_ERR_GENOTYPE']),
    )
  })
})

describe('validateGenes', () => {
  it('accepts valid genes', () => {
    expect(validateGenes([{ name: 'a', min: -2, max: 2 }])).toEqual([])
  })

  it('accepts a gene with min equal to max', () => {
    expect(validateGenes([{ name: 'a', min: 3, max: 3 }])).toEqual([])
  })

  it('reports every problem with its path', () => {
    const issues = validateGenes([
      { name: 'a', min: 5, max: 1 },
      { name: 'b', min: 0.5, max: 'x' },
      { name: 'a', min: 0, max: 1 },
      { min: 0, max: 1 },
      7,
    ])
    expect(issues.map((issue) => issue.path)).toEqual([
      'genes[0]',
      'genes[1].min',
      'genes[1].max',
      'genes[2].name',
      'genes[3].name',
      'genes[4]',
    ])
    expect(issues[0]?.message).toBe(
      'min must not exceed max, got min 5 and max 1',
    )
    expect(issues[3]?.message).toBe("'a' is already the name of genes[0]")
  })

  it('rejects an empty gene list', () => {
    expect(validateGenes([])[0]?.path).toBe('genes')
  })

  it('uses the given path', () => {
    const issues = validateGenes([{ name: '', min: 0, max: 1 }], 'space.genes')
    expect(issues[0]?.path).toBe('space.genes[0].name')
  })
})

describe('integerSpace', () => {
  const decode = (genotype: number[]): DescriptorJSON => ({
    layers: [{ name: 'fc', type: 'dense', params: { units: genotype[0]! } }],
    connections: [],
  })

  it('checks the genotype before decoding', () => {
    let calls = 0
    const space = integerSpace({
      name: 'units',
      genes: [{ name: 'units', min: 1, max: 4 }],
      decode: (genotype) => {
        calls++
        return decode(genotype)
      },
    })
    expect(() => space.decode([5])).toThrow(NordValidationError)
    expect(calls).toBe(0)
    expect(space.decode([4]).layers[0]?.params.units).toBe(4)
    expect(calls).toBe(1)
  })

  it('passes a copy of the genotype to decode', () => {
    const genotype = [2]
    const space = integerSpace({
      name: 'units',
      genes: [{ name: 'units', min: 1, max: 4 }],
      decode: (received) => {
        received[0] = 3
        return decode(received)
      },
    })
    space.decode(genotype)
    expect(genotype).toEqual([2])
  })

  it('copies the genes', () => {
    const genes = [{ name: 'units', min: 1, max: 4 }]
    const space = integerSpace({ name: 'units', genes, decode })
    genes[0]!.max = 100
    expect(space.genes[0]?.max).toBe(4)
  })

  it('defaults the options to an empty object', () => {
    const space = integerSpace({
      name: 'units',
      genes: [{ name: 'units', min: 1, max: 4 }],
      decode,
    })
    expect(space.options).toEqual({})
  })

  it('rejects an invalid name and invalid genes together', () => {
    const error = validationError(() =>
      integerSpace({
        name: '',
        genes: [{ name: 'u', min: 2, max: 1 }],
        decode,
      }),
    )
    expect(error.code).toBe('NORD_ERR_INVALID_OPTION')
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'name',
      'genes[0]',
    ])
  })
})
