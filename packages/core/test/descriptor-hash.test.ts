import { describe, expect, it } from 'vitest'
import { descriptorHash } from '../src/descriptor/hash.js'
import { validateDescriptor } from '../src/descriptor/inference.js'
import { NordValidationError } from '../src/errors.js'
import { createRandom, type Random } from '../src/random.js'
import type { DescriptorJSON, LayerSpec } from '../src/types.js'

function conv(
  name: string,
  filters: number,
  kernelSize: number | number[],
  extra: Record<string, string | number | boolean | number[]> = {},
): LayerSpec {
  return { name, type: 'conv2d', params: { filters, kernelSize, ...extra } }
}

/** Builds a stem, two branches merged into `join` with `mode`, then dense. */
function branching(options: {
  names?: [string, string, string, string, string, string]
  order?: 'ab' | 'ba'
  mode?: 'sum' | 'concat'
  filtersA?: number
}): DescriptorJSON {
  const [stem, a, b, join, flat, fc] = options.names ?? [
    'stem',
    'a',
    'b',
    'join',
    'flat',
    'fc',
  ]
  const joinLayer: LayerSpec = conv(join, 8, 3)
  if (options.mode) joinLayer.merge = options.mode
  const inputs: [string, string][] =
    options.order === 'ba'
      ? [
          [b, join],
          [a, join],
        ]
      : [
          [a, join],
          [b, join],
        ]
  return {
    layers: [
      conv(stem, 4, 3),
      conv(a, options.filtersA ?? 6, 3),
      conv(b, 6, 5),
      joinLayer,
      { name: flat, type: 'flatten', params: {} },
      { name: fc, type: 'dense', params: { units: 16 } },
    ],
    connections: [[stem, a], [stem, b], ...inputs, [join, flat], [flat, fc]],
  }
}

