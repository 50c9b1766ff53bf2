import { describe, expect, it } from 'vitest'
import { summarizeNetwork } from '../src/descriptor/inference.js'
import { isNordError, NordValidationError } from '../src/errors.js'
import type {
  DescriptorJSON,
  LayerSummary,
  MergeMode,
  NetworkSummary,
} from '../src/types.js'

function layer(summary: NetworkSummary, name: string): LayerSummary {
  const found = summary.layers.find((entry) => entry.name === name)
  if (found === undefined) throw new Error(`no layer ${name} in the summary`)
  return found
}

/** conv 3x3 -> relu -> max pool -> flatten -> dense 5, on 8x8x3 with 3 classes. */
const SMALL: DescriptorJSON = {
  layers: [
    { name: 'conv', type: 'conv2d', params: { filters: 4, kernelSize: 3 } },
    { name: 'act', type: 'relu', params: {} },
    { name: 'pool', type: 'maxPooling2d', params: {} },
    { name: 'flat', type: 'flatten', params: {} },
    { name: 'fc', type: 'dense', params: { units: 5 } },
  ],
  connections: [
    ['conv', 'act'],
    ['act', 'pool'],
    ['pool', 'flat'],
    ['flat', 'fc'],
  ],
}

describe('summarizeNetwork on a small chain', () => {
  const summary = summarizeNetwork(SMALL, [8, 8, 3], 3)

  it('lists the layers with the head last', () => {
    expect(summary.layers.map((entry) => entry.name)).toEqual([
      'conv',
      'act',
      'pool',
      'flat',
      'fc',
      'head_dense',
      'head_softmax',
    ])
  })

  it('infers each output shape', () => {
    expect(summary.layers.map((entry) => entry.outputShape)).toEqual([
      [6, 6, 4],
      [6, 6, 4],
      [3, 3, 4],
      [36],
      [5],
      [3],
      [3],
    ])
  })

  it('counts parameters computed by hand', () => {
    // conv: 3*3*3*4 + 4; dense: 36*5 + 5; head dense: 5*3 + 3.
    expect(summary.layers.map((entry) => entry.parameters)).toEqual([
      112, 0, 0, 0, 185, 18, 0,
    ])
    expect(summary.parameters).toBe(315)
  })

  it('counts FLOPs computed by hand', () => {
    // conv 6*6*4 outputs * (2*27 + 1), relu 144, pool 36 outputs * 3
    // comparisons, dense 2*36*5 + 5, head dense 2*5*3 + 3, softmax 3*3 - 1
    expect(summary.layers.map((entry) => entry.flops)).toEqual([
      7920, 144, 108, 0, 365, 33, 8,
    ])
    expect(summary.flops).toBe(8578)
  })

  it('records the inputs of each layer', () => {
    expect(layer(summary, 'conv').inputs).toEqual([])
    expect(layer(summary, 'act').inputs).toEqual(['conv'])
    expect(layer(summary, 'head_dense').inputs).toEqual(['fc'])
    expect(layer(summary, 'head_softmax').inputs).toEqual(['head_dense'])
  })

  it('marks only the head layers', () => {
    const marked = summary.layers.filter((entry) => entry.head)
    expect(marked.map((entry) => entry.name)).toEqual([
      'head_dense',
      'head_softmax',
    ])
  })

  it('records the input shape and classes', () => {
    expect(summary.inputShape).toEqual([8, 8, 3])
    expect(summary.classes).toBe(3)
  })
})

