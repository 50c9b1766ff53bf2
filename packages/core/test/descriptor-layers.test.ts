import { describe, expect, it } from 'vitest'
import {
  checkLayerParams,
  inferLayer,
  LAYER_TYPES,
  type LayerCost,
  resolveLayerParams,
} from '../src/descriptor/layers.js'
import { NordValidationError } from '../src/errors.js'
import type { JsonValue, Shape } from '../src/types.js'

function infer(
  type: string,
  input: Shape,
  params: Record<string, JsonValue> = {},
): LayerCost | string {
  const resolved = resolveLayerParams(type, params)
  return inferLayer(type as (typeof LAYER_TYPES)[number], input, resolved)
}

function cost(
  type: string,
  input: Shape,
  params: Record<string, JsonValue> = {},
): LayerCost {
  const result = infer(type, input, params)
  if (typeof result === 'string') throw new Error(result)
  return result
}

describe('layer catalogue', () => {
  it('lists every supported type', () => {
    expect([...LAYER_TYPES].sort()).toEqual(
      [
        'averagePooling2d',
        'batchNormalization',
        'conv2d',
        'dense',
        'dropout',
        'elu',
        'flatten',
        'globalAveragePooling2d',
        'maxPooling2d',
        'relu',
        'relu6',
        'sigmoid',
        'tanh',
      ].sort(),
    )
  })
})

