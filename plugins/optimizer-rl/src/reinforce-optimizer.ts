import {
  type Candidate,
  createRandom,
  type EvaluationStatus,
  FAILED_FITNESS,
  formatValue,
  type Genotype,
  type IntegerGene,
  type JsonValue,
  NordError,
  type Optimizer,
  type Random,
  type Result,
} from '@nord/core'
import packageJson from '../package.json' with { type: 'json' }
import { Adam } from './adam.js'
import { FactorisedPolicy } from './factorised-policy.js'
import {
  type ReinforceOptimizerOptions,
  type ResolvedReinforceOptions,
  resolveReinforceOptions,
} from './options.js'
import type { Choices, Policy } from './policy.js'
import {
  type PendingSampleState,
  parseReinforceState,
  type ReinforceState,
  type ScoredSampleState,
  STATE_FORMAT,
  sampleIndex,
} from './state.js'

/** The plugin name that logs, errors and run configurations use. */
export const OPTIMIZER_NAME = 'nord:optimizer-rl'

/** The factory's input from its host: the genes and a seed. */
export interface ReinforceOptimizerContext {
  space: { readonly genes: readonly IntegerGene[] }
  /** The seed of the optimizer's random streams; only its low 32 bits matter. */
  seed: number
}

/** A REINFORCE controller behind the ask/tell interface. */
export interface ReinforceOptimizer extends Optimizer {
  readonly mode: 'steady-state'
  /** The options in use, defaults applied. */
  readonly options: ResolvedReinforceOptions
  /**
   * Samples `n` candidates from the current policy, `batchSize` when `n` is
   * absent, fewer when the `samples` limit is near. Throws
   * `NORD_ERR_INVALID_COUNT` when `n` is not an integer >= 0.
   */
  ask(n?: number): Candidate[]
  /**
   * Records results of pending candidates, in any order and grouping. Each
   * time `batchSize` results are waiting, the policy takes one update step
   * with the earliest of them. Throws `NORD_ERR_INVALID_RESULT`,
   * `NORD_ERR_UNKNOWN_CANDIDATE`, `NORD_ERR_DUPLICATE_RESULT` or
   * `NORD_ERR_INVALID_FITNESS` without recording anything from the call.
   */
  tell(results: Result[]): void
  /** True once `samples` candidates were proposed and each has a result. */
  done(): boolean
  state(): ReinforceState
  /**
   * Replaces the whole state. An invalid state raises
   * `NORD_ERR_INVALID_STATE` and leaves the current state unchanged.
   */
  restore(state: JsonValue): void
  /**
   * The natural log of the probability that the current policy samples
   * `genotype`. Throws `NORD_ERR_GENOTYPE` for a genotype outside the space.
   */
  logProbability(genotype: Genotype): number
}

/**
 * Creates the REINFORCE optimizer. The LSTM controller loads TensorFlow.js
 * and activates a backend first, so creation is asynchronous; `ask()` and
 * `tell()` are synchronous afterwards. Throws a `NordValidationError` that
 * lists every invalid option and gene bound.
 */
export async function createReinforceOptimizer(
  options: ReinforceOptimizerOptions | undefined,
  context: ReinforceOptimizerContext,
): Promise<ReinforceOptimizer> {
  const genes = context.space?.genes
  const resolved = resolveReinforceOptions(options, genes)
  const ownGenes = genes.map(({ name, min, max }) => ({ name, min, max }))
  const sizes = ownGenes.map((gene) => gene.max - gene.min + 1)

  const random = createRandom(context.seed)
  const policy = await createPolicy(resolved, sizes, random)
  return new Reinforce(resolved, ownGenes, policy, random)
}

async function createPolicy(
  options: ResolvedReinforceOptions,
  sizes: number[],
  random: Random,
): Promise<Policy> {
  if (options.controller === 'factorised') return new FactorisedPolicy(sizes)

  const { createLstmPolicy } = await import('./lstm-policy.js')
  const hiddenSize = options.hiddenSize!
  // A stream of its own, so that the initial weights shift no sample.
  return createLstmPolicy(sizes, hiddenSize, random.derive('lstm-weights'))
}

type PendingSample = { index: number; genotype: Genotype; generation: number }

type ScoredSample = { index: number; genotype: Genotype; reward: number }

/**
 * Returns the reward of a result: the evaluation's fitness when its status
 * is `ok`, and `FAILED_FITNESS` (0) for `invalid` and `failed`.
 */
