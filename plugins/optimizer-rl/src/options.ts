import {
  checkInteger,
  checkIntegerGenes,
  checkNumber,
  checkOneOf,
  formatValue,
  IssueList,
  isPlainObject,
  rejectUnknownKeys,
} from '@nord/core'

/**
 * The policy that chooses each gene. `factorised`: independent softmax logits
 * per gene. `lstm`: an LSTM that emits the genes one after another.
 */
export type ControllerKind = 'factorised' | 'lstm'

/** The options a user writes. Every option is optional. */
export interface ReinforceOptimizerOptions {
  /** The policy; `factorised` (default) needs no TensorFlow.js. */
  controller?: ControllerKind
  /**
   * Units of the LSTM's hidden state, which is also the size of each choice's
   * embedding. Default 35. Valid only with `controller: 'lstm'`.
   */
  hiddenSize?: number
  /** Adam's step size, greater than 0. Default 0.05. */
  learningRate?: number
  /**
   * Decay of the exponential moving-average baseline, in [0, 1). After each
   * update the baseline becomes `decay * baseline + (1 - decay) * mean reward
   * of the batch`. Default 0.9.
   */
  baselineDecay?: number
  /** Weight of the policy's entropy in the objective, at least 0. Default 0.01. */
  entropyWeight?: number
  /** Results per policy update, a positive integer. Default 8. */
  batchSize?: number
  /**
   * Candidates to propose in all. `done()` returns true once each of them has
   * a result. Unlimited when absent.
   */
  samples?: number
}

/** The options in use, defaults applied. */
export interface ResolvedReinforceOptions {
  controller: ControllerKind
  /** Present only for the LSTM controller. */
  hiddenSize?: number
  learningRate: number
  baselineDecay: number
  entropyWeight: number
  batchSize: number
  /** Absent for no limit. */
  samples?: number
}

/** The defaults of every option that has one. */
export const DEFAULT_OPTIONS: Readonly<
  Required<Omit<ReinforceOptimizerOptions, 'samples'>>
> = {
  controller: 'factorised',
  hiddenSize: 35,
  learningRate: 0.05,
  baselineDecay: 0.9,
  entropyWeight: 0.01,
  batchSize: 8,
}

const CONTROLLERS: readonly ControllerKind[] = ['factorised', 'lstm']

const OPTION_KEYS = [
  'controller',
  'hiddenSize',
  'learningRate',
  'baselineDecay',
  'entropyWeight',
  'batchSize',
  'samples',
]

/** The subject of option errors. */
const SUBJECT = 'nord:optimizer-rl options'

/**
 * Applies the defaults and checks every option and the gene bounds. Throws
 * one `NordValidationError` that lists every problem with its key path.
 */
export function resolveReinforceOptions(
  options: unknown,
  genes: unknown,
): ResolvedReinforceOptions {
  const issues = new IssueList()
  const written = options ?? {}
  if (isPlainObject(written)) {
    rejectUnknownKeys('', written, OPTION_KEYS, issues)
    checkOptions(written, issues)
  } else {
    issues.add('options', `must be an object, got ${formatValue(written)}`)
  }
  checkIntegerGenes(genes, issues)
  issues.throwIfAny(SUBJECT)

  return applyDefaults(written as ReinforceOptimizerOptions)
}

function checkOptions(written: Record<string, unknown>, issues: IssueList) {
  const merged = { ...DEFAULT_OPTIONS, ...definedEntries(written) }

  checkOneOf('controller', merged.controller, CONTROLLERS, issues)
  checkNumber(
    'learningRate',
    merged.learningRate,
    { min: 0, exclusive: true },
    issues,
  )
  checkRate('baselineDecay', merged.baselineDecay, issues)
  checkNumber('entropyWeight', merged.entropyWeight, { min: 0 }, issues)
  checkInteger('batchSize', merged.batchSize, { min: 1 }, issues)
  if (written.samples !== undefined) {
    checkInteger('samples', written.samples, { min: 1 }, issues)
  }

  checkInteger('hiddenSize', merged.hiddenSize, { min: 1 }, issues)
  if (written.hiddenSize !== undefined && merged.controller !== 'lstm') {
    issues.add(
      'hiddenSize',
      `applies only to the LSTM controller, but controller is ${formatValue(merged.controller)}. Remove it or set controller to 'lstm'`,
    )
  }
}

/** Checks a number in [0, 1), which `checkNumber` cannot express. */
function checkRate(path: string, value: unknown, issues: IssueList): void {
  const valid =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= 0 &&
    value < 1
  if (!valid) {
    issues.add(path, `must be a number in [0, 1), got ${formatValue(value)}`)
  }
}

function applyDefaults(
  written: ReinforceOptimizerOptions,
): ResolvedReinforceOptions {
  const merged = { ...DEFAULT_OPTIONS, ...definedEntries(written) }
  const resolved: ResolvedReinforceOptions = {
    controller: merged.controller,
    learningRate: merged.learningRate,
    baselineDecay: merged.baselineDecay,
    entropyWeight: merged.entropyWeight,
    batchSize: merged.batchSize,
  }
  if (resolved.controller === 'lstm') resolved.hiddenSize = merged.hiddenSize
  if (written.samples !== undefined) resolved.samples = written.samples
  return resolved
}

/** Drops keys whose value is `undefined`, which count as absent. */
function definedEntries<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>
}
