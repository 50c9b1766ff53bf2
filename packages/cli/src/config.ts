import { readFileSync } from 'node:fs'
import {
  type Issue,
  IssueList,
  type JsonValue,
  NordError,
  NordValidationError,
} from '@nord/core'

/**
 * The evaluation budget of a search whose configuration sets no budget and
 * whose optimizer has no `generations` option: 50, the size of the default
 * GA search (10 individuals for 5 generations).
 */
export const DEFAULT_EVALUATIONS = 50

/** A plugin choice in a configuration: a short name or a package, and its options. */
export interface PluginChoice {
  /** A built-in short name (`ga`, `local`) or a package name. */
  use: string
  options: Record<string, JsonValue>
}

/** The configuration of `nord search`, in the shape `--config FILE` reads. */
export interface SearchConfig {
  /** The run seed: every random choice of the run derives from it. */
  seed: number
  /** The run directory. */
  out: string
  space: {
    name: 'conv-net-size'
    /** Convolutional layers. */
    layers: number
    /** Inclusive bounds of each layer's filter count. */
    filters: [number, number]
    /** Inclusive bounds of each layer's square kernel size. */
    kernelSize: [number, number]
    padding: 'valid' | 'same'
  }
  /**
   * When the search stops: at the first limit reached; null is no limit.
   * When all three are null the search runs for the optimizer's
   * `generations` option if it has one (the GA), else for
   * `DEFAULT_EVALUATIONS` evaluations.
   */
  budget: {
    /** Candidates evaluated, cache hits and invalid ones included. */
    evaluations: number | null
    /** Ask/tell rounds; a steady-state optimizer is told one result per round. */
    generations: number | null
    /** Wall-clock seconds after which no new evaluation starts. */
    seconds: number | null
  }
  optimizer: PluginChoice
  evaluator: PluginChoice & {
    /** Seconds after which one evaluation is recorded as failed; 0 for none. */
    timeout: number
  }
  dataset: {
    name: 'fashion-mnist' | 'mnist' | 'cifar10'
    /** A folder holding the dataset's files; null to look them up. */
    dataDir: string | null
    /** Training samples, a stratified seeded subset; null for all. */
    trainSize: number | null
    /** Test samples, a stratified seeded subset; null for all. */
    testSize: number | null
  }
}

/**
 * Returns the defaults: the first experiment of the NORD paper (Kyriakides
 * and Margaritis, 2018). A local genetic algorithm (crossover 0.9, mutation
 * 0.2) searches two convolutional layers with 1 to 50 filters and kernels of
 * 1 to 50. The Fashion-MNIST subset is small enough to finish in a few
 * minutes.
 */
export function defaultSearchConfig(): SearchConfig {
  return {
    seed: 1,
    out: `runs/${new Date().toISOString().replace(/[:.]/g, '-')}`,
    space: {
      name: 'conv-net-size',
      layers: 2,
      filters: [1, 50],
      kernelSize: [1, 50],
      padding: 'valid',
    },
    budget: { evaluations: null, generations: null, seconds: null },
    optimizer: {
      use: 'ga',
      options: {
        population: 10,
        generations: 5,
        crossoverRate: 0.9,
        mutationRate: 0.2,
      },
    },
    evaluator: {
      use: 'local',
      options: { epochs: 1, batchSize: 32 },
      timeout: 0,
    },
    dataset: {
      name: 'fashion-mnist',
      dataDir: null,
      trainSize: 2000,
      testSize: 1000,
    },
  }
}

/** The command-line options of `nord search` that override the configuration. */
export interface SearchFlags {
  /** A run directory to continue; it excludes the other flags but the budget ones. */
  resume?: string
  evaluations?: string
  config?: string
  optimizer?: string
  evaluator?: string
  dataset?: string
  dataDir?: string
  population?: string
  generations?: string
  epochs?: string
  batchSize?: string
  trainSize?: string
  testSize?: string
  workers?: string
  seed?: string
  out?: string
}

/**
 * Resolves the configuration of a search: the defaults, then the file given
 * with `--config`, then the command-line flags. Every problem is reported at
 * once with its key path.
 */