export function rewardOf(status: EvaluationStatus, fitness: number): number {
  return status === 'ok' ? fitness : FAILED_FITNESS
}

const STATUSES: readonly unknown[] = ['ok', 'invalid', 'failed']

class Reinforce implements ReinforceOptimizer {
  readonly name = OPTIMIZER_NAME
  readonly version: string = packageJson.version
  readonly mode = 'steady-state'

  private readonly adam: Adam
  private baseline: number | null = null
  private updates = 0
  private proposed = 0
  private pending = new Map<number, PendingSample>()
  private scored: ScoredSample[] = []

  constructor(
    readonly options: ResolvedReinforceOptions,
    private readonly genes: readonly IntegerGene[],
    private readonly policy: Policy,
    private readonly random: Random,
  ) {
    const sizes = policy.parameters.map((block) => block.length)
    this.adam = new Adam(options.learningRate, sizes)
  }

  ask(n?: number): Candidate[] {
    const count = this.countToAsk(n)
    const samples = this.policy.sample(count, this.random)

    return samples.map((choices) => {
      const sample: PendingSample = {
        index: this.proposed++,
        genotype: this.genotypeOf(choices),
        generation: this.updates,
      }
      this.pending.set(sample.index, sample)
      return {
        id: idOf(sample.index),
        genotype: sample.genotype.slice(),
        generation: sample.generation,
      }
    })
  }

  tell(results: Result[]): void {
    const rewards = this.checkResults(results)
    const arrived = [...rewards.entries()].sort(([a], [b]) => a - b)

    for (const [index, reward] of arrived) {
      const sample = this.pending.get(index)!
      this.pending.delete(index)
      this.scored.push({ index, genotype: sample.genotype, reward })
    }

    while (this.scored.length >= this.options.batchSize) {
      this.update(this.scored.splice(0, this.options.batchSize))
    }
  }

  done(): boolean {
    const { samples } = this.options
    if (samples === undefined) return false
    return this.proposed >= samples && this.pending.size === 0
  }

  state(): ReinforceState {
    const pending: PendingSampleState[] = [...this.pending.values()].map(
      (sample) => ({
        id: idOf(sample.index),
        genotype: sample.genotype.slice(),
        generation: sample.generation,
      }),
    )
    const scored: ScoredSampleState[] = this.scored.map((sample) => ({
      id: idOf(sample.index),
      genotype: sample.genotype.slice(),
      reward: sample.reward,
    }))

    return {
      format: STATE_FORMAT,
      controller: this.options.controller,
      parameters: this.policy.parameters.map((block) => Array.from(block)),
      adam: this.adam.getState(),
      baseline: this.baseline,
      updates: this.updates,
      proposed: this.proposed,
      pending,
      scored,
      random: this.random.getState(),
    }
  }

  restore(state: JsonValue): void {
    const parsed = parseReinforceState(state, {
      controller: this.options.controller,
      genes: this.genes,
      blockSizes: this.policy.parameters.map((block) => block.length),
    })

    parsed.parameters.forEach((block, index) => {
      this.policy.parameters[index]!.set(block)
    })
    this.adam.setState(parsed.adam)
    this.baseline = parsed.baseline
    this.updates = parsed.updates
    this.proposed = parsed.proposed
    this.pending = new Map(
      parsed.pending.map((saved) => {
        const index = sampleIndex(saved.id)!
        const genotype = saved.genotype.slice()
        return [index, { index, genotype, generation: saved.generation }]
      }),
    )
    this.scored = parsed.scored.map((saved) => ({
      index: sampleIndex(saved.id)!,
      genotype: saved.genotype.slice(),
      reward: saved.reward,
    }))
    this.random.setState(parsed.random)
  }

  logProbability(genotype: Genotype): number {
    const choices = this.choicesOf(genotype)
    return this.policy.logProbabilities([choices])[0]!
  }

  /**
   * Takes one REINFORCE step on a batch, sorted by sample so that the arrival
   * order inside the batch does not matter. The first batch's mean reward
   * starts the baseline, so the first advantages are centred.
   *
   * NOTE: a sample drawn before an earlier update enters the gradient at the
   * current parameters without an importance weight. The step is then only
   * approximately on-policy, more so with many candidates in flight.
   */
  private update(batch: ScoredSample[]): void {
    batch.sort((a, b) => a.index - b.index)
    const meanReward =
      batch.reduce((sum, sample) => sum + sample.reward, 0) / batch.length
    const baseline = this.baseline ?? meanReward

    const scoredChoices = batch.map((sample) => ({
      choices: this.choicesOf(sample.genotype),
      advantage: sample.reward - baseline,
    }))
    const gradient = this.policy.objectiveGradient(
      scoredChoices,
      this.options.entropyWeight,
    )
    this.adam.ascend(this.policy.parameters, gradient)

    const decay = this.options.baselineDecay
    this.baseline = decay * baseline + (1 - decay) * meanReward
    this.updates++
  }

