import { type IntegerGene, IssueList } from '@nord/core'

/** The method that chooses parents from the evaluated generation. */
export type SelectionMethod = 'tournament' | 'roulette'

/** The method that recombines two parents into two children. */
export type CrossoverMethod = 'single-point' | 'uniform'

/** The method that perturbs a child's genes after crossover. */
export type MutationMethod = 'uniform' | 'creep'

/**
 * `generational`: whole generations, one per `ask()`. `steady-state`: each
 * result joins the population as it arrives, and `ask(n)` breeds `n`
 * children.
 */
export type GeneticVariant = 'generational' | 'steady-state'

/** The rule that picks the individual a full steady-state population drops. */
export type ReplacementMethod = 'worst' | 'oldest'

/** The options both variants take. Every option is optional. */
export interface CommonGeneticOptions {
  /**
   * Individuals per generation, or the size of the steady-state population.
   * Default 10.
   */
  population?: number
  /**
   * Generations to run, the initial random one included. `done()` returns
   * true once this many generations have every result. The steady-state
   * variant proposes `population * generations` candidates in all. Default
   * 10.
   */
  generations?: number
  /**
   * Probability in [0, 1] that a pair of parents is recombined. Otherwise
   * the children start as copies of the parents. Default 0.9.
   */
  crossoverRate?: number
  /** Probability in [0, 1] that each gene of a child mutates. Default 0.2. */
  mutationRate?: number
  /**
   * `tournament` (default): the fittest of `tournamentSize` distinct
   * individuals drawn uniformly. `roulette`: fitness-proportional, with a
   * uniform choice when every fitness is zero.
   */
  selection?: SelectionMethod
  /**
   * Individuals per tournament, from 1 to `population`. Default 2, or 1 when
   * the population is 1. Valid only with `selection: 'tournament'`.
   */
  tournamentSize?: number
  /**
   * `single-point` (default): a cut point swaps the suffixes of the parents.
   * `uniform`: each gene comes from either parent with probability 0.5.
   */
  crossover?: CrossoverMethod
  /**
   * `uniform` (default): a mutated gene is resampled uniformly within its
   * bounds. `creep`: a mutated gene moves by 1 to `creepStep` up or down,
   * clamped to its bounds.
   */
  mutation?: MutationMethod
  /**
   * The largest move of a creep mutation, in gene units. Default 1. Valid
   * only with `mutation: 'creep'`.
   */
  creepStep?: number
}

/** The options a user writes for the generational variant, the default. */
export interface GeneticOptimizerOptions extends CommonGeneticOptions {
  variant?: 'generational'
  /**
   * The number of best individuals copied unchanged into the next
   * generation, from 0 to `population - 1`. Default 0.
   */
  elitism?: number
}

/** The options a user writes for the steady-state variant. */
export interface SteadyStateGeneticOptions extends CommonGeneticOptions {
  variant: 'steady-state'
  /**
   * `worst` (default): once the population is full, each arriving result
   * joins it and the least fit individual, the newcomer included, is
   * dropped, the oldest of equals first. `oldest`: the individual that
   * joined first is dropped.
   */
  replacement?: ReplacementMethod
}

/** The options of either variant, as the plugin receives them. */
export type GeneticAlgorithmOptions =
  | GeneticOptimizerOptions
  | SteadyStateGeneticOptions

/** The options with every default applied. */
export type ResolvedGeneticOptions = Readonly<
  Required<CommonGeneticOptions> & {
    variant: GeneticVariant
    /** Always 0 in the steady-state variant. */
    elitism: number
    /** Unused by the generational variant. */
    replacement: ReplacementMethod
  }
>

/** The defaults of the genetic algorithm in the NORD paper. */
export const DEFAULT_OPTIONS: ResolvedGeneticOptions = {
  variant: 'generational',
  population: 10,
  generations: 10,
  crossoverRate: 0.9,
  mutationRate: 0.2,
  selection: 'tournament',
  tournamentSize: 2,
  crossover: 'single-point',
  elitism: 0,
  mutation: 'uniform',
  creepStep: 1,
  replacement: 'worst',
}

const OPTION_KEYS = Object.keys(DEFAULT_OPTIONS)
const SELECTIONS: readonly SelectionMethod[] = ['tournament', 'roulette']
const CROSSOVERS: readonly CrossoverMethod[] = ['single-point', 'uniform']
const MUTATIONS: readonly MutationMethod[] = ['uniform', 'creep']
const VARIANTS: readonly GeneticVariant[] = ['generational', 'steady-state']
const REPLACEMENTS: readonly ReplacementMethod[] = ['worst', 'oldest']

/**
 * Validates the options, the gene bounds and the seed, and applies the
 * defaults. Throws one `NordValidationError` listing every problem, each
 * prefixed by its key path (`population`, `space.genes[2]`, `seed`).
 */
export function resolveGeneticOptions(
  options: unknown,
  genes: unknown,
  seed: unknown = 0,
): ResolvedGeneticOptions {
  const issues = new IssueList()
  const resolved = checkOptions(options ?? {}, issues)
  checkGenes(genes, issues)
  if (!Number.isSafeInteger(seed)) {
    issues.add('seed', `must be a safe integer, got ${show(seed)}`)
  }
  issues.throwIfAny('nord:optimizer-ga configuration')
  return Object.freeze(resolved)
}