export function resolveSearchConfig(flags: SearchFlags): SearchConfig {
  const { config, issues } = checkSearchConfig(flags)
  if (issues.length > 0) {
    throw new NordValidationError('the search configuration', issues)
  }
  return config
}

/**
 * Resolves the configuration like `resolveSearchConfig` but returns its
 * problems instead of throwing, so that the caller can add the problems of
 * the search space and the plugins' options and report all of them at once.
 */
export function checkSearchConfig(flags: SearchFlags): {
  config: SearchConfig
  issues: Issue[]
} {
  const config = defaultSearchConfig()
  const issues = new IssueList()

  if (flags.config) mergeFile(config, flags.config, issues)

  const setInteger = integerSetter(issues)
  // Another plugin than the configured one starts from empty options, since
  // options belong to one plugin.
  if (flags.optimizer && flags.optimizer !== config.optimizer.use) {
    config.optimizer = { use: flags.optimizer, options: {} }
  }
  if (flags.evaluator && flags.evaluator !== config.evaluator.use) {
    config.evaluator = {
      ...config.evaluator,
      use: flags.evaluator,
      options: {},
    }
  }
  if (flags.dataset) config.dataset.name = flags.dataset as never
  if (flags.dataDir) config.dataset.dataDir = flags.dataDir
  if (flags.out) config.out = flags.out
  setInteger('seed', flags.seed, (n) => {
    config.seed = n
  })
  setInteger('population', flags.population, (n) => {
    config.optimizer.options.population = n
  })
  setInteger('generations', flags.generations, (n) => {
    setGenerations(config, n)
  })
  setInteger('evaluations', flags.evaluations, (n) => {
    config.budget.evaluations = n
  })
  setInteger('workers', flags.workers, (n) => {
    config.evaluator.options.workers = n
  })
  setInteger('epochs', flags.epochs, (n) => {
    config.evaluator.options.epochs = n
  })
  setInteger('batch-size', flags.batchSize, (n) => {
    config.evaluator.options.batchSize = n
  })
  setInteger('train-size', flags.trainSize, (n) => {
    config.dataset.trainSize = n
  })
  setInteger('test-size', flags.testSize, (n) => {
    config.dataset.testSize = n
  })

  applyDefaultBudget(config)
  checkConfig(config, issues)
  return { config, issues: issues.issues }
}

/** Flags that `--resume` accepts besides the budget ones, which only extend. */
const RESUME_FLAGS: Record<string, string> = {
  config: '--config',
  optimizer: '--optimizer',
  evaluator: '--evaluator',
  dataset: '--dataset',
  dataDir: '--data-dir',
  population: '--population',
  epochs: '--epochs',
  batchSize: '--batch-size',
  trainSize: '--train-size',
  testSize: '--test-size',
  workers: '--workers',
  seed: '--seed',
  out: '--out',
}

/** The configuration of a resumed run, and whether flags extended its budget. */
export interface ResumedConfig {
  config: SearchConfig
  extended: boolean
}

/**
 * Resolves the configuration of a run to resume: the recorded configuration
 * of the run in `dir` (its `dataset.source` dropped, `out` set to `dir`),
 * with the budget raised by `--generations` or `--evaluations`. Every other
 * flag of `flags` is an error, because the run must go on as it started.
 */