describe('descriptorHash', () => {
  const base = descriptorHash(branching({}))

  it('returns a sha256 hex digest', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/)
  })

  it('ignores layer names', () => {
    const renamed = branching({
      names: ['s', 'left', 'right', 'm', 'f', 'out'],
    })
    expect(descriptorHash(renamed)).toBe(base)
  })

  it('ignores the order of layers and connections', () => {
    const json = branching({})
    const reordered: DescriptorJSON = {
      layers: [...json.layers].reverse(),
      connections: [...json.connections].reverse(),
      input: 'stem',
      output: 'fc',
    }
    expect(descriptorHash(reordered)).toBe(base)
  })

  it('ignores the order of sum inputs', () => {
    expect(descriptorHash(branching({ order: 'ba' }))).toBe(base)
  })

  it('treats an absent merge as sum', () => {
    expect(descriptorHash(branching({ mode: 'sum' }))).toBe(base)
  })

  it('ignores how defaults are spelled', () => {
    const json = branching({})
    json.layers[0] = conv('stem', 4, [3, 3], {
      strides: 1,
      padding: 'valid',
      dilationRate: [1, 1],
      useBias: true,
    })
    json.layers[5]!.params = { units: 16, useBias: true }
    json.input = 'stem'
    json.output = 'fc'
    expect(descriptorHash(json)).toBe(base)
  })

  it('ignores merge on single-input layers', () => {
    const json = branching({})
    json.layers[4]!.merge = 'concat'
    expect(descriptorHash(json)).toBe(base)
  })

  it('changes with the number of filters', () => {
    expect(descriptorHash(branching({ filtersA: 7 }))).not.toBe(base)
  })

  it('changes with an explicit non-default parameter', () => {
    const json = branching({})
    json.layers[0] = conv('stem', 4, 3, { padding: 'same' })
    expect(descriptorHash(json)).not.toBe(base)
  })

  it('changes with the merge mode', () => {
    expect(descriptorHash(branching({ mode: 'concat' }))).not.toBe(base)
  })

  it('changes when concat inputs are swapped', () => {
    const ab = descriptorHash(branching({ mode: 'concat', order: 'ab' }))
    const ba = descriptorHash(branching({ mode: 'concat', order: 'ba' }))
    expect(ab).not.toBe(ba)
  })

  it('keeps concat order when the layers are renamed', () => {
    const ab = descriptorHash(branching({ mode: 'concat', order: 'ab' }))
    const renamed = branching({
      mode: 'concat',
      order: 'ab',
      names: ['s', 'x', 'y', 'm', 'f', 'o'],
    })
    expect(descriptorHash(renamed)).toBe(ab)
  })

  it('changes with an extra connection', () => {
    const json = branching({})
    json.connections.push(['stem', 'join'])
    expect(descriptorHash(json)).not.toBe(base)
  })

  it('changes with the layer order', () => {
    const chain = (first: string, second: string): DescriptorJSON => ({
      layers: [
        { name: 'relu', type: 'relu', params: {} },
        { name: 'sigmoid', type: 'sigmoid', params: {} },
      ],
      connections: [[first, second]],
      input: first,
      output: second,
    })
    const reluFirst = descriptorHash(chain('relu', 'sigmoid'))
    expect(descriptorHash(chain('sigmoid', 'relu'))).not.toBe(reluFirst)
  })

  it('tells a shared layer from two identical layers', () => {
    // shared: one convolution feeds both activations.
    const shared: DescriptorJSON = {
      layers: [
        conv('c', 4, 3),
        { name: 'p', type: 'relu', params: {} },
        { name: 'q', type: 'relu', params: {} },
        { name: 'm', type: 'flatten', params: {} },
      ],
      connections: [
        ['c', 'p'],
        ['c', 'q'],
        ['p', 'm'],
        ['q', 'm'],
      ],
    }
    // separate: the input layer feeds two identical convolutions.
    const separate: DescriptorJSON = {
      layers: [
        { name: 'in', type: 'relu', params: {} },
        conv('c1', 4, 3),
        conv('c2', 4, 3),
        { name: 'p', type: 'relu', params: {} },
        { name: 'q', type: 'relu', params: {} },
        { name: 'm', type: 'flatten', params: {} },
      ],
      connections: [
        ['in', 'c1'],
        ['in', 'c2'],
        ['c1', 'p'],
        ['c2', 'q'],
        ['p', 'm'],
        ['q', 'm'],
      ],
    }
    const sharedWithStem: DescriptorJSON = {
      layers: [{ name: 'in', type: 'relu', params: {} }, ...shared.layers],
      connections: [['in', 'c'], ...shared.connections],
    }
    expect(descriptorHash(sharedWithStem)).not.toBe(descriptorHash(separate))
  })

  it('hashes a network that fits no input', () => {
    const json: DescriptorJSON = {
      layers: [conv('c', 4, 500)],
      connections: [],
    }
    expect(descriptorHash(json)).toMatch(/^[0-9a-f]{64}$/)
  })

  it('keeps the hash of a known descriptor', () => {
    // A change of this value means every stored hash changes: bump the
    // format name in hash.ts when it is intended.
    const json: DescriptorJSON = {
      layers: [conv('c', 4, 3), { name: 'r', type: 'relu6', params: {} }],
      connections: [['c', 'r']],
    }
    expect(descriptorHash(json)).toBe(descriptorHash(structuredClone(json)))
    expect(descriptorHash(json)).toMatchInlineSnapshot(
      `"684f0934da0915beffbbb2500faf7ef03d87147ab722000f9fa7203d48211806"`,
    )
  })
})

/**
 * Builds a random valid graph: layer i takes one or two earlier layers as inputs,
 * and every layer without a consumer feeds the last one.
 */
function randomGraph(random: Random, size: number): DescriptorJSON {
  const types = ['relu', 'sigmoid', 'tanh']
  const layers: LayerSpec[] = []
  const connections: [string, string][] = []
  for (let index = 0; index < size; index++) {
    const merge = random.chance(0.5) ? 'concat' : 'sum'
    layers.push({
      name: `n${index}`,
      type: random.pick(types),
      params: {},
      merge,
    })
    if (index === 0) continue

    const first = random.int(0, index - 1)
    connections.push([`n${first}`, `n${index}`])
    const second = random.int(0, index - 1)
    if (second !== first && random.chance(0.5)) {
      connections.push([`n${second}`, `n${index}`])
    }
  }
  for (let index = 0; index < size - 1; index++) {
    const used = connections.some(([from]) => from === `n${index}`)
    if (!used) connections.push([`n${index}`, `n${size - 1}`])
  }
  return { layers, connections }
}

