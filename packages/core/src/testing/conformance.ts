/**
 * The optimizer conformance suite: checks that an optimizer keeps the
 * ask/tell contract of `Optimizer` in `@nord/core`. It imports no test
 * runner, so any runner can call it inside one test.
 */
import { IssueList, NordError } from '../errors.js'
import { silentLogger } from '../search/logger.js'
import { checkInteger, isPlainObject } from '../search/options.js'
import type {
  IntegerGene,
  MaybePromise,
  Optimizer,
  PluginContext,
  SearchSpace,
} from '../types.js'
import {
  CHECK_NAMES,
  type CheckName,
  type ConformanceCheck,
  runChecks,
  type SuiteSetup,
} from './conformance-checks.js'
import { describe } from './conformance-driver.js'

/** Creates an optimizer from its options, like a plugin's `create`. */
export type OptimizerFactory<O> = (
  options: O,
  context: PluginContext,
) => MaybePromise<Optimizer>

/** Options that the factory must reject, and the key paths its error must name. */
export interface InvalidOptionsCase {
  options: unknown
  /**
   * Key paths that must each appear among the error's issues, either exactly
   * or as the end of a longer path (`population` matches
   * `optimizer.population`).
   */
  paths: readonly string[]
}

export interface ConformanceOptions<O> {
  /** The space to search; only its genes are used, so `{ genes }` is enough. */
  space: SearchSpace | { genes: readonly IntegerGene[] }
  /** Two different seeds for the factory. Default `[1, 2]`. */
  seeds?: readonly [number, number]
  /**
   * Results to tell in each driven run. Default 60. Choose options that let
   * the optimizer pass its initial sampling within this budget, so that the
   * checks also cover its later behaviour.
   */
  budget?: number
  /** Candidates requested per `ask()` from a steady-state optimizer. Default 4. */
  batchSize?: number
  /** The options passed to the factory in every check except `options-validation`. */
  options?: O
  /**
   * The invalid options that `options-validation` passes to the factory.
   * Default: two unknown keys, `conformanceUnknownA` and
   * `conformanceUnknownB`, which must both be reported.
   */
  invalidOptions?: InvalidOptionsCase
}

/** Raised by `runOptimizerConformance` with every failed check. */
export class ConformanceError extends NordError {
  readonly checks: ConformanceCheck[]

  constructor(optimizer: string, checks: ConformanceCheck[]) {
    const failed = checks.filter((check) => !check.passed)
    const lines = failed.map(
      (check) => `  ${check.name}: ${check.message.replaceAll('\n', '\n    ')}`,
    )
    super(
      'NORD_ERR_CONFORMANCE',
      `optimizer '${optimizer}' failed ${failed.length} of ${checks.length} conformance checks:\n${lines.join('\n')}`,
      {
        value: failed,
        hint: 'Fix the optimizer so that it keeps the ask/tell contract of Optimizer in @nord/core',
      },
    )
    this.name = 'ConformanceError'
    this.checks = checks
  }
}

const DEFAULT_INVALID_OPTIONS: InvalidOptionsCase = {
  options: { conformanceUnknownA: 1, conformanceUnknownB: 'yes' },
  paths: ['conformanceUnknownA', 'conformanceUnknownB'],
}

/**
 * Runs every conformance check against optimizers made by `factory` and
 * returns the results, all passed. The checks, by name:
 *
 * - `ask-contract`: `ask()` returns an array of at most the requested count,
 *   with non-empty ids unique in the run and genotypes of the space's length.
 * - `genes-in-bounds`: every gene of every candidate is an integer within
 *   its bounds.
 * - `tell-order`: `tell()` accepts results in a shuffled order, and for a
 *   steady-state optimizer in groups of one to three, some arriving after
 *   later asks. A generational optimizer is told whole generations.
 * - `unknown-candidate`: telling an id it never proposed, or one already
 *   told, raises a nord error and changes nothing.
 * - `determinism`: two optimizers with the same seed and the same tells
 *   propose the same candidates.
 * - `seed-sensitivity`: optimizers with different seeds propose different
 *   candidates.
 * - `state-round-trip`: `state()` survives `JSON.stringify` and
 *   `JSON.parse`, and a fresh optimizer made with the other seed and given
 *   it by `restore()` proposes what the original proposes from then on.
 * - `genotype-values`: changing arrays that `ask()` returned, that `tell()`
 *   received or that `state()` returned changes no later candidate.
 * - `options-validation`: the factory rejects invalid options with a
 *   `NordValidationError` whose issues name every expected key path.
 *
 * @throws ConformanceError (`NORD_ERR_CONFORMANCE`) listing every failed
 *   check, after all checks ran.
 * @throws NordValidationError when the suite's own options are invalid.
 */
