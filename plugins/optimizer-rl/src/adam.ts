/** Adam's decay of the first moment estimate (Kingma and Ba, 2015). */
const BETA1 = 0.9
/** Adam's decay of the second moment estimate. */
const BETA2 = 0.999
/** Added to the root of the second moment so the step stays finite. */
const EPSILON = 1e-8

/** Adam's moment estimates, as plain arrays for a saved state. */
export type AdamState = {
  /** Updates applied so far; the bias correction depends on it. */
  step: number
  firstMoment: number[][]
  secondMoment: number[][]
}

/**
 * Adam as gradient ascent over blocks of parameters, with the constants of
 * Kingma and Ba (beta1 0.9, beta2 0.999, epsilon 1e-8).
 */
export class Adam {
  private step = 0
  private firstMoment: Float64Array[]
  private secondMoment: Float64Array[]

  constructor(
    private readonly learningRate: number,
    sizes: readonly number[],
  ) {
    this.firstMoment = sizes.map((size) => new Float64Array(size))
    this.secondMoment = sizes.map((size) => new Float64Array(size))
  }

  /** Moves `parameters` in place along `gradient`, the direction of ascent. */
  ascend(parameters: Float64Array[], gradient: readonly Float64Array[]): void {
    this.step++
    const firstCorrection = 1 - BETA1 ** this.step
    const secondCorrection = 1 - BETA2 ** this.step

    parameters.forEach((block, blockIndex) => {
      const grad = gradient[blockIndex]!
      const first = this.firstMoment[blockIndex]!
      const second = this.secondMoment[blockIndex]!
      for (let index = 0; index < block.length; index++) {
        const g = grad[index]!
        first[index] = BETA1 * first[index]! + (1 - BETA1) * g
        second[index] = BETA2 * second[index]! + (1 - BETA2) * g * g
        const mean = first[index]! / firstCorrection
        const variance = second[index]! / secondCorrection
        block[index]! +=
          (this.learningRate * mean) / (Math.sqrt(variance) + EPSILON)
      }
    })
  }

  getState(): AdamState {
    return {
      step: this.step,
      firstMoment: this.firstMoment.map((block) => Array.from(block)),
      secondMoment: this.secondMoment.map((block) => Array.from(block)),
    }
  }

  /** Replaces the moments; the caller has checked the block sizes. */
  setState(state: AdamState): void {
    this.step = state.step
    this.firstMoment = state.firstMoment.map((block) =>
      Float64Array.from(block),
    )
    this.secondMoment = state.secondMoment.map((block) =>
      Float64Array.from(block),
    )
  }
}