describe('resolveLayerParams', () => {
  it('applies the Keras defaults of conv2d', () => {
    const params = resolveLayerParams('conv2d', { filters: 8, kernelSize: 3 })
    expect(params).toEqual({
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'valid',
      dilationRate: [1, 1],
      useBias: true,
    })
  })

  it('keeps a [height, width] kernel as given', () => {
    const params = resolveLayerParams('conv2d', {
      filters: 8,
      kernelSize: [3, 5],
    })
    expect(params.kernelSize).toEqual([3, 5])
  })

  it('defaults pooling strides to the pool size', () => {
    const params = resolveLayerParams('maxPooling2d', { poolSize: 3 })
    expect(params.strides).toEqual([3, 3])
  })

  it('defaults the pool size to 2', () => {
    const params = resolveLayerParams('averagePooling2d')
    expect(params.poolSize).toEqual([2, 2])
    expect(params.strides).toEqual([2, 2])
    expect(params.padding).toBe('valid')
  })

  it('applies the defaults of batchNormalization', () => {
    const params = resolveLayerParams('batchNormalization')
    expect(params).toEqual({ momentum: 0.99, epsilon: 0.001 })
  })

  it('throws a validation error listing every problem', () => {
    let error: unknown
    try {
      resolveLayerParams('conv2d', { filters: 0, padding: 'full', size: 3 })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(NordValidationError)
    const paths = (error as NordValidationError).issues.map(
      (issue) => issue.path,
    )
    expect(paths).toEqual([
      'layer.params.size',
      'layer.params.filters',
      'layer.params.kernelSize',
      'layer.params.padding',
    ])
  })
})

describe('checkLayerParams', () => {
  const check = (type: string, params: Record<string, JsonValue>) =>
    checkLayerParams(type, params, 'layers[0]').issues

  it('suggests the spelling of a type', () => {
    const [issue] = check('Conv2D', { filters: 1, kernelSize: 1 })
    expect(issue?.code).toBe('NORD_ERR_UNKNOWN_LAYER_TYPE')
    expect(issue?.path).toBe('layers[0].type')
    expect(issue?.message).toContain("Did you mean 'conv2d'?")
  })

  it('rejects unknown parameters and names the known ones', () => {
    const [issue] = check('dense', { units: 4, activation: 'relu' })
    expect(issue?.code).toBe('NORD_ERR_INVALID_PARAM')
    expect(issue?.path).toBe('layers[0].params.activation')
    expect(issue?.message).toContain('units, useBias')
  })

  it('rejects parameters on a type that takes none', () => {
    const [issue] = check('flatten', { dataFormat: 'channelsLast' })
    expect(issue?.message).toContain('flatten takes no parameters')
  })

  it('rejects a missing required parameter', () => {
    const [issue] = check('dense', {})
    expect(issue?.path).toBe('layers[0].params.units')
    expect(issue?.message).toContain('missing')
  })

  it.each([
    ['conv2d', { filters: 2.5, kernelSize: 3 }, 'filters'],
    ['conv2d', { filters: 2, kernelSize: [3] }, 'kernelSize'],
    ['conv2d', { filters: 2, kernelSize: [3, 0] }, 'kernelSize'],
    ['conv2d', { filters: 2, kernelSize: 3, strides: -1 }, 'strides'],
    ['conv2d', { filters: 2, kernelSize: 3, useBias: 'yes' }, 'useBias'],
    ['maxPooling2d', { padding: 'causal' }, 'padding'],
    ['dropout', { rate: 1 }, 'rate'],
    ['dropout', { rate: -0.1 }, 'rate'],
    ['batchNormalization', { epsilon: 0 }, 'epsilon'],
    ['batchNormalization', { momentum: 1.5 }, 'momentum'],
  ] as const)('rejects %s with an invalid %o', (type, params, key) => {
    const issues = check(type, params as Record<string, JsonValue>)
    expect(issues).toHaveLength(1)
    expect(issues[0]?.path).toBe(`layers[0].params.${key}`)
    expect(issues[0]?.code).toBe('NORD_ERR_INVALID_PARAM')
  })

  it('rejects strides combined with a dilation rate', () => {
    const issues = check('conv2d', {
      filters: 2,
      kernelSize: 3,
      strides: 2,
      dilationRate: 2,
    })
    expect(issues).toHaveLength(1)
    expect(issues[0]?.path).toBe('layers[0].params')
  })

  it('accepts a dropout rate of 0', () => {
    expect(check('dropout', { rate: 0 })).toEqual([])
  })
})

describe('conv2d', () => {
  it('shrinks the input with padding valid', () => {
    const result = cost('conv2d', [28, 28, 1], { filters: 8, kernelSize: 5 })
    expect(result.outputShape).toEqual([24, 24, 8])
  })

  it('keeps the size with padding same', () => {
    const result = cost('conv2d', [28, 28, 1], {
      filters: 8,
      kernelSize: 5,
      padding: 'same',
    })
    expect(result.outputShape).toEqual([28, 28, 8])
  })

  it('rounds strided sizes as Keras does', () => {
    const valid = cost('conv2d', [28, 27, 1], {
      filters: 1,
      kernelSize: 3,
      strides: 2,
    })
    const same = cost('conv2d', [28, 27, 1], {
      filters: 1,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
    })
    expect(valid.outputShape).toEqual([13, 13, 1])
    expect(same.outputShape).toEqual([14, 14, 1])
  })

  it('widens a dilated kernel', () => {
    const result = cost('conv2d', [10, 10, 1], {
      filters: 1,
      kernelSize: 3,
      dilationRate: 2,
    })
    expect(result.outputShape).toEqual([6, 6, 1])
  })

  it('counts weights and biases', () => {
    const result = cost('conv2d', [28, 28, 3], { filters: 8, kernelSize: 3 })
    expect(result.parameters).toBe(3 * 3 * 3 * 8 + 8)
  })

  it('counts no biases without useBias', () => {
    const result = cost('conv2d', [28, 28, 3], {
      filters: 8,
      kernelSize: 3,
      useBias: false,
    })
    expect(result.parameters).toBe(3 * 3 * 3 * 8)
    expect(result.flops).toBe(26 * 26 * 8 * 2 * 27)
  })

  it('counts a multiply-add as 2 FLOPs', () => {
    const result = cost('conv2d', [5, 5, 2], { filters: 4, kernelSize: 3 })
    expect(result.flops).toBe(3 * 3 * 4 * (2 * 3 * 3 * 2 + 1))
  })

  it('fits a kernel as large as its input', () => {
    const result = cost('conv2d', [28, 28, 1], { filters: 2, kernelSize: 28 })
    expect(result.outputShape).toEqual([1, 1, 2])
  })

  it('reports a kernel larger than its input', () => {
    const result = infer('conv2d', [25, 25, 1], { filters: 2, kernelSize: 30 })
    expect(result).toBe(
      "kernel 30x30 does not fit its 25x25 input (padding 'valid'). " +
        "Use a smaller kernel or padding 'same'",
    )
  })

  it('reports a dilated kernel that does not fit', () => {
    const result = infer('conv2d', [4, 4, 1], {
      filters: 1,
      kernelSize: 3,
      dilationRate: 2,
    })
    expect(result).toContain('spanning 5x5')
  })

  it('reports a vector input', () => {
    const result = infer('conv2d', [120], { filters: 1, kernelSize: 1 })
    expect(result).toBe(
      'conv2d needs a [height, width, channels] input, got [120]',
    )
  })
})

describe('pooling', () => {
  it('halves the size by default', () => {
    const result = cost('maxPooling2d', [28, 28, 4])
    expect(result.outputShape).toEqual([14, 14, 4])
  })

  it('counts comparisons for max pooling', () => {
    const result = cost('maxPooling2d', [4, 4, 3])
    expect(result.flops).toBe(2 * 2 * 3 * 3)
  })

  it('counts additions and a division for average pooling', () => {
    const result = cost('averagePooling2d', [4, 4, 3])
    expect(result.flops).toBe(2 * 2 * 3 * 4)
  })

  it('has no parameters', () => {
    expect(cost('averagePooling2d', [4, 4, 3]).parameters).toBe(0)
  })

  it('keeps the size with padding same', () => {
    const result = cost('maxPooling2d', [5, 5, 1], {
      poolSize: 3,
      strides: 1,
      padding: 'same',
    })
    expect(result.outputShape).toEqual([5, 5, 1])
  })

  it('reports a pool larger than its input', () => {
    const result = infer('maxPooling2d', [2, 2, 1], { poolSize: 3 })
    expect(result).toContain('pool 3x3 does not fit its 2x2 input')
  })

  it('averages each channel globally', () => {
    const result = cost('globalAveragePooling2d', [7, 7, 16])
    expect(result.outputShape).toEqual([16])
    expect(result.flops).toBe(7 * 7 * 16)
  })
})

describe('dense', () => {
  it('counts weights, biases and FLOPs', () => {
    const result = cost('dense', [100], { units: 10 })
    expect(result.outputShape).toEqual([10])
    expect(result.parameters).toBe(100 * 10 + 10)
    expect(result.flops).toBe(2 * 100 * 10 + 10)
  })

  it('rejects a spatial input and suggests flatten', () => {
    const result = infer('dense', [7, 7, 32], { units: 10 })
    expect(result).toContain('dense needs a [features] input, got [7, 7, 32]')
    expect(result).toContain('Add a flatten')
  })
})

describe('other layers', () => {
  it('flattens a spatial input', () => {
    expect(cost('flatten', [7, 7, 32]).outputShape).toEqual([7 * 7 * 32])
  })

  it('passes a vector through flatten', () => {
    expect(cost('flatten', [12]).outputShape).toEqual([12])
  })

  it('counts gamma and beta of batchNormalization', () => {
    const result = cost('batchNormalization', [6, 6, 16])
    expect(result.parameters).toBe(32)
    expect(result.flops).toBe(2 * 6 * 6 * 16)
  })

  it('normalises the features of a vector', () => {
    expect(cost('batchNormalization', [20]).parameters).toBe(40)
  })

  it('costs nothing for dropout', () => {
    const result = cost('dropout', [6, 6, 16], { rate: 0.5 })
    expect(result.outputShape).toEqual([6, 6, 16])
    expect(result.flops).toBe(0)
  })

  it.each([
    ['relu', 1],
    ['relu6', 2],
    ['elu', 1],
    ['sigmoid', 1],
    ['tanh', 1],
  ])('counts %s at %i FLOPs per element', (type, perElement) => {
    const result = cost(type, [3, 3, 2])
    expect(result.outputShape).toEqual([3, 3, 2])
    expect(result.parameters).toBe(0)
    expect(result.flops).toBe(18 * perElement)
  })
})
