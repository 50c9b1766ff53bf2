import type { Random } from '@nord/core'
import type * as TfCore from '@tensorflow/tfjs-core'
import type * as TfLayers from '@tensorflow/tfjs-layers'
import {
  type Choices,
  type Policy,
  type ScoredChoices,
  sampleCategorical,
} from './policy.js'

type Tf = typeof TfCore
type Tensor = TfCore.Tensor
type Tensor2D = TfCore.Tensor2D

/** The spread of the uniform initialiser of embeddings, as in Keras. */
const EMBEDDING_SPREAD = 0.05

/**
 * Loads TensorFlow.js, makes sure a backend is active (`ensureBackend` of
 * `@nord/tfjs`) and creates an LSTM policy with weights drawn by seeded
 * TensorFlow.js initialisers. The seeds come from `random`.
 *
 * TensorFlow.js is imported here, not at the top of the module, so that the
 * factorised controller runs without loading it.
 */
export async function createLstmPolicy(
  sizes: readonly number[],
  hiddenSize: number,
  random: Random,
): Promise<LstmPolicy> {
  const [tf, layers, nordTfjs] = await Promise.all([
    import('@tensorflow/tfjs-core'),
    import('@tensorflow/tfjs-layers'),
    import('@nord/tfjs'),
  ])
  await nordTfjs.ensureBackend()

  const layout = new LstmLayout(sizes, hiddenSize)
  const parameters = initialParameters(tf, layers, layout, random)
  return new LstmPolicy(tf, layout, parameters)
}

/** The role of a parameter block of the LSTM controller. */
type BlockRole =
  | 'first-input'
  | 'gate-kernel'
  | 'gate-bias'
  | 'head'
  | 'head-bias'
  | 'embedding'

/**
 * The shapes of the LSTM controller's parameter blocks. The blocks are the
 * first step's input `[H]`, the gate kernel `[2H, 4H]` over the input and the
 * previous hidden state, and the gate bias `[4H]`, with the gates in the
 * order input, forget, cell, output. Then come each gene's softmax head
 * `[H, K]` and bias `[K]`. Last come the embeddings `[K, H]` of each gene's
 * choices but the last gene's, each the input of the next step.
 */
export class LstmLayout {
  readonly shapes: number[][]
  readonly roles: BlockRole[]

  constructor(
    readonly sizes: readonly number[],
    readonly hiddenSize: number,
  ) {
    const h = hiddenSize
    this.shapes = [[h], [2 * h, 4 * h], [4 * h]]
    this.roles = ['first-input', 'gate-kernel', 'gate-bias']
    for (const size of sizes) {
      this.shapes.push([h, size], [size])
      this.roles.push('head', 'head-bias')
    }
    for (const size of sizes.slice(0, -1)) {
      this.shapes.push([size, h])
      this.roles.push('embedding')
    }
  }

  headWeights(gene: number): number {
    return 3 + 2 * gene
  }

  headBias(gene: number): number {
    return 4 + 2 * gene
  }

  embedding(gene: number): number {
    return 3 + 2 * this.sizes.length + gene
  }
}

/**
 * An LSTM controller in the manner of Zoph and Le (ICLR 2017): one LSTM step
 * per gene, a softmax head per gene over its values, and the embedding of
 * each choice fed as the input of the next step. The weights live in plain
 * arrays and become tensors only inside each call, which disposes every
 * tensor it creates.
 */
export class LstmPolicy implements Policy {
  constructor(
    private readonly tf: Tf,
    private readonly layout: LstmLayout,
    readonly parameters: Float64Array[],
  ) {}

  sample(count: number, random: Random): Choices[] {
    const samples: Choices[] = Array.from({ length: count }, () => [])
    if (count === 0) return samples

    this.tf.tidy(() => {
      const weights = this.weightTensors()
      this.unroll(weights, count, (logits, gene) => {
        const probabilities = this.tf.softmax(logits).dataSync()
        const size = this.layout.sizes[gene]!
        const choices = samples.map((_, row) =>
          sampleCategorical(
            probabilities.subarray(row * size, (row + 1) * size),
            random,
          ),
        )
        choices.forEach((choice, row) => {
          samples[row]!.push(choice)
        })
        return choices
      })
    })
    return samples
  }

  logProbabilities(samples: readonly Choices[]): number[] {
    if (samples.length === 0) return []

    return this.tf.tidy(() => {
      const { logProbability } = this.scoreChoices(
        this.weightTensors(),
        samples,
      )
      return Array.from(logProbability.dataSync())
    })
  }

  objectiveGradient(
    batch: readonly ScoredChoices[],
    entropyWeight: number,
  ): Float64Array[] {
    const tf = this.tf
    const samples = batch.map((entry) => entry.choices)
    let gradient: Float64Array[] = []

    tf.tidy(() => {
      const advantages = tf.tensor1d(batch.map((entry) => entry.advantage))
      const objective = (...weights: Tensor[]): Tensor => {
        const scored = this.scoreChoices(weights, samples)
        const policyTerm = tf.mean(tf.mul(advantages, scored.logProbability))
        const entropyTerm = tf.mul(entropyWeight, tf.mean(scored.entropy))
        return tf.add(policyTerm, entropyTerm)
      }
      const grads = tf.grads(objective)(this.weightTensors())
      gradient = grads.map((grad) => Float64Array.from(grad.dataSync()))
    })
    return gradient
  }