  private countToAsk(n: number | undefined): number {
    const requested = n ?? this.options.batchSize
    if (!Number.isSafeInteger(requested) || requested < 0) {
      throw new NordError(
        'NORD_ERR_INVALID_COUNT',
        `${OPTIMIZER_NAME}: ask() needs a count that is an integer >= 0, got ${formatValue(n)}`,
        {
          value: n,
          hint: 'Pass a whole number of candidates, or nothing for batchSize',
        },
      )
    }

    const { samples } = this.options
    if (samples === undefined) return requested
    return Math.min(requested, Math.max(0, samples - this.proposed))
  }

  /**
   * Returns the reward of each result by sample index, after checking every
   * result of the call, so that a rejected call records nothing.
   */
  private checkResults(results: Result[]): Map<number, number> {
    if (!Array.isArray(results)) {
      throw new NordError(
        'NORD_ERR_INVALID_RESULT',
        `${OPTIMIZER_NAME}: tell() expects an array of results, got ${formatValue(results)}`,
        { value: results, hint: 'Pass the results of candidates from ask()' },
      )
    }

    const rewards = new Map<number, number>()
    for (const result of results) {
      const index = this.checkCandidateId(result?.candidate?.id, rewards)
      rewards.set(index, this.checkEvaluation(result))
    }
    return rewards
  }

  private checkCandidateId(id: unknown, inCall: Map<number, number>): number {
    const index = typeof id === 'string' ? sampleIndex(id) : undefined
    if (index === undefined || index >= this.proposed) {
      throw new NordError(
        'NORD_ERR_UNKNOWN_CANDIDATE',
        `${OPTIMIZER_NAME}: candidate ${formatValue(id)} was not proposed by this optimizer`,
        { value: id, hint: 'Tell only candidates returned by ask()' },
      )
    }

    if (!this.pending.has(index) || inCall.has(index)) {
      throw new NordError(
        'NORD_ERR_DUPLICATE_RESULT',
        `${OPTIMIZER_NAME}: candidate ${id} already has a result`,
        { value: id, hint: 'Tell each candidate once' },
      )
    }
    return index
  }

  private checkEvaluation(result: Result): number {
    const id = result.candidate.id
    const status = result.evaluation?.status
    if (!STATUSES.includes(status)) {
      throw new NordError(
        'NORD_ERR_INVALID_RESULT',
        `${OPTIMIZER_NAME}: candidate ${id} has the status ${formatValue(status)}, not 'ok', 'invalid' or 'failed'`,
        {
          value: status,
          hint: 'Pass evaluations as the evaluator returns them',
        },
      )
    }

    const fitness = result.evaluation.fitness
    if (typeof fitness !== 'number' || !Number.isFinite(fitness)) {
      throw new NordError(
        'NORD_ERR_INVALID_FITNESS',
        `${OPTIMIZER_NAME}: candidate ${id} has fitness ${formatValue(fitness)}, which is not a finite number`,
        {
          value: fitness,
          hint: 'Report invalid and failed candidates with the finite fitness FAILED_FITNESS (0)',
        },
      )
    }
    return rewardOf(status as EvaluationStatus, fitness)
  }

  private genotypeOf(choices: Choices): Genotype {
    return choices.map((choice, gene) => this.genes[gene]!.min + choice)
  }

  private choicesOf(genotype: Genotype): Choices {
    const inside =
      Array.isArray(genotype) &&
      genotype.length === this.genes.length &&
      genotype.every((value, index) => {
        const { min, max } = this.genes[index]!
        return Number.isSafeInteger(value) && value >= min && value <= max
      })
    if (!inside) {
      throw new NordError(
        'NORD_ERR_GENOTYPE',
        `${OPTIMIZER_NAME}: genotype ${formatValue(genotype)} does not fit the space's ${this.genes.length} genes`,
        {
          value: genotype,
          hint: 'Pass one integer within its bounds per gene',
        },
      )
    }
    return genotype.map((value, gene) => value - this.genes[gene]!.min)
  }
}

function idOf(index: number): string {
  return `s${index}`
}
