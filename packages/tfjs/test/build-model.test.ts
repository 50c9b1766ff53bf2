import {
  convNetSizeSpace,
  type DescriptorJSON,
  type LayerSpec,
  summarizeNetwork,
} from '@nord/core'
import * as tf from '@tensorflow/tfjs-core'
import {
  type LayersModel,
  model as layersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  buildModel,
  buildNetwork,
  countTrainableParameters,
  selectBackend,
} from '../src/index.js'
import { seededValues } from './helpers.js'

const MNIST_SHAPE = [28, 28, 1]

/**
 * Networks of the NORD paper's search space (Kyriakides and Margaritis, 2018):
 * the filters and kernel sizes of two convolutions.
 */
const PAPER_NETWORKS: [string, number[]][] = [
  ['8k3-16k3', [8, 3, 16, 3]],
  ['32k5-32k5', [32, 5, 32, 5]],
  ['50k14-50k10', [50, 14, 50, 10]],
]

function chain(layers: LayerSpec[]): DescriptorJSON {
  const connections = layers
    .slice(1)
    .map((layer, index): [string, string] => [layers[index]!.name, layer.name])
  return { layers, connections }
}

/** Two conv branches of different kernel sizes from one input, summed into a third conv. */
const BRANCHING: DescriptorJSON = {
  layers: [
    { name: 'in', type: 'conv2d', params: { filters: 4, kernelSize: 3 } },
    { name: 'small', type: 'conv2d', params: { filters: 6, kernelSize: 3 } },
    { name: 'large', type: 'conv2d', params: { filters: 8, kernelSize: 7 } },
    { name: 'joined', type: 'conv2d', params: { filters: 5, kernelSize: 3 } },
    { name: 'act', type: 'relu6', params: {} },
    { name: 'flat', type: 'flatten', params: {} },
    { name: 'hidden', type: 'dense', params: { units: 16 } },
    { name: 'drop', type: 'dropout', params: { rate: 0.25 } },
  ],
  connections: [
    ['in', 'small'],
    ['in', 'large'],
    ['small', 'joined'],
    ['large', 'joined'],
    ['joined', 'act'],
    ['act', 'flat'],
    ['flat', 'hidden'],
    ['hidden', 'drop'],
  ],
}

const CONCAT: DescriptorJSON = {
  layers: [
    { name: 'stem', type: 'conv2d', params: { filters: 3, kernelSize: 1 } },
    { name: 'pool', type: 'maxPooling2d', params: { poolSize: 3 } },
    {
      name: 'wide',
      type: 'conv2d',
      params: { filters: 5, kernelSize: 3, padding: 'same' },
    },
    { name: 'cat', type: 'batchNormalization', params: {}, merge: 'concat' },
    { name: 'gap', type: 'globalAveragePooling2d', params: {} },
  ],
  connections: [
    ['stem', 'pool'],
    ['stem', 'wide'],
    ['pool', 'cat'],
    ['wide', 'cat'],
    ['cat', 'gap'],
  ],
}

/** A spatial branch summed with a vector branch: flattened, then padded in features. */
const VECTOR_MERGE: DescriptorJSON = {
  layers: [
    {
      name: 'conv',
      type: 'conv2d',
      params: { filters: 2, kernelSize: 5, strides: 2 },
    },
    { name: 'gap', type: 'globalAveragePooling2d', params: {} },
    { name: 'dense', type: 'dense', params: { units: 3, useBias: false } },
    { name: 'sum', type: 'elu', params: {} },
  ],
  connections: [
    ['conv', 'gap'],
    ['gap', 'dense'],
    ['conv', 'sum'],
    ['dense', 'sum'],
  ],
}

const DILATED = chain([
  {
    name: 'c1',
    type: 'conv2d',
    params: { filters: 4, kernelSize: 3, dilationRate: 2 },
  },
  {
    name: 'p1',
    type: 'averagePooling2d',
    params: { poolSize: 2, padding: 'same' },
  },
  {
    name: 'c2',
    type: 'conv2d',
    params: { filters: 4, kernelSize: [2, 3], dilationRate: [3, 1] },
  },
  { name: 's', type: 'sigmoid', params: {} },
])

const NETWORKS: [string, DescriptorJSON][] = [
  ...PAPER_NETWORKS.map(([label, genotype]): [string, DescriptorJSON] => [
    `paper ${label}`,
    convNetSizeSpace().decode(genotype),
  ]),
  ['branching sum', BRANCHING],
  ['concat', CONCAT],
  ['vector merge', VECTOR_MERGE],
  ['dilated', DILATED],
]

function initialWeights(model: LayersModel): Float32Array[] {
  return model
    .getWeights()
    .map((weight) => weight.dataSync<'float32'>().slice())
}

beforeAll(async () => {
  await selectBackend()
})