export function resolveResumedConfig(
  recorded: Record<string, JsonValue>,
  dir: string,
  flags: SearchFlags,
): ResumedConfig {
  const issues = new IssueList()
  for (const [key, flag] of Object.entries(RESUME_FLAGS)) {
    if (flags[key as keyof SearchFlags] === undefined) continue
    issues.add(
      flag,
      'cannot be combined with --resume: a resumed run keeps the configuration it started with (config.json of the run); only --generations and --evaluations may raise its budget',
      'NORD_ERR_CONFIG',
    )
  }

  const config = defaultSearchConfig()
  const stored = structuredClone(recorded) as Record<string, unknown>
  if (isRecord(stored.dataset)) delete stored.dataset.source
  mergeInto(config as unknown as Record<string, unknown>, stored, '', issues)
  // The recorded options are complete, so they replace the defaults whole.
  const optimizer = stored.optimizer as Partial<PluginChoice> | undefined
  const evaluator = stored.evaluator as Partial<PluginChoice> | undefined
  if (isRecord(optimizer?.options)) config.optimizer.options = optimizer.options
  if (isRecord(evaluator?.options)) config.evaluator.options = evaluator.options
  config.out = dir
  applyDefaultBudget(config)

  const before = { ...config.budget }
  const setInteger = integerSetter(issues)
  setInteger('generations', flags.generations, (n) => {
    if (raiseLimit('generations', before.generations, n, issues)) {
      setGenerations(config, n)
    }
  })
  setInteger('evaluations', flags.evaluations, (n) => {
    if (raiseLimit('evaluations', before.evaluations, n, issues)) {
      config.budget.evaluations = n
    }
  })

  checkConfig(config, issues)
  issues.throwIfAny(`the configuration of the run in ${dir}`)
  const extended =
    config.budget.generations !== before.generations ||
    config.budget.evaluations !== before.evaluations
  return { config, extended }
}

function raiseLimit(
  key: 'generations' | 'evaluations',
  current: number | null,
  requested: number,
  issues: IssueList,
): boolean {
  if (current === null) {
    issues.add(
      `--${key}`,
      `cannot be given with --resume: the run has no ${key} budget to raise`,
      'NORD_ERR_CONFIG',
    )
    return false
  }
  if (requested < current) {
    issues.add(
      `--${key}`,
      `must be at least ${current}, the run's ${key} budget, to resume it; got ${requested}`,
      'NORD_ERR_CONFIG',
    )
    return false
  }
  return true
}

/**
 * Sets the generations budget, and the optimizer's own `generations` option
 * when it has one (the GA stops by itself after that many generations).
 */
function setGenerations(config: SearchConfig, generations: number): void {
  config.budget.generations = generations
  if ('generations' in config.optimizer.options) {
    config.optimizer.options.generations = generations
  }
}

/** Fills in the budget of a configuration that sets none (see `SearchConfig.budget`). */
function applyDefaultBudget(config: SearchConfig): void {
  const { budget } = config
  if (!isRecord(budget)) return
  const unset =
    budget.evaluations === null &&
    budget.generations === null &&
    budget.seconds === null
  if (!unset) return
  const generations = config.optimizer.options?.generations
  if (Number.isSafeInteger(generations)) {
    budget.generations = generations as number
  } else {
    budget.evaluations = DEFAULT_EVALUATIONS
  }
}

function integerSetter(issues: IssueList) {
  return (
    flag: string,
    value: string | undefined,
    apply: (n: number) => void,
  ) => {
    if (value === undefined) return
    const n = Number(value)
    if (!Number.isSafeInteger(n)) {
      issues.add(
        `--${flag}`,
        `must be an integer, got ${JSON.stringify(value)}`,
      )
      return
    }
    apply(n)
  }
}

function mergeFile(config: SearchConfig, file: string, issues: IssueList) {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new NordError(
      'NORD_ERR_CONFIG',
      `cannot read the configuration file ${file}: ${reason}`,
      { value: file, hint: 'Pass a JSON file with --config' },
    )
  }
  if (!isRecord(parsed)) {
    issues.add(
      'config',
      `must be a JSON object, got ${describe(parsed)}`,
      'NORD_ERR_CONFIG',
    )
    return
  }
  // Options of the default plugins do not apply to another plugin.
  for (const key of ['optimizer', 'evaluator'] as const) {
    const choice = parsed[key]
    const use = isRecord(choice) ? choice.use : undefined
    if (typeof use === 'string' && use !== config[key].use) {
      config[key].options = {}
    }
  }
  // A run's config.json records where its data came from. That record is
  // not an option, so it is dropped and the file works as --config.
  if (isRecord(parsed.dataset)) delete parsed.dataset.source
  mergeInto(config as unknown as Record<string, unknown>, parsed, '', issues)
}