function checkOptions(
  options: unknown,
  issues: IssueList,
): ResolvedGeneticOptions {
  if (!isPlainObject(options)) {
    issues.add('options', `must be an object, got ${show(options)}`)
    return DEFAULT_OPTIONS
  }

  rejectUnknownKeys(options, issues)
  const merged: Record<string, unknown> = { ...DEFAULT_OPTIONS }
  for (const key of OPTION_KEYS) {
    if (options[key] !== undefined) merged[key] = options[key]
  }

  const population = validPopulation(merged.population)
  if (options.tournamentSize === undefined && population !== undefined) {
    // A population of 1 cannot hold the default tournament of 2.
    merged.tournamentSize = Math.min(DEFAULT_OPTIONS.tournamentSize, population)
  }

  checkSizes(merged, issues)
  checkMethods(options, merged, issues)
  checkVariant(options, merged, issues)
  return merged as ResolvedGeneticOptions
}

function rejectUnknownKeys(
  options: Record<string, unknown>,
  issues: IssueList,
): void {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      issues.add(
        key,
        `is not an option of nord:optimizer-ga. Valid options are ${OPTION_KEYS.join(', ')}`,
      )
    }
  }
}

function checkSizes(options: Record<string, unknown>, issues: IssueList): void {
  const population = options.population
  checkInteger(issues, 'population', population, 1)
  checkInteger(issues, 'generations', options.generations, 1)
  checkRate(issues, 'crossoverRate', options.crossoverRate)
  checkRate(issues, 'mutationRate', options.mutationRate)

  const valid = validPopulation(population)
  const maximumElites = valid === undefined ? undefined : valid - 1
  checkInteger(
    issues,
    'elitism',
    options.elitism,
    0,
    maximumElites,
    'population - 1',
  )
}

function checkMethods(
  written: Record<string, unknown>,
  options: Record<string, unknown>,
  issues: IssueList,
): void {
  checkOneOf(issues, 'selection', options.selection, SELECTIONS)
  checkOneOf(issues, 'crossover', options.crossover, CROSSOVERS)
  checkOneOf(issues, 'mutation', options.mutation, MUTATIONS)

  const population = validPopulation(options.population)
  checkInteger(
    issues,
    'tournamentSize',
    options.tournamentSize,
    1,
    population,
    'population',
  )
  if (
    written.tournamentSize !== undefined &&
    options.selection !== 'tournament'
  ) {
    issues.add(
      'tournamentSize',
      `applies only to tournament selection, but selection is ${show(options.selection)}. Remove it or set selection to 'tournament'`,
    )
  }

  checkInteger(issues, 'creepStep', options.creepStep, 1)
  if (written.creepStep !== undefined && options.mutation !== 'creep') {
    issues.add(
      'creepStep',
      `applies only to creep mutation, but mutation is ${show(options.mutation)}. Remove it or set mutation to 'creep'`,
    )
  }
}

function checkVariant(
  written: Record<string, unknown>,
  options: Record<string, unknown>,
  issues: IssueList,
): void {
  checkOneOf(issues, 'variant', options.variant, VARIANTS)
  checkOneOf(issues, 'replacement', options.replacement, REPLACEMENTS)

  const variant = options.variant
  if (written.replacement !== undefined && variant !== 'steady-state') {
    issues.add(
      'replacement',
      `applies only to the steady-state variant, but variant is ${show(variant)}. Remove it or set variant to 'steady-state'`,
    )
  }
  if (
    written.elitism !== undefined &&
    written.elitism !== 0 &&
    variant === 'steady-state'
  ) {
    issues.add(
      'elitism',
      `applies only to the generational variant, because replacement decides who survives in the steady-state one. Remove it or set variant to 'generational'`,
    )
  }
}

/** Checks integer gene bounds: safe integers with `min <= max`. */
function checkGenes(genes: unknown, issues: IssueList): void {
  const code = 'NORD_ERR_INVALID_SPACE'
  if (!Array.isArray(genes) || genes.length === 0) {
    issues.add(
      'space.genes',
      `must be a non-empty array of integer genes, got ${show(genes)}`,
      code,
    )
    return
  }

  genes.forEach((gene: Partial<IntegerGene> | null, index) => {
    const path = `space.genes[${index}]`
    const min = gene?.min
    const max = gene?.max
    if (!Number.isSafeInteger(min)) {
      issues.add(`${path}.min`, `must be an integer, got ${show(min)}`, code)
    }
    if (!Number.isSafeInteger(max)) {
      issues.add(`${path}.max`, `must be an integer, got ${show(max)}`, code)
    }
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
      issues.add(
        path,
        `bounds are inverted (min ${min} > max ${max} in gene ${show(gene?.name)}). Swap them`,
        code,
      )
    }
  })
}

function checkInteger(
  issues: IssueList,
  key: string,
  value: unknown,
  min: number,
  max?: number,
  maxName?: string,
): void {
  if (!isInteger(value) || value < min) {
    const kind = min === 1 ? 'a positive integer' : `an integer >= ${min}`
    issues.add(key, `must be ${kind}, got ${show(value)}`)
    return
  }
  if (max !== undefined && value > max) {
    issues.add(key, `must be at most ${maxName} (${max}), got ${value}`)
  }
}

function checkRate(issues: IssueList, key: string, value: unknown): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    issues.add(key, `must be a number from 0 to 1, got ${show(value)}`)
  }
}

function checkOneOf(
  issues: IssueList,
  key: string,
  value: unknown,
  allowed: readonly string[],
): void {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    const names = allowed.map((name) => `'${name}'`).join(', ')
    issues.add(key, `must be one of ${names}, got ${show(value)}`)
  }
}

/**
 * Returns the population if it is valid, so that limits derived from it apply.
 */
function validPopulation(value: unknown): number | undefined {
  return isInteger(value) && value >= 1 ? value : undefined
}

function isInteger(value: unknown): value is number {
  return Number.isSafeInteger(value)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Formats a value for a message: strings quoted, the rest as JSON or text. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (typeof value === 'number' || value === undefined) return String(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