export async function runOptimizerConformance<O>(
  factory: OptimizerFactory<O>,
  options: ConformanceOptions<O>,
): Promise<ConformanceCheck[]> {
  const setup = resolveSetup(factory, options)
  const checks = await runChecks(setup)
  if (checks.some((check) => !check.passed)) {
    throw new ConformanceError(await nameOf(setup), checks)
  }
  return checks
}

export { CHECK_NAMES, type CheckName, type ConformanceCheck }

function resolveSetup<O>(
  factory: OptimizerFactory<O>,
  options: ConformanceOptions<O>,
): SuiteSetup {
  const issues = new IssueList()
  if (typeof factory !== 'function') {
    issues.add('factory', `must be a function, got ${describe(factory)}`)
  }
  if (!isPlainObject(options)) {
    issues.add('options', `must be an object, got ${describe(options)}`)
    issues.throwIfAny('optimizer conformance options')
  }

  const seeds = options.seeds ?? [1, 2]
  const budget = options.budget ?? 60
  const batchSize = options.batchSize ?? 4
  checkSeeds(seeds, issues)
  checkInteger('budget', budget, { min: 1 }, issues)
  checkInteger('batchSize', batchSize, { min: 1 }, issues)
  const genes = checkSpace(options.space, issues)
  const invalid = options.invalidOptions ?? DEFAULT_INVALID_OPTIONS
  checkInvalidCase(invalid, issues)
  issues.throwIfAny('optimizer conformance options')

  const space = completeSpace(options.space, genes)
  return {
    create: (seed, written = options.options) =>
      factory(written as O, { space, seed, logger: silentLogger }),
    genes,
    seeds: [seeds[0], seeds[1]],
    budget,
    batchSize,
    invalid,
  }
}

function checkSeeds(seeds: unknown, issues: IssueList): void {
  const valid =
    Array.isArray(seeds) &&
    seeds.length === 2 &&
    seeds.every((seed) => Number.isSafeInteger(seed)) &&
    seeds[0] !== seeds[1]
  if (!valid) {
    issues.add(
      'seeds',
      `must be two different safe integers, got ${describe(seeds)}`,
    )
  }
}

function checkSpace(space: unknown, issues: IssueList): IntegerGene[] {
  const genes = (space as { genes?: unknown } | undefined)?.genes
  if (!Array.isArray(genes) || genes.length === 0) {
    issues.add(
      'space.genes',
      `must be a non-empty array of genes, got ${describe(genes)}`,
    )
    return []
  }

  genes.forEach((gene: Partial<IntegerGene> | null, index) => {
    const path = `space.genes[${index}]`
    const bounded =
      checkInteger(`${path}.min`, gene?.min, {}, issues) &&
      checkInteger(`${path}.max`, gene?.max, {}, issues)
    if (bounded && gene!.min! > gene!.max!) {
      issues.add(path, `min ${gene!.min} is above max ${gene!.max}`)
    }
  })
  return genes.map((gene: IntegerGene, index) => ({
    name: typeof gene?.name === 'string' ? gene.name : `gene${index}`,
    min: gene?.min,
    max: gene?.max,
  }))
}

function checkInvalidCase(invalid: unknown, issues: IssueList): void {
  const paths = (invalid as Partial<InvalidOptionsCase> | null)?.paths
  const valid =
    Array.isArray(paths) &&
    paths.length > 0 &&
    paths.every((path) => typeof path === 'string' && path !== '')
  if (!valid) {
    issues.add(
      'invalidOptions.paths',
      `must be a non-empty array of key paths, got ${describe(paths)}`,
    )
  }
}

/** Gives a bare `{ genes }` the rest of a `SearchSpace`, for the plugin context. */
function completeSpace(
  space: ConformanceOptions<unknown>['space'],
  genes: IntegerGene[],
): SearchSpace {
  if ('decode' in space && typeof space.decode === 'function') return space
  return {
    name: 'conformance-space',
    genes,
    options: {},
    decode: () => {
      throw new NordError(
        'NORD_ERR_DECODE',
        'the conformance suite space has no decoder',
        {
          hint: 'Optimizers work on genotypes; pass a whole SearchSpace to runOptimizerConformance if yours decodes',
        },
      )
    },
  }
}

async function nameOf(setup: SuiteSetup): Promise<string> {
  try {
    const optimizer = await setup.create(setup.seeds[0])
    return optimizer.name
  } catch {
    return 'unknown'
  }
}