describe('summarizeNetwork head', () => {
  it('flattens a spatial output first', () => {
    const json: DescriptorJSON = {
      layers: [
        { name: 'c', type: 'conv2d', params: { filters: 2, kernelSize: 3 } },
      ],
      connections: [],
    }
    const summary = summarizeNetwork(json, [5, 5, 1], 10)
    const flatten = layer(summary, 'head_flatten')
    expect(flatten.outputShape).toEqual([18])
    expect(flatten.inputs).toEqual(['c'])
    expect(flatten.head).toBe(true)
    expect(layer(summary, 'head_dense').inputs).toEqual(['head_flatten'])
    expect(layer(summary, 'head_dense').parameters).toBe(18 * 10 + 10)
  })

  it('follows the declared output layer', () => {
    const json: DescriptorJSON = {
      layers: [
        { name: 'last', type: 'dense', params: { units: 4 } },
        { name: 'first', type: 'flatten', params: {} },
      ],
      connections: [['first', 'last']],
      input: 'first',
      output: 'last',
    }
    const summary = summarizeNetwork(json, [2, 2, 1], 2)
    expect(summary.layers.map((entry) => entry.name)).toEqual([
      'first',
      'last',
      'head_dense',
      'head_softmax',
    ])
  })

  it('matches the count in the Descriptor example', () => {
    const json: DescriptorJSON = {
      layers: [
        { name: 'c', type: 'conv2d', params: { filters: 16, kernelSize: 3 } },
        { name: 'r', type: 'relu6', params: {} },
      ],
      connections: [['c', 'r']],
    }
    expect(summarizeNetwork(json, [28, 28, 1], 10).parameters).toBe(108_330)
  })
})

/**
 * Two convolution branches with different kernels from one stem, merged by
 * sum into a third convolution, then a dense path: the shape of figure 2 of
 * the NORD paper.
 */
const BRANCHING: DescriptorJSON = {
  layers: [
    { name: 'stem', type: 'conv2d', params: { filters: 4, kernelSize: 3 } },
    { name: 'branch_a', type: 'conv2d', params: { filters: 8, kernelSize: 5 } },
    { name: 'branch_b', type: 'conv2d', params: { filters: 8, kernelSize: 3 } },
    { name: 'joined', type: 'conv2d', params: { filters: 16, kernelSize: 3 } },
    { name: 'flat', type: 'flatten', params: {} },
    { name: 'fc', type: 'dense', params: { units: 32 } },
    { name: 'act', type: 'relu', params: {} },
  ],
  connections: [
    ['stem', 'branch_a'],
    ['stem', 'branch_b'],
    ['branch_a', 'joined'],
    ['branch_b', 'joined'],
    ['joined', 'flat'],
    ['flat', 'fc'],
    ['fc', 'act'],
  ],
}

describe('summarizeNetwork on a branching network', () => {
  const summary = summarizeNetwork(BRANCHING, [28, 28, 1], 10)

  it('infers the shape of each branch', () => {
    expect(layer(summary, 'stem').outputShape).toEqual([26, 26, 4])
    expect(layer(summary, 'branch_a').outputShape).toEqual([22, 22, 8])
    expect(layer(summary, 'branch_b').outputShape).toEqual([24, 24, 8])
  })

  it('pads the smaller branch before the sum', () => {
    // The merged input is 24x24x8, so a 3x3 kernel gives 22x22.
    expect(layer(summary, 'joined').outputShape).toEqual([22, 22, 16])
    expect(layer(summary, 'joined').inputs).toEqual(['branch_a', 'branch_b'])
  })

  it('adds the sum to the merging layer', () => {
    // Convolution: 22*22*16 outputs * (2*72 + 1); sum: 24*24*8 additions.
    expect(layer(summary, 'joined').flops).toBe(1_122_880 + 4608)
  })

  it('counts parameters computed by hand', () => {
    expect(summary.layers.map((entry) => entry.parameters)).toEqual([
      40, 808, 296, 1168, 0, 247_840, 0, 330, 0,
    ])
    expect(summary.parameters).toBe(250_482)
  })

  it('counts FLOPs computed by hand', () => {
    expect(summary.flops).toBe(2_789_879)
  })
})

function twoBranches(
  order: ['a' | 'b', 'a' | 'b'],
  mode: MergeMode,
  joinType = 'relu',
): DescriptorJSON {
  return {
    layers: [
      { name: 'stem', type: 'conv2d', params: { filters: 4, kernelSize: 1 } },
      { name: 'a', type: 'conv2d', params: { filters: 6, kernelSize: 3 } },
      { name: 'b', type: 'conv2d', params: { filters: 2, kernelSize: 5 } },
      { name: 'join', type: joinType, params: {}, merge: mode },
    ],
    connections: [
      ['stem', 'a'],
      ['stem', 'b'],
      [order[0], 'join'],
      [order[1], 'join'],
    ],
  }
}