describe('buildModel', () => {
  it.each(NETWORKS)(
    'matches core parameter counts: %s',
    (_label, descriptor) => {
      const summary = summarizeNetwork(descriptor, MNIST_SHAPE, 10)
      const model = buildModel(descriptor, {
        inputShape: MNIST_SHAPE,
        classes: 10,
        seed: 1,
      })

      expect(countTrainableParameters(model)).toBe(summary.parameters)
      model.dispose()
    },
  )

  it.each(NETWORKS)('matches core output shapes: %s', (_label, descriptor) => {
    const summary = summarizeNetwork(descriptor, MNIST_SHAPE, 10)
    const model = buildModel(descriptor, {
      inputShape: MNIST_SHAPE,
      classes: 10,
      seed: 1,
    })

    for (const layer of summary.layers) {
      const built = model.getLayer(layer.name)
      expect(built.outputShape, layer.name).toEqual([
        null,
        ...layer.outputShape,
      ])
    }
    model.dispose()
  })

  it('names layers and appends the head', () => {
    const model = buildModel(convNetSizeSpace().decode([8, 3, 16, 3]), {
      inputShape: MNIST_SHAPE,
      classes: 10,
      seed: 1,
    })
    const names = model.layers.map((layer) => layer.name)

    expect(names).toEqual([
      'input',
      'conv_1',
      'relu6_1',
      'conv_2',
      'relu6_2',
      'head_flatten',
      'head_dense',
      'head_softmax',
    ])
    model.dispose()
  })

  it('skips head_flatten when the output is a vector', () => {
    const model = buildModel(CONCAT, {
      inputShape: MNIST_SHAPE,
      classes: 4,
      seed: 1,
    })
    const names = model.layers.map((layer) => layer.name)

    expect(names).not.toContain('head_flatten')
    expect(names.slice(-2)).toEqual(['head_dense', 'head_softmax'])
    model.dispose()
  })

  it('outputs class probabilities', () => {
    const model = buildModel(BRANCHING, {
      inputShape: [12, 12, 1],
      classes: 3,
      seed: 1,
    })
    const x = tf.tensor4d(seededValues(2 * 12 * 12, 9), [2, 12, 12, 1])
    const probabilities = model.predict(x) as tf.Tensor
    const rowSums = tf.sum(probabilities, 1)

    expect(probabilities.shape).toEqual([2, 3])
    for (const total of rowSums.dataSync()) expect(total).toBeCloseTo(1, 5)
    tf.dispose([x, probabilities, rowSums])
    model.dispose()
  })

  it('gives the same initial weights for the same seed', () => {
    const options = { inputShape: MNIST_SHAPE, classes: 10, seed: 42 }
    const first = buildModel(BRANCHING, options)
    const second = buildModel(BRANCHING, options)

    expect(initialWeights(second)).toEqual(initialWeights(first))
    first.dispose()
    second.dispose()
  })

  it('gives different initial weights for another seed', () => {
    const first = buildModel(BRANCHING, {
      inputShape: MNIST_SHAPE,
      classes: 10,
      seed: 42,
    })
    const second = buildModel(BRANCHING, {
      inputShape: MNIST_SHAPE,
      classes: 10,
      seed: 43,
    })
    const kernel = (model: LayersModel) =>
      model.getLayer('small').getWeights()[0]!.dataSync()

    expect(kernel(second)).not.toEqual(kernel(first))
    first.dispose()
    second.dispose()
  })

  it('rejects an oversized kernel before tensors', () => {
    const before = tf.memory().numTensors
    const build = () =>
      buildModel(convNetSizeSpace().decode([8, 20, 16, 10]), {
        inputShape: MNIST_SHAPE,
        classes: 10,
        seed: 1,
      })

    expect(build).toThrow(expect.objectContaining({ code: 'NORD_ERR_SHAPE' }))
    expect(build).toThrow('conv_2')
    expect(tf.memory().numTensors).toBe(before)
  })

  it('reports an invalid seed with the descriptor problems', () => {
    const descriptor = chain([
      { name: 'c', type: 'conv2d', params: { filters: 0, kernelSize: 3 } },
    ])
    let error: unknown
    try {
      buildModel(descriptor, {
        inputShape: MNIST_SHAPE,
        classes: 10,
        seed: 0.5,
      })
    } catch (caught) {
      error = caught
    }

    const paths = (error as { issues: { path: string }[] }).issues.map(
      (issue) => issue.path,
    )
    expect(paths).toContain('layers[0].params.filters')
    expect(paths).toContain('seed')
  })

  it('frees every weight when the model is disposed', () => {
    const before = tf.memory().numTensors
    const model = buildModel(CONCAT, {
      inputShape: MNIST_SHAPE,
      classes: 10,
      seed: 1,
    })
    model.dispose()

    expect(tf.memory().numTensors).toBe(before)
  })
})

