import type { DescriptorJSON, LayerSpec } from '@nord/core'
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildNetwork } from '../src/build-model.js'
import { dilateKernel } from '../src/custom-layers.js'
import { installWasmKernels, wasmKernelsInstalled } from '../src/index.js'
import { onBackend, relativeError, seededValues } from './helpers.js'

/** Gradients on wasm may differ from cpu by float32 rounding, nothing more. */
const TOLERANCE = 1e-4

type Padding = 'valid' | 'same'

interface ConvCase {
  padding: Padding
  strides: number
  kernel: number
  input: [number, number, number, number]
  filters: number
}

/** Computes dx and dW of sum(conv2d(x, W)^2) on one backend, as plain arrays. */
async function convGradients(backend: string, spec: ConvCase) {
  return onBackend(backend, () => {
    const [, , , channels] = spec.input
    const filterShape: [number, number, number, number] = [
      spec.kernel,
      spec.kernel,
      channels,
      spec.filters,
    ]
    const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1)
    const x = tf.tensor4d(seededValues(size(spec.input), 1), spec.input)
    const filter = tf.tensor4d(seededValues(size(filterShape), 2), filterShape)
    const lossOf = (input: tf.Tensor, weights: tf.Tensor) =>
      tf.sum(
        tf.square(
          tf.conv2d(
            input as tf.Tensor4D,
            weights as tf.Tensor4D,
            spec.strides,
            spec.padding,
          ),
        ),
      )

    const [dx, dFilter] = tf.grads(lossOf)([x, filter])
    const result = {
      dx: dx!.dataSync<'float32'>().slice(),
      dFilter: dFilter!.dataSync<'float32'>().slice(),
    }
    tf.dispose([x, filter, dx!, dFilter!])
    return result
  })
}

function convCases(): ConvCase[] {
  const cases: ConvCase[] = []
  for (const padding of ['valid', 'same'] as const) {
    for (const strides of [1, 2]) {
      for (const kernel of [1, 2, 3, 4, 5]) {
        cases.push({
          padding,
          strides,
          kernel,
          input: [3, 9, 9, 2],
          filters: 3,
        })
        cases.push({
          padding,
          strides,
          kernel,
          input: [2, 8, 7, 1],
          filters: 4,
        })
      }
    }
  }
  return cases
}

beforeAll(async () => {
  await tf.setBackend('wasm')
})

describe('wasm gradient kernels', () => {
  it('are installed when the package loads', () => {
    expect(wasmKernelsInstalled()).toBe(true)
  })

  it('installs once however often it is called', () => {
    const before = tf.getKernel('Conv2DBackpropInput', 'wasm')
    installWasmKernels()
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(before)
  })

  it.each(convCases())(
    'match cpu: $padding, strides $strides, kernel $kernel, input $input',
    async (spec) => {
      const expected = await convGradients('cpu', spec)
      const actual = await convGradients('wasm', spec)

      expect(relativeError(actual.dFilter, expected.dFilter)).toBeLessThan(
        TOLERANCE,
      )
      expect(relativeError(actual.dx, expected.dx)).toBeLessThan(TOLERANCE)
    },
  )

  it('match cpu for a chunked batch', async () => {
    // 12 samples of 32x32 windows of 5x5x16 values exceed the 2^22 values
    // of one matrix product in the input gradient.
    const spec: ConvCase = {
      padding: 'same',
      strides: 2,
      kernel: 5,
      input: [12, 64, 64, 16],
      filters: 2,
    }
    const expected = await convGradients('cpu', spec)
    const actual = await convGradients('wasm', spec)

    expect(relativeError(actual.dx, expected.dx)).toBeLessThan(TOLERANCE)
  })

  it('free their intermediate results', async () => {
    const spec: ConvCase = {
      padding: 'same',
      strides: 2,
      kernel: 3,
      input: [2, 9, 9, 2],
      filters: 3,
    }
    await convGradients('wasm', spec)
    const backend = tf.engine().findBackend('wasm') as unknown as {
      dataIdMap: { numDataIds(): number }
    }
    const before = backend.dataIdMap.numDataIds()

    await convGradients('wasm', spec)

    expect(backend.dataIdMap.numDataIds()).toBe(before)
  })
})

