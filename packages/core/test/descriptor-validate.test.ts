import { describe, expect, it } from 'vitest'
import { validateDescriptor } from '../src/descriptor/inference.js'
import type { Issue } from '../src/errors.js'
import type { DescriptorJSON, LayerSpec } from '../src/types.js'

const MNIST: { inputShape: number[]; classes: number } = {
  inputShape: [28, 28, 1],
  classes: 10,
}

function conv(name: string, filters: number, kernelSize: number): LayerSpec {
  return { name, type: 'conv2d', params: { filters, kernelSize } }
}

function chain(...layers: LayerSpec[]): DescriptorJSON {
  const connections = layers
    .slice(1)
    .map((layer, index): [string, string] => [layers[index]!.name, layer.name])
  return { layers, connections }
}

function codes(issues: Issue[]): string[] {
  return issues.map((issue) => issue.code)
}

describe('validateDescriptor', () => {
  it('accepts a valid chain', () => {
    const json = chain(conv('c1', 8, 3), {
      name: 'r',
      type: 'relu',
      params: {},
    })
    expect(validateDescriptor(json, MNIST)).toEqual([])
  })

  it('accepts absent params and connections', () => {
    const json = { layers: [{ name: 'only', type: 'flatten' }] }
    expect(validateDescriptor(json, MNIST)).toEqual([])
  })

  it('reports several problems at once', () => {
    const json = {
      layers: [
        { name: 'c1', type: 'conv2d', params: { filters: 0, kernelSize: 3 } },
        { name: 'c2', type: 'convolution', params: {} },
        { name: 'c1', type: 'relu', params: {} },
      ],
      connections: [['c1', 'missing']],
    }
    const issues = validateDescriptor(json, MNIST)
    expect(codes(issues)).toEqual([
      'NORD_ERR_DUPLICATE_LAYER',
      'NORD_ERR_UNKNOWN_LAYER',
      'NORD_ERR_INVALID_PARAM',
      'NORD_ERR_UNKNOWN_LAYER_TYPE',
    ])
  })
})

describe('validateDescriptor format issues', () => {
  it('rejects a value that is not an object', () => {
    const [issue] = validateDescriptor([1, 2])
    expect(issue?.code).toBe('NORD_ERR_INVALID_DESCRIPTOR')
    expect(issue?.path).toBe('descriptor')
  })

  it('rejects unknown keys with their paths', () => {
    const json = {
      layers: [{ name: 'a', type: 'relu', params: {}, activation: 'x' }],
      connections: [],
      version: 2,
    }
    const paths = validateDescriptor(json).map((issue) => issue.path)
    expect(paths).toEqual(['version', 'layers[0].activation'])
  })

  it('rejects malformed fields', () => {
    const json = {
      layers: [
        { name: '', type: 'relu' },
        { name: 'b/c', type: 'relu' },
        { name: 'd', type: 7, params: [] },
        { name: 'e', type: 'relu', merge: 'add' },
        'f',
      ],
      connections: [['a'], 'x'],
      input: 3,
    }
    const issues = validateDescriptor(json)
    expect(issues.map((issue) => issue.path)).toEqual([
      'layers[0].name',
      'layers[1].name',
      'layers[2].type',
      'layers[2].params',
      'layers[3].merge',
      'layers[4]',
      'connections[0]',
      'connections[1]',
      'input',
    ])
    expect(new Set(codes(issues))).toEqual(
      new Set(['NORD_ERR_INVALID_DESCRIPTOR']),
    )
  })

  it('rejects layers that are not an array', () => {
    const [issue] = validateDescriptor({ layers: {}, connections: [] })
    expect(issue?.path).toBe('layers')
  })
})

describe('validateDescriptor layer issues', () => {
  it('reports an unknown layer type', () => {
    const json = chain({ name: 'a', type: 'lstm', params: {} })
    const [issue] = validateDescriptor(json)
    expect(issue?.code).toBe('NORD_ERR_UNKNOWN_LAYER_TYPE')
    expect(issue?.path).toBe('layers[0].type')
  })

  it('reports an invalid parameter', () => {
    const json = chain(conv('a', 8, 3), conv('b', -1, 3))
    const [issue] = validateDescriptor(json)
    expect(issue?.code).toBe('NORD_ERR_INVALID_PARAM')
    expect(issue?.path).toBe('layers[1].params.filters')
    expect(issue?.message).toBe('must be a positive integer, got -1')
  })

  it('reports a duplicate layer name', () => {
    const json = chain(conv('a', 8, 3), conv('a', 8, 3))
    const issues = validateDescriptor(json)
    expect(issues[0]?.code).toBe('NORD_ERR_DUPLICATE_LAYER')
    expect(issues[0]?.path).toBe('layers[1].name')
  })

  it('reserves the names of the head', () => {
    const json = chain(conv('head_dense', 8, 3))
    const [issue] = validateDescriptor(json)
    expect(issue?.code).toBe('NORD_ERR_DUPLICATE_LAYER')
    expect(issue?.message).toContain('reserved')
  })
})

