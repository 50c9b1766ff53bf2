import { describe, expect, it } from 'vitest'
import { Descriptor } from '../src/descriptor/descriptor.js'
import { descriptorHash } from '../src/descriptor/hash.js'
import { NordError, NordValidationError } from '../src/errors.js'
import type { DescriptorJSON } from '../src/types.js'

function thrown(action: () => unknown): NordError {
  try {
    action()
  } catch (error) {
    if (error instanceof NordError) return error
    throw error
  }
  throw new Error('expected a NordError')
}

/** Builds a stem and two branches summed into `joined`, then dense. */
function branching(): Descriptor {
  const network = new Descriptor()
  network.addLayer('conv2d', { filters: 4, kernelSize: 3 }, 'stem')
  network.addLayer('conv2d', { filters: 8, kernelSize: 5 }, 'branch_a')
  network.addLayer('conv2d', { filters: 8, kernelSize: 3 }, 'branch_b')
  network.addLayer('conv2d', { filters: 16, kernelSize: 3 }, 'joined')
  network.connect('stem', 'branch_a')
  network.connect('stem', 'branch_b')
  network.connect('branch_a', 'joined')
  network.connect('branch_b', 'joined')
  network.addSequential('flatten')
  network.addSequential('dense', { units: 32 })
  return network
}

describe('Descriptor.addLayer', () => {
  it('names layers after their type', () => {
    const network = new Descriptor()
    expect(network.addLayer('conv2d', { filters: 1, kernelSize: 1 })).toBe(
      'conv2d_1',
    )
    expect(network.addLayer('relu')).toBe('relu_1')
    expect(network.addLayer('conv2d', { filters: 1, kernelSize: 1 })).toBe(
      'conv2d_2',
    )
  })

  it('skips generated names that are taken', () => {
    const network = new Descriptor()
    network.addLayer('relu', {}, 'relu_1')
    expect(network.addLayer('relu')).toBe('relu_2')
  })

  it('keeps a given name', () => {
    const network = new Descriptor()
    expect(network.addLayer('relu', {}, 'act')).toBe('act')
  })

  it('rejects a duplicate name', () => {
    const network = new Descriptor()
    network.addLayer('relu', {}, 'act')
    const error = thrown(() => network.addLayer('relu', {}, 'act'))
    expect(error.code).toBe('NORD_ERR_DUPLICATE_LAYER')
    expect(error.value).toBe('act')
  })

  it('rejects a reserved name', () => {
    const network = new Descriptor()
    const error = thrown(() => network.addLayer('relu', {}, 'head_softmax'))
    expect(error.code).toBe('NORD_ERR_DUPLICATE_LAYER')
  })

  it('rejects every invalid parameter at once', () => {
    const network = new Descriptor()
    network.addLayer('relu')
    const error = thrown(() =>
      network.addLayer('conv2d', { filters: 0, padding: 'full' }),
    )
    expect(error).toBeInstanceOf(NordValidationError)
    expect((error as NordValidationError).issues.map((i) => i.path)).toEqual([
      'layers[1].params.filters',
      'layers[1].params.kernelSize',
      'layers[1].params.padding',
    ])
  })

  it('rejects an unknown type', () => {
    const error = thrown(() => new Descriptor().addLayer('dense2d'))
    expect(error.code).toBe('NORD_ERR_UNKNOWN_LAYER_TYPE')
  })

  it('copies the parameters', () => {
    const network = new Descriptor()
    const params = { units: 3 }
    network.addLayer('dense', params)
    params.units = 99
    expect(network.layers[0]?.params).toEqual({ units: 3 })
  })
})

describe('Descriptor connections', () => {
  it('connects sequential layers to the previous one', () => {
    const network = new Descriptor()
    network.addSequential('conv2d', { filters: 2, kernelSize: 3 })
    network.addSequential('relu')
    network.addSequential('flatten')
    expect(network.connections).toEqual([
      ['conv2d_1', 'relu_1'],
      ['relu_1', 'flatten_1'],
    ])
  })

  it('rejects a connection to an unknown layer', () => {
    const network = new Descriptor()
    network.addLayer('relu', {}, 'a')
    const error = thrown(() => network.connect('a', 'b'))
    expect(error.code).toBe('NORD_ERR_UNKNOWN_LAYER')
    expect(error.message).toContain('The layers are: a')
  })

  it('rejects a repeated connection', () => {
    const network = new Descriptor()
    network.addSequential('relu', {}, 'a')
    network.addSequential('relu', {}, 'b')
    expect(thrown(() => network.connect('a', 'b')).code).toBe(
      'NORD_ERR_TOPOLOGY',
    )
  })

  it('disconnects layers', () => {
    const network = new Descriptor()
    network.addSequential('relu', {}, 'a')
    network.addSequential('relu', {}, 'b')
    expect(network.disconnect('a', 'b')).toBe(true)
    expect(network.connections).toEqual([])
    expect(network.disconnect('a', 'b')).toBe(false)
  })

  it('returns copies of its layers and connections', () => {
    const network = branching()
    network.layers[0]!.name = 'changed'
    network.connections[0]![0] = 'changed'
    expect(network.layers[0]?.name).toBe('stem')
    expect(network.connections[0]?.[0]).toBe('stem')
  })
})