describe('wasm MaxPoolGrad', () => {
  it('routes all-negative windows to the maximum', () => {
    const x = tf.tensor4d([-3, -1, -2, -4], [1, 2, 2, 1])
    const gradient = tf.grad((input) =>
      tf.sum(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid')),
    )(x)

    expect(Array.from(gradient.dataSync())).toEqual([0, 1, 0, 0])
    tf.dispose([x, gradient])
  })

  it('adds the gradients of overlapping windows', () => {
    const x = tf.tensor4d([1, 5, 2, 0, 0, 0, 3, 0, 4], [1, 3, 3, 1])
    const gradient = tf.grad((input) =>
      tf.sum(tf.maxPool(input as tf.Tensor4D, 2, 1, 'valid')),
    )(x)

    expect(Array.from(gradient.dataSync())).toEqual([0, 2, 0, 0, 0, 0, 1, 0, 1])
    tf.dispose([x, gradient])
  })
})

describe('dilateKernel', () => {
  it('matches a dilated convolution', async () => {
    const x = tf.tensor4d(seededValues(2 * 11 * 10 * 2, 3), [2, 11, 10, 2])
    const kernel = tf.tensor4d(seededValues(3 * 2 * 2 * 4, 4), [3, 2, 2, 4])

    const expected = tf.conv2d(x, kernel, 1, 'valid', 'NHWC', [2, 3])
    const dilated = dilateKernel(kernel, [2, 3])
    const actual = tf.conv2d(x, dilated, 1, 'valid')

    expect(dilated.shape).toEqual([5, 4, 2, 4])
    expect(relativeError(actual.dataSync(), expected.dataSync())).toBeLessThan(
      1e-5,
    )
    tf.dispose([x, kernel, expected, dilated, actual])
  })
})

type LayerChain = Omit<LayerSpec, 'name'>[]

/**
 * Chains a conv layer and the layers under test, so that every layer under
 * test passes gradients back to a weight.
 */
function layerNetwork(chain: LayerChain): DescriptorJSON {
  const layers: LayerSpec[] = [
    { name: 'conv', type: 'conv2d', params: { filters: 3, kernelSize: 3 } },
    ...chain.map((layer, index) => ({ name: `tested${index}`, ...layer })),
  ]
  const connections = layers
    .slice(1)
    .map((layer, index): [string, string] => [layers[index]!.name, layer.name])
  return { layers, connections }
}

/** Computes the training loss's gradient of every trainable weight on one backend. */
async function modelGradients(backend: string, descriptor: DescriptorJSON) {
  return onBackend(backend, () => {
    const network = buildNetwork(descriptor, {
      inputShape: [10, 10, 2],
      classes: 4,
      seed: 11,
    })
    const x = tf.tensor4d(seededValues(6 * 10 * 10 * 2, 5), [6, 10, 10, 2])
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1], 'int32'), 4)
    const y = tf.cast(labels, 'float32')
    const variables = network.model.trainableWeights.map(
      (weight) => weight.read() as tf.Variable,
    )

    const { value, grads } = tf.variableGrads(() => {
      const logits = network.logits.apply(x, { training: true }) as tf.Tensor
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar
    }, variables)
    const result = Object.fromEntries(
      Object.entries(grads).map(([name, grad]) => [
        name.replace(/_\d+$/, ''),
        grad.dataSync<'float32'>().slice(),
      ]),
    )
    tf.dispose([x, labels, y, value, ...Object.values(grads)])
    network.model.dispose()
    return result
  })
}

/**
 * Returns the largest gradient of a model. Errors are measured against it,
 * because a weight whose true gradient is zero, such as the bias of a
 * convolution followed by batch normalization, has only rounding noise to
 * compare.
 */