describe('validateDescriptor unknown layers', () => {
  it('reports a connection to a missing layer', () => {
    const json = { layers: [conv('a', 8, 3)], connections: [['a', 'b']] }
    const [issue] = validateDescriptor(json)
    expect(issue?.code).toBe('NORD_ERR_UNKNOWN_LAYER')
    expect(issue?.path).toBe('connections[0][1]')
    expect(issue?.message).toBe("no layer is named 'b'")
  })

  it('reports a missing input layer', () => {
    const json = { ...chain(conv('a', 8, 3)), input: 'x' }
    const [issue] = validateDescriptor(json)
    expect(issue?.code).toBe('NORD_ERR_UNKNOWN_LAYER')
    expect(issue?.path).toBe('input')
  })

  it('reports a missing output layer', () => {
    const json = { ...chain(conv('a', 8, 3)), output: 'y' }
    const [issue] = validateDescriptor(json)
    expect(issue?.code).toBe('NORD_ERR_UNKNOWN_LAYER')
    expect(issue?.path).toBe('output')
  })
})

describe('validateDescriptor topology issues', () => {
  it('reports an empty descriptor', () => {
    const [issue] = validateDescriptor({ layers: [], connections: [] })
    expect(issue?.code).toBe('NORD_ERR_TOPOLOGY')
    expect(issue?.path).toBe('layers')
  })

  it('reports a cycle with its path', () => {
    const json = chain(conv('a', 8, 3), conv('b', 8, 3), conv('c', 8, 3))
    json.layers.push(conv('d', 8, 3))
    json.connections.push(['c', 'b'], ['c', 'd'])
    const issues = validateDescriptor(json)
    expect(codes(issues)).toEqual(['NORD_ERR_TOPOLOGY'])
    expect(issues[0]?.message).toContain("'b' -> 'c' -> 'b' form a cycle")
  })

  it('reports a layer connected to itself', () => {
    const json = chain(conv('a', 8, 3), conv('b', 8, 3))
    json.connections.push(['b', 'b'])
    const issues = validateDescriptor(json)
    expect(issues[0]?.message).toContain("'b' -> 'b' form a cycle")
  })

  it('reports a layer unreachable from the input', () => {
    const json = chain(conv('a', 8, 3), conv('b', 8, 3))
    json.layers.push(conv('island', 8, 3))
    json.connections.push(['island', 'b'])
    const issues = validateDescriptor({ ...json, output: 'b' })
    expect(codes(issues)).toEqual(['NORD_ERR_TOPOLOGY'])
    expect(issues[0]?.path).toBe('layers[2]')
    expect(issues[0]?.message).toContain('not reachable from the input')
  })

  it('reports a layer off the output path', () => {
    const json = chain(conv('a', 8, 3), conv('b', 8, 3))
    json.layers.push(conv('dead_end', 8, 3))
    json.connections.push(['a', 'dead_end'])
    const issues = validateDescriptor({ ...json, output: 'b' })
    expect(codes(issues)).toEqual(['NORD_ERR_TOPOLOGY'])
    expect(issues[0]?.path).toBe('layers[2]')
    expect(issues[0]?.message).toContain(
      "does not lead to the output layer 'b'",
    )
  })

  it('reports an unreachable output layer once', () => {
    const json = chain(conv('a', 8, 3), conv('b', 8, 3))
    json.layers.push(conv('c', 8, 3))
    const issues = validateDescriptor({ ...json, output: 'c' })
    expect(issues).toHaveLength(1)
    expect(issues[0]?.path).toBe('layers[2]')
    expect(issues[0]?.message).toContain(
      "'c' is the output layer but is not reachable from the input layer 'a'",
    )
  })

  it('reports connections into the input layer', () => {
    const json = chain(conv('a', 8, 3), conv('b', 8, 3), conv('c', 8, 3))
    json.connections.push(['b', 'a'])
    const issues = validateDescriptor(json)
    const inbound = issues.find((issue) => issue.path === 'connections[2]')
    expect(inbound?.code).toBe('NORD_ERR_TOPOLOGY')
    expect(inbound?.message).toContain("leads into the input layer 'a'")
  })

  it('reports a repeated connection', () => {
    const json = chain(conv('a', 8, 3), conv('b', 8, 3))
    json.connections.push(['a', 'b'])
    const issues = validateDescriptor(json)
    expect(codes(issues)).toEqual(['NORD_ERR_TOPOLOGY'])
    expect(issues[0]?.path).toBe('connections[1]')
  })

  it('takes input and output from the JSON', () => {
    const json: DescriptorJSON = {
      layers: [conv('late', 8, 3), conv('early', 8, 3)],
      connections: [['early', 'late']],
      input: 'early',
      output: 'late',
    }
    expect(validateDescriptor(json, MNIST)).toEqual([])
  })
})