/** Returns the same graph with new names and shuffled layers and connections. */
function disguise(random: Random, json: DescriptorJSON): DescriptorJSON {
  const names = random.shuffle(json.layers.map((_, index) => `x${index}`))
  const rename = new Map(
    json.layers.map((layer, index) => [layer.name, names[index]!]),
  )
  const input = rename.get(json.layers[0]!.name)!
  const output = rename.get(json.layers[json.layers.length - 1]!.name)!

  // Concat inputs keep their relative order; everything else is shuffled.
  const shuffled = random.shuffle(json.connections)
  const byTarget = new Map<string, [string, string][]>()
  for (const connection of json.connections) {
    const list = byTarget.get(connection[1]) ?? []
    list.push(connection)
    byTarget.set(connection[1], list)
  }
  const connections = shuffled.map(([, to]) => byTarget.get(to)!.shift()!)
  return {
    layers: random
      .shuffle(json.layers)
      .map((layer) => ({ ...layer, name: rename.get(layer.name)! })),
    connections: connections.map(([from, to]): [string, string] => [
      rename.get(from)!,
      rename.get(to)!,
    ]),
    input,
    output,
  }
}

describe('descriptorHash on random graphs', () => {
  it('matches renamed and reordered twins', () => {
    const random = createRandom(7)
    for (let trial = 0; trial < 50; trial++) {
      const json = randomGraph(random, random.int(2, 12))
      expect(validateDescriptor(json)).toEqual([])

      const twin = disguise(random, json)
      expect(descriptorHash(twin)).toBe(descriptorHash(json))
    }
  })

  it('differs when one layer type changes', () => {
    const random = createRandom(11)
    for (let trial = 0; trial < 50; trial++) {
      const json = randomGraph(random, random.int(2, 12))
      const changed = structuredClone(json)
      const layer = random.pick(changed.layers)
      layer.type = layer.type === 'relu' ? 'elu' : 'relu'
      expect(descriptorHash(changed)).not.toBe(descriptorHash(json))
    }
  })

  it('ignores the order of identical branches', () => {
    const names = ['a', 'b', 'c', 'd']
    const make = (order: string[], filters: number[]): DescriptorJSON => ({
      layers: [
        { name: 'in', type: 'relu', params: {} },
        ...order.map((name, index) => conv(name, filters[index]!, 3)),
        { name: 'out', type: 'relu', params: {} },
      ],
      connections: [
        ...order.map((name): [string, string] => ['in', name]),
        ...order.map((name): [string, string] => [name, 'out']),
      ],
      input: 'in',
      output: 'out',
    })
    const first = descriptorHash(make(names, [2, 2, 5, 5]))
    const second = descriptorHash(make([...names].reverse(), [5, 2, 5, 2]))
    expect(second).toBe(first)
    expect(descriptorHash(make(names, [2, 5, 5, 5]))).not.toBe(first)
  })
})

describe('descriptorHash errors', () => {
  function hashError(json: unknown): NordValidationError {
    try {
      descriptorHash(json)
    } catch (error) {
      if (error instanceof NordValidationError) return error
      throw error
    }
    throw new Error('descriptorHash did not throw')
  }

  it('rejects a cycle', () => {
    const json = branching({})
    json.connections.push(['fc', 'join'])
    expect(hashError(json).code).toBe('NORD_ERR_TOPOLOGY')
  })

  it('rejects a layer off the path', () => {
    const json = branching({})
    json.layers.push({ name: 'loose', type: 'relu', params: {} })
    json.output = 'fc'
    expect(hashError(json).code).toBe('NORD_ERR_TOPOLOGY')
  })

  it('rejects invalid parameters', () => {
    const json = branching({})
    json.layers[0]!.params = { filters: 0, kernelSize: 3 }
    expect(hashError(json).code).toBe('NORD_ERR_INVALID_PARAM')
  })

  it('rejects malformed JSON', () => {
    expect(hashError({ layers: 'none' }).code).toBe(
      'NORD_ERR_INVALID_DESCRIPTOR',
    )
  })

  it('says why there is no hash', () => {
    expect(hashError({ layers: [] }).message).toContain(
      'Only a descriptor with a valid structure',
    )
  })
})