function largestMagnitude(gradients: Record<string, Float32Array>): number {
  let largest = 0
  for (const gradient of Object.values(gradients)) {
    for (const value of gradient) largest = Math.max(largest, Math.abs(value))
  }
  return largest
}

const LAYERS_UNDER_TEST: [string, LayerChain][] = [
  ['conv2d valid', [{ type: 'conv2d', params: { filters: 4, kernelSize: 3 } }]],
  [
    'conv2d same, strides 2',
    [
      {
        type: 'conv2d',
        params: { filters: 4, kernelSize: 3, strides: 2, padding: 'same' },
      },
    ],
  ],
  [
    'conv2d dilated',
    [
      {
        type: 'conv2d',
        params: { filters: 2, kernelSize: 2, dilationRate: 2 },
      },
    ],
  ],
  ['maxPooling2d', [{ type: 'maxPooling2d', params: { poolSize: 2 } }]],
  [
    'maxPooling2d same, strides 1',
    [
      {
        type: 'maxPooling2d',
        params: { poolSize: 3, strides: 1, padding: 'same' },
      },
    ],
  ],
  [
    'averagePooling2d',
    [{ type: 'averagePooling2d', params: { poolSize: 3, strides: 2 } }],
  ],
  ['globalAveragePooling2d', [{ type: 'globalAveragePooling2d', params: {} }]],
  ['relu', [{ type: 'relu', params: {} }]],
  ['relu6', [{ type: 'relu6', params: {} }]],
  ['elu', [{ type: 'elu', params: {} }]],
  ['sigmoid', [{ type: 'sigmoid', params: {} }]],
  ['tanh', [{ type: 'tanh', params: {} }]],
  ['batchNormalization', [{ type: 'batchNormalization', params: {} }]],
  [
    'flatten and dense',
    [
      { type: 'flatten', params: {} },
      { type: 'dense', params: { units: 5 } },
    ],
  ],
]

describe('training gradients on wasm', () => {
  it.each(LAYERS_UNDER_TEST)('match cpu through %s', async (_label, layer) => {
    const descriptor = layerNetwork(layer)
    const expected = await modelGradients('cpu', descriptor)
    const actual = await modelGradients('wasm', descriptor)

    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort())
    const scale = largestMagnitude(expected)
    for (const [name, gradient] of Object.entries(expected)) {
      const error = relativeError(actual[name]!, gradient, scale)
      expect(error, name).toBeLessThan(TOLERANCE)
    }
  })

  it('match cpu for a whole branching model', async () => {
    const descriptor: DescriptorJSON = {
      layers: [
        {
          name: 'stem',
          type: 'conv2d',
          params: { filters: 4, kernelSize: 3, padding: 'same' },
        },
        { name: 'left', type: 'conv2d', params: { filters: 3, kernelSize: 5 } },
        {
          name: 'right',
          type: 'conv2d',
          params: { filters: 6, kernelSize: 3, strides: 2 },
        },
        { name: 'joined', type: 'relu6', params: {} },
        { name: 'norm', type: 'batchNormalization', params: {} },
        { name: 'pool', type: 'maxPooling2d', params: {} },
        { name: 'flat', type: 'flatten', params: {} },
        { name: 'hidden', type: 'dense', params: { units: 8 } },
        { name: 'act', type: 'tanh', params: {} },
      ],
      connections: [
        ['stem', 'left'],
        ['stem', 'right'],
        ['left', 'joined'],
        ['right', 'joined'],
        ['joined', 'norm'],
        ['norm', 'pool'],
        ['pool', 'flat'],
        ['flat', 'hidden'],
        ['hidden', 'act'],
      ],
    }
    const expected = await modelGradients('cpu', descriptor)
    const actual = await modelGradients('wasm', descriptor)

    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort())
    const scale = largestMagnitude(expected)
    for (const [name, gradient] of Object.entries(expected)) {
      const error = relativeError(actual[name]!, gradient, scale)
      expect(error, name).toBeLessThan(TOLERANCE)
    }
  })
})