describe('validateDescriptor shape issues', () => {
  it('names the layer and sizes involved', () => {
    const json = chain(conv('conv1', 4, 4), conv('conv2', 4, 30))
    const issues = validateDescriptor(json, { inputShape: [28, 28, 1] })
    expect(issues).toEqual([
      {
        path: 'layers[1]',
        message:
          "'conv2': kernel 30x30 does not fit its 25x25 input (padding " +
          "'valid'). Use a smaller kernel or padding 'same'",
        code: 'NORD_ERR_SHAPE',
      },
    ])
  })

  it('suggests flatten before dense', () => {
    const json = chain(conv('c', 4, 3), {
      name: 'fc',
      type: 'dense',
      params: { units: 10 },
    })
    const [issue] = validateDescriptor(json, MNIST)
    expect(issue?.code).toBe('NORD_ERR_SHAPE')
    expect(issue?.message).toContain("'fc': dense needs a [features] input")
    expect(issue?.message).toContain('flatten')
  })

  it('reports a rank mismatch with the network input', () => {
    const [issue] = validateDescriptor(chain(conv('c', 4, 3)), {
      inputShape: [784],
    })
    expect(issue?.code).toBe('NORD_ERR_SHAPE')
    expect(issue?.message).toContain('[height, width, channels]')
  })

  it('reports each shape problem once, not again downstream', () => {
    const json = chain(conv('c1', 4, 29), conv('c2', 4, 1), conv('c3', 4, 40))
    const issues = validateDescriptor(json, MNIST)
    expect(issues).toHaveLength(1)
    expect(issues[0]?.path).toBe('layers[0]')
  })

  it('skips shapes without an input shape', () => {
    expect(validateDescriptor(chain(conv('c', 4, 99)))).toEqual([])
  })

  it('reports an invalid input shape and class count', () => {
    const issues = validateDescriptor(chain(conv('c', 4, 3)), {
      inputShape: [28, 28],
      classes: 0,
    })
    expect(issues.map((issue) => issue.path)).toEqual(['inputShape', 'classes'])
    expect(new Set(codes(issues))).toEqual(new Set(['NORD_ERR_INVALID_OPTION']))
  })
})

describe('validateDescriptor on the NORD paper space', () => {
  const relu6 = (name: string): LayerSpec => ({
    name,
    type: 'relu6',
    params: {},
  })

  it('accepts a 28x28 kernel on a 28x28 input', () => {
    const json = chain(conv('conv_1', 10, 28), relu6('relu6_1'))
    expect(validateDescriptor(json, MNIST)).toEqual([])
  })

  it('rejects a 29x29 kernel on a 28x28 input', () => {
    const json = chain(conv('conv_1', 10, 29), relu6('relu6_1'))
    const issues = validateDescriptor(json, MNIST)
    expect(codes(issues)).toEqual(['NORD_ERR_SHAPE'])
    expect(issues[0]?.message).toContain('kernel 29x29 does not fit its 28x28')
  })

  it('rejects a second kernel too large', () => {
    const json = chain(
      conv('conv_1', 10, 20),
      relu6('relu6_1'),
      conv('conv_2', 10, 10),
      relu6('relu6_2'),
    )
    const issues = validateDescriptor(json, MNIST)
    expect(codes(issues)).toEqual(['NORD_ERR_SHAPE'])
    expect(issues[0]?.path).toBe('layers[2]')
    expect(issues[0]?.message).toContain(
      "'conv_2': kernel 10x10 does not fit its 9x9 input",
    )
  })

  it('accepts a second kernel that fits exactly', () => {
    const json = chain(conv('conv_1', 10, 20), conv('conv_2', 10, 9))
    expect(validateDescriptor(json, MNIST)).toEqual([])
  })
})