/** Copies `source` into `target` key by key, rejecting keys `target` lacks. */
function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  path: string,
  issues: IssueList,
) {
  for (const [key, value] of Object.entries(source)) {
    const keyPath = path ? `${path}.${key}` : key
    if (!(key in target)) {
      issues.add(
        keyPath,
        `unknown key; known keys here are ${Object.keys(target).join(', ')}`,
        'NORD_ERR_CONFIG',
      )
      continue
    }
    const current = target[key]
    // Plugin options are checked by the plugin itself, so they are taken whole.
    if (key === 'options') {
      if (!isRecord(value)) {
        issues.add(
          keyPath,
          `must be an object, got ${describe(value)}`,
          'NORD_ERR_CONFIG',
        )
      } else {
        target[key] = { ...(current as object), ...value }
      }
      continue
    }
    if (isRecord(current) && isRecord(value)) {
      mergeInto(current, value, keyPath, issues)
    } else if (isRecord(current)) {
      issues.add(
        keyPath,
        `must be an object, got ${describe(value)}`,
        'NORD_ERR_CONFIG',
      )
    } else {
      target[key] = value
    }
  }
}

function checkConfig(config: SearchConfig, issues: IssueList) {
  const add = (path: string, message: string) =>
    issues.add(path, message, 'NORD_ERR_CONFIG')
  // Streams use the seed's low 32 bits, so larger seeds would repeat smaller ones.
  if (
    !Number.isSafeInteger(config.seed) ||
    config.seed < 0 ||
    config.seed > 0xffffffff
  ) {
    add(
      'seed',
      `must be an integer from 0 to 4294967295, got ${describe(config.seed)}`,
    )
  }
  if (typeof config.out !== 'string' || config.out === '') {
    add('out', `must be a folder path, got ${describe(config.out)}`)
  }
  if (config.space.name !== 'conv-net-size') {
    add(
      'space.name',
      `must be "conv-net-size", got ${describe(config.space.name)}`,
    )
  }
  for (const key of ['use'] as const) {
    if (typeof config.optimizer[key] !== 'string' || !config.optimizer[key]) {
      add(
        `optimizer.${key}`,
        `must be a plugin name, got ${describe(config.optimizer[key])}`,
      )
    }
    if (typeof config.evaluator[key] !== 'string' || !config.evaluator[key]) {
      add(
        `evaluator.${key}`,
        `must be a plugin name, got ${describe(config.evaluator[key])}`,
      )
    }
  }
  checkBudget(config.budget, add)
  const timeout = config.evaluator.timeout
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) {
    add(
      'evaluator.timeout',
      `must be a number of seconds >= 0, got ${describe(timeout)}`,
    )
  }
  const datasets = ['fashion-mnist', 'mnist', 'cifar10']
  if (!datasets.includes(config.dataset.name)) {
    add(
      'dataset.name',
      `must be one of ${datasets.join(', ')}, got ${describe(config.dataset.name)}`,
    )
  }
  for (const key of ['trainSize', 'testSize'] as const) {
    const value = config.dataset[key]
    if (value !== null && (!Number.isSafeInteger(value) || value < 1)) {
      add(
        `dataset.${key}`,
        `must be a positive integer or null, got ${describe(value)}`,
      )
    }
  }
  const dataDir = config.dataset.dataDir
  if (dataDir !== null && typeof dataDir !== 'string') {
    add(
      'dataset.dataDir',
      `must be a folder path or null, got ${describe(dataDir)}`,
    )
  }
}

function checkBudget(
  budget: SearchConfig['budget'],
  add: (path: string, message: string) => void,
) {
  for (const key of ['evaluations', 'generations'] as const) {
    const value = budget[key]
    if (value !== null && (!Number.isSafeInteger(value) || value < 1)) {
      add(
        `budget.${key}`,
        `must be a positive integer or null, got ${describe(value)}`,
      )
    }
  }
  const seconds = budget.seconds
  const validSeconds =
    seconds === null ||
    (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0)
  if (!validSeconds) {
    add(
      'budget.seconds',
      `must be a number of seconds > 0 or null, got ${describe(seconds)}`,
    )
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value)
}