  /**
   * Runs the LSTM over given choices and returns, per sample, the sum of the
   * chosen values' log-probabilities and the sum of each step's entropy. By
   * the chain rule of entropy, the mean of that sum over samples of the
   * policy estimates the entropy of the whole policy without bias.
   */
  private scoreChoices(
    weights: Tensor[],
    samples: readonly Choices[],
  ): { logProbability: Tensor; entropy: Tensor } {
    const tf = this.tf
    let logProbability: Tensor = tf.zeros([samples.length])
    let entropy: Tensor = tf.zeros([samples.length])

    this.unroll(weights, samples.length, (logits, gene) => {
      const choices = samples.map((sample) => sample[gene]!)
      const logSoftmax = tf.logSoftmax(logits)
      const chosen = this.oneHot(choices, this.layout.sizes[gene]!)
      const stepLog = tf.sum(tf.mul(logSoftmax, chosen), 1)
      const stepEntropy = tf.neg(
        tf.sum(tf.mul(tf.exp(logSoftmax), logSoftmax), 1),
      )
      logProbability = tf.add(logProbability, stepLog)
      entropy = tf.add(entropy, stepEntropy)
      return choices
    })
    return { logProbability, entropy }
  }

  /**
   * Steps the LSTM once per gene for `count` samples. `choose` receives the
   * logits `[count, K]` of each gene and returns the chosen index per sample,
   * whose embedding becomes the next step's input.
   */
  private unroll(
    weights: Tensor[],
    count: number,
    choose: (logits: Tensor2D, gene: number) => number[],
  ): void {
    const tf = this.tf
    const layout = this.layout
    const kernel = weights[1] as Tensor2D
    const bias = weights[2]!
    const zeros = tf.zeros([count, layout.hiddenSize]) as Tensor2D
    let input = tf.add(zeros, weights[0]!) as Tensor2D
    let hidden = zeros
    let cell = zeros

    layout.sizes.forEach((size, gene) => {
      const gates = tf.add(
        tf.matMul(tf.concat([input, hidden], 1), kernel),
        bias,
      )
      const [inputGate, forgetGate, candidate, outputGate] = tf.split(
        gates,
        4,
        1,
      )
      cell = tf.add(
        tf.mul(tf.sigmoid(forgetGate!), cell),
        tf.mul(tf.sigmoid(inputGate!), tf.tanh(candidate!)),
      ) as Tensor2D
      hidden = tf.mul(tf.sigmoid(outputGate!), tf.tanh(cell)) as Tensor2D

      const head = weights[layout.headWeights(gene)] as Tensor2D
      const headBias = weights[layout.headBias(gene)]!
      const logits = tf.add(tf.matMul(hidden, head), headBias) as Tensor2D
      const choices = choose(logits, gene)

      if (gene < layout.sizes.length - 1) {
        const embedding = weights[layout.embedding(gene)] as Tensor2D
        input = tf.matMul(this.oneHot(choices, size), embedding)
      }
    })
  }

  /**
   * Builds a constant one-hot matrix `[choices.length, size]` in JavaScript,
   * so that no backend needs a one-hot or gather gradient.
   */
  private oneHot(choices: readonly number[], size: number): Tensor2D {
    const values = new Float32Array(choices.length * size)
    choices.forEach((choice, row) => {
      values[row * size + choice] = 1
    })
    return this.tf.tensor2d(values, [choices.length, size])
  }

  private weightTensors(): Tensor[] {
    return this.parameters.map((block, index) =>
      this.tf.tensor(Float32Array.from(block), this.layout.shapes[index]),
    )
  }
}

/**
 * Draws the first weights: Glorot-uniform kernels and heads, uniform
 * embeddings in [-0.05, 0.05], zero biases but a forget-gate bias of 1 (as
 * Keras' `unitForgetBias`). Each block takes its own seed from `random`.
 */
function initialParameters(
  tf: Tf,
  layers: typeof TfLayers,
  layout: LstmLayout,
  random: Random,
): Float64Array[] {
  const h = layout.hiddenSize

  return layout.shapes.map((shape, index) => {
    const role = layout.roles[index]!
    if (role === 'gate-bias' || role === 'head-bias') {
      const bias = new Float64Array(shape[0]!)
      if (role === 'gate-bias') bias.fill(1, h, 2 * h)
      return bias
    }

    const seed = random.seed32()
    const initializer =
      role === 'gate-kernel' || role === 'head'
        ? layers.initializers.glorotUniform({ seed })
        : layers.initializers.randomUniform({
            minval: -EMBEDDING_SPREAD,
            maxval: EMBEDDING_SPREAD,
            seed,
          })
    const values = tf.tidy(() => initializer.apply(shape).dataSync())
    return Float64Array.from(values)
  })
}