describe('merging', () => {
  const x = () =>
    tf.tensor4d(seededValues(5 * 5, 21).map(Math.abs), [1, 5, 5, 1])

  /** Computes the output of one named layer of a network built on a 5x5x1 input. */
  function layerOutput(
    descriptor: DescriptorJSON,
    layer: string,
    input: tf.Tensor,
  ) {
    const network = buildNetwork(descriptor, {
      inputShape: [5, 5, 1],
      classes: 2,
      seed: 1,
    })
    const probe = layersModel({
      inputs: network.model.inputs,
      outputs: network.model.getLayer(layer).output as SymbolicTensor,
    })
    const output = probe.predict(input) as tf.Tensor
    const values = output.dataSync().slice()
    const shape = output.shape
    output.dispose()
    network.model.dispose()
    return { values, shape }
  }

  it('pads the smaller input below and right before a sum', () => {
    const descriptor: DescriptorJSON = {
      layers: [
        { name: 'a', type: 'relu', params: {} },
        { name: 'p', type: 'maxPooling2d', params: { poolSize: 2 } },
        { name: 'm', type: 'relu', params: {} },
      ],
      connections: [
        ['a', 'p'],
        ['a', 'm'],
        ['p', 'm'],
      ],
    }
    const input = x()
    const pooled = tf.maxPool(input, 2, 2, 'valid')
    const expected = tf.add(
      input,
      tf.pad(pooled, [
        [0, 0],
        [1, 2],
        [1, 2],
        [0, 0],
      ]),
    )

    const actual = layerOutput(descriptor, 'm', input)

    expect(actual.shape).toEqual([1, 5, 5, 1])
    expect(Array.from(actual.values)).toEqual(Array.from(expected.dataSync()))
    tf.dispose([input, pooled, expected])
  })

  it('flattens and zero-extends features when a vector joins', () => {
    const descriptor: DescriptorJSON = {
      layers: [
        { name: 'a', type: 'relu', params: {} },
        { name: 'g', type: 'globalAveragePooling2d', params: {} },
        { name: 'm', type: 'relu', params: {} },
      ],
      connections: [
        ['a', 'g'],
        ['a', 'm'],
        ['g', 'm'],
      ],
    }
    const input = x()
    const flat = Array.from(input.dataSync())
    const mean = flat.reduce((sum, value) => sum + value, 0) / flat.length
    const expected = flat.map((value, index) =>
      index === 0 ? value + mean : value,
    )

    const actual = layerOutput(descriptor, 'm', input)

    expect(actual.shape).toEqual([1, 25])
    for (const [index, value] of actual.values.entries()) {
      expect(value).toBeCloseTo(expected[index]!, 6)
    }
    input.dispose()
  })

  it('concatenates in connection order', () => {
    const descriptor: DescriptorJSON = {
      layers: [
        { name: 'a', type: 'relu', params: {} },
        { name: 'p', type: 'maxPooling2d', params: { poolSize: 2 } },
        { name: 'm', type: 'relu', params: {}, merge: 'concat' },
      ],
      connections: [
        ['a', 'p'],
        ['p', 'm'],
        ['a', 'm'],
      ],
    }
    const input = x()
    const pooled = tf.pad(tf.maxPool(input, 2, 2, 'valid'), [
      [0, 0],
      [1, 2],
      [1, 2],
      [0, 0],
    ])
    const expected = tf.concat([pooled, input], 3)

    const actual = layerOutput(descriptor, 'm', input)

    expect(actual.shape).toEqual([1, 5, 5, 2])
    expect(Array.from(actual.values)).toEqual(Array.from(expected.dataSync()))
    tf.dispose([input, pooled, expected])
  })
})

describe('dropout', () => {
  const descriptor = chain([
    { name: 'a', type: 'relu', params: {} },
    { name: 'drop', type: 'dropout', params: { rate: 0.5 } },
  ])

  function masks(seed: number, calls: number, training: boolean): number[][] {
    const network = buildNetwork(descriptor, {
      inputShape: [4, 4, 1],
      classes: 2,
      seed,
    })
    const layer = network.model.getLayer('drop')
    const ones = tf.ones([1, 4, 4, 1])
    const result: number[][] = []
    for (let call = 0; call < calls; call++) {
      const output = layer.apply(ones, { training }) as tf.Tensor
      result.push(Array.from(output.dataSync()))
      output.dispose()
    }
    ones.dispose()
    network.model.dispose()
    return result
  }

  it('passes inputs unchanged outside training', () => {
    const [output] = masks(1, 1, false)

    expect(output).toEqual(new Array(16).fill(1))
  })

  it('draws a new mask for every training batch', () => {
    const [first, second] = masks(1, 2, true)

    expect(second).not.toEqual(first)
  })

  it('draws the same masks for the same seed', () => {
    expect(masks(5, 3, true)).toEqual(masks(5, 3, true))
  })
})