describe('summarizeNetwork merges', () => {
  it('concatenates channels after padding height and width', () => {
    const summary = summarizeNetwork(
      twoBranches(['b', 'a'], 'concat'),
      [10, 10, 3],
      2,
    )
    const join = layer(summary, 'join')
    expect(join.outputShape).toEqual([8, 8, 8])
    expect(join.inputs).toEqual(['b', 'a'])
  })

  it('takes concat inputs in connection order', () => {
    const summary = summarizeNetwork(
      twoBranches(['a', 'b'], 'concat'),
      [10, 10, 3],
      2,
    )
    expect(layer(summary, 'join').inputs).toEqual(['a', 'b'])
  })

  it('adds no FLOPs for a concatenation', () => {
    const summary = summarizeNetwork(
      twoBranches(['a', 'b'], 'concat'),
      [10, 10, 3],
      2,
    )
    expect(layer(summary, 'join').flops).toBe(8 * 8 * 8)
  })

  it('pads channels for a sum', () => {
    const summary = summarizeNetwork(
      twoBranches(['a', 'b'], 'sum'),
      [10, 10, 3],
      2,
    )
    const join = layer(summary, 'join')
    expect(join.outputShape).toEqual([8, 8, 6])
    // relu over 8*8*6 elements plus one addition per element.
    expect(join.flops).toBe(384 + 384)
  })

  it('flattens spatial inputs beside a vector', () => {
    const json: DescriptorJSON = {
      layers: [
        { name: 'stem', type: 'conv2d', params: { filters: 6, kernelSize: 3 } },
        { name: 'flat', type: 'flatten', params: {} },
        { name: 'fc', type: 'dense', params: { units: 5 } },
        { name: 'join', type: 'relu', params: {}, merge: 'concat' },
      ],
      connections: [
        ['stem', 'flat'],
        ['flat', 'fc'],
        ['stem', 'join'],
        ['fc', 'join'],
      ],
    }
    const summary = summarizeNetwork(json, [10, 10, 1], 2)
    expect(layer(summary, 'join').outputShape).toEqual([8 * 8 * 6 + 5])
    expect(summary.layers.some((entry) => entry.name === 'head_flatten')).toBe(
      false,
    )
  })

  it('rejects dense after a spatial merge', () => {
    const json = twoBranches(['a', 'b'], 'sum', 'dense')
    json.layers[3]!.params = { units: 3 }
    expect(() => summarizeNetwork(json, [10, 10, 3], 2)).toThrow(
      /'join': dense needs a \[features\] input, got \[8, 8, 6\]/,
    )
  })
})

describe('summarizeNetwork errors', () => {
  it('throws a validation error with every issue', () => {
    const json: DescriptorJSON = {
      layers: [
        { name: 'c1', type: 'conv2d', params: { filters: 2, kernelSize: 40 } },
        { name: 'c2', type: 'conv2d', params: { filters: 0, kernelSize: 3 } },
      ],
      connections: [['c1', 'c2']],
    }
    let error: unknown
    try {
      summarizeNetwork(json, [28, 28, 1], 10)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(NordValidationError)
    expect(isNordError(error)).toBe(true)
    const issues = (error as NordValidationError).issues
    expect(issues.map((issue) => issue.code)).toEqual([
      'NORD_ERR_INVALID_PARAM',
      'NORD_ERR_SHAPE',
    ])
  })

  it('uses the code of the first issue', () => {
    const json: DescriptorJSON = {
      layers: [
        { name: 'c', type: 'conv2d', params: { filters: 2, kernelSize: 40 } },
      ],
      connections: [],
    }
    expect(() => summarizeNetwork(json, [28, 28, 1], 10)).toThrow(
      expect.objectContaining({ code: 'NORD_ERR_SHAPE' }),
    )
  })

  it('rejects an invalid class count', () => {
    expect(() => summarizeNetwork(SMALL, [8, 8, 3], 0)).toThrow(
      /classes: must be a positive integer, got 0/,
    )
  })
})