describe('Descriptor input and output', () => {
  it('defaults to the first and last layers', () => {
    const network = branching()
    expect(network.input).toBe('stem')
    expect(network.output).toBe('dense_1')
    expect(network.toJSON().input).toBeUndefined()
    expect(network.toJSON().output).toBeUndefined()
  })

  it('keeps an explicit input and output', () => {
    const network = new Descriptor()
    network.addLayer('dense', { units: 2 }, 'fc')
    network.addLayer('flatten', {}, 'flat')
    network.connect('flat', 'fc')
    network.setInput('flat').setOutput('fc')
    expect(network.toJSON()).toMatchObject({ input: 'flat', output: 'fc' })
    expect(network.validate({ inputShape: [4, 4, 1], classes: 2 })).toEqual([])
  })

  it('rejects an unknown input layer', () => {
    expect(thrown(() => new Descriptor().setInput('x')).code).toBe(
      'NORD_ERR_UNKNOWN_LAYER',
    )
  })

  it('is undefined without layers', () => {
    expect(new Descriptor().input).toBeUndefined()
  })
})

describe('Descriptor JSON', () => {
  it('round-trips through fromJSON', () => {
    const network = branching()
    network.setMerge('joined', 'concat').setOutput('dense_1')
    const json = network.toJSON()
    const loaded = Descriptor.fromJSON(json)
    expect(loaded.toJSON()).toEqual(json)
    expect(loaded.hash()).toBe(network.hash())
  })

  it('round-trips through a JSON string', () => {
    const network = branching()
    const text = JSON.stringify(network)
    expect(Descriptor.fromJSON(JSON.parse(text)).toJSON()).toEqual(
      network.toJSON(),
    )
  })

  it('does not share objects with the loaded JSON', () => {
    const json: DescriptorJSON = {
      layers: [{ name: 'fc', type: 'dense', params: { units: 2 } }],
      connections: [],
    }
    const loaded = Descriptor.fromJSON(json)
    json.layers[0]!.params.units = 5
    expect(loaded.layers[0]?.params.units).toBe(2)
  })

  it('fills in absent params and connections', () => {
    const loaded = Descriptor.fromJSON({
      layers: [{ name: 'only', type: 'flatten' }],
    })
    expect(loaded.toJSON()).toEqual({
      layers: [{ name: 'only', type: 'flatten', params: {} }],
      connections: [],
    })
  })

  it('rejects a malformed descriptor with every problem', () => {
    let error: unknown
    try {
      Descriptor.fromJSON({
        layers: [{ name: 'a', type: 'relu' }, { name: 'a' }],
        connections: [['a', 'b']],
        output: 'c',
      })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(NordValidationError)
    const issues = (error as NordValidationError).issues
    expect(issues.map((issue) => [issue.path, issue.code])).toEqual([
      ['layers[1].type', 'NORD_ERR_INVALID_DESCRIPTOR'],
      ['layers[1].name', 'NORD_ERR_DUPLICATE_LAYER'],
      ['connections[0][1]', 'NORD_ERR_UNKNOWN_LAYER'],
      ['output', 'NORD_ERR_UNKNOWN_LAYER'],
    ])
  })

  it('loads a descriptor with invalid parameters for inspection', () => {
    const loaded = Descriptor.fromJSON({
      layers: [{ name: 'c', type: 'conv2d', params: { filters: 0 } }],
      connections: [],
    })
    expect(loaded.validate().map((issue) => issue.path)).toEqual([
      'layers[0].params.filters',
      'layers[0].params.kernelSize',
    ])
  })
})

describe('Descriptor checks', () => {
  it('validates shapes against an input shape', () => {
    const network = branching()
    expect(network.validate({ inputShape: [28, 28, 1], classes: 10 })).toEqual(
      [],
    )
    const [issue] = network.validate({ inputShape: [6, 6, 1] })
    expect(issue?.code).toBe('NORD_ERR_SHAPE')
  })

  it('reports topology problems', () => {
    const network = branching()
    network.addLayer('relu', {}, 'loose')
    const issues = network.validate()
    expect(issues).toHaveLength(1)
    expect(issues[0]?.code).toBe('NORD_ERR_TOPOLOGY')
    expect(issues[0]?.message).toContain(
      "'loose' is the output layer (the last layer, because output is not set)",
    )
  })

  it('summarizes like summarizeNetwork', () => {
    const summary = branching().summarize([28, 28, 1], 10)
    expect(summary.layers.map((layer) => layer.name)).toEqual([
      'stem',
      'branch_a',
      'branch_b',
      'joined',
      'flatten_1',
      'dense_1',
      'head_dense',
      'head_softmax',
    ])
  })

  it('summarizes the example of its documentation', () => {
    const network = new Descriptor()
    network.addSequential('conv2d', { filters: 16, kernelSize: 3 })
    network.addSequential('relu6')
    expect(network.summarize([28, 28, 1], 10).parameters).toBe(108_330)
  })

  it('hashes like descriptorHash', () => {
    const network = branching()
    expect(network.hash()).toBe(descriptorHash(network.toJSON()))
  })

  it('throws when hashing an invalid topology', () => {
    const network = branching()
    network.connect('dense_1', 'joined')
    expect(thrown(() => network.hash()).code).toBe('NORD_ERR_TOPOLOGY')
  })

  it('rejects an unknown merge mode', () => {
    const network = branching()
    const mode = 'mean' as 'sum'
    expect(thrown(() => network.setMerge('joined', mode)).code).toBe(
      'NORD_ERR_INVALID_DESCRIPTOR',
    )
  })
})
