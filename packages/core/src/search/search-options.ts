import { IssueList } from '../errors.js'
import type { JsonValue, Logger } from '../types.js'
import { silentLogger } from './logger.js'
import {
  checkInteger,
  checkNumber,
  formatValue,
  rejectUnknownKeys,
} from './options.js'
import type { SearchBudget, SearchOptions } from './search-types.js'

/** A bound below the longest delay of `setTimeout`, 2^31 - 1 ms (about 24.8 days). */
const MAX_TIMEOUT_SECONDS = Math.floor(0x7fffffff / 1000)

/** `SearchOptions` with defaults applied. */
export interface ResolvedSearchOptions
  extends Omit<SearchOptions, 'logger' | 'concurrency' | 'now' | 'config'> {
  logger: Logger
  concurrency: number
  now: () => number
  config: Record<string, JsonValue>
}

/**
 * Checks the options of `runSearch`, reporting every problem at once with
 * its key path, and applies the defaults.
 *
 * @throws NordValidationError with code `NORD_ERR_INVALID_OPTION`.
 */
export function resolveSearchOptions(
  options: SearchOptions,
): ResolvedSearchOptions {
  const issues = new IssueList()
  checkParts(options, issues)
  checkInteger('seed', options.seed, {}, issues)
  checkBudget(options.budget, issues)
  const concurrency = options.concurrency ?? 1
  checkInteger('concurrency', concurrency, { min: 1 }, issues)
  if (options.evaluationTimeout !== undefined) {
    checkNumber(
      'evaluationTimeout',
      options.evaluationTimeout,
      { min: 0, max: MAX_TIMEOUT_SECONDS, exclusive: true },
      issues,
    )
  }
  if (options.resume !== undefined && !Array.isArray(options.resume?.events)) {
    issues.add(
      'resume',
      `must be the contents of a journal (from readJournal), got ${formatValue(options.resume)}`,
    )
  }
  issues.throwIfAny('the search options')

  return {
    ...options,
    logger: options.logger ?? silentLogger,
    concurrency,
    now: options.now ?? (() => performance.now()),
    config: options.config ?? describeSearch(options, concurrency),
  }
}

function checkParts(options: SearchOptions, issues: IssueList): void {
  const { optimizer, space, evaluator } = options
  if (
    typeof optimizer?.ask !== 'function' ||
    typeof optimizer.tell !== 'function'
  ) {
    issues.add(
      'optimizer',
      `must be an Optimizer with ask and tell, got ${formatValue(optimizer)}`,
    )
  }
  if (typeof space?.decode !== 'function') {
    issues.add(
      'space',
      `must be a SearchSpace with decode, got ${formatValue(space)}`,
    )
  }
  if (typeof evaluator?.evaluate !== 'function') {
    issues.add(
      'evaluator',
      `must be an Evaluator with evaluate, got ${formatValue(evaluator)}`,
    )
  }
}

function checkBudget(budget: SearchBudget | undefined, issues: IssueList) {
  const keys = ['evaluations', 'generations', 'seconds']
  if (!rejectUnknownKeys('budget', budget, keys, issues)) return

  const { evaluations, generations, seconds } = budget as SearchBudget
  if (
    evaluations === undefined &&
    generations === undefined &&
    seconds === undefined
  ) {
    issues.add(
      'budget',
      'must set at least one of evaluations, generations or seconds',
    )
  }
  if (evaluations !== undefined) {
    checkInteger('budget.evaluations', evaluations, { min: 1 }, issues)
  }
  if (generations !== undefined) {
    checkInteger('budget.generations', generations, { min: 1 }, issues)
  }
  if (seconds !== undefined) {
    checkNumber('budget.seconds', seconds, { min: 0, exclusive: true }, issues)
  }
}

function describeSearch(
  options: SearchOptions,
  concurrency: number,
): Record<string, JsonValue> {
  const budget: Record<string, JsonValue> = {}
  for (const [key, value] of Object.entries(options.budget)) {
    if (value !== undefined) budget[key] = value
  }
  return {
    space: { name: options.space.name, options: options.space.options },
    optimizer: {
      name: options.optimizer.name,
      version: options.optimizer.version,
      mode: options.optimizer.mode,
    },
    evaluator: { name: options.evaluator.name },
    budget,
    concurrency,
    evaluationTimeout: options.evaluationTimeout ?? null,
  }
}
