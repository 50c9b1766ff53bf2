import {
  type Curator,
  convNetSizeSpace,
  createLocalEnvironment,
  createLogger,
  createRandom,
  type Evaluator,
  type Issue,
  isNordError,
  type JsonValue,
  type Logger,
  loadPlugin,
  NordError,
  type NordPlugin,
  NordValidationError,
  type Optimizer,
  openRunDirectory,
  type PluginContext,
  type RunContents,
  readRunDirectory,
  runSearch,
  type SearchBudget,
  type SearchSummary,
} from '@nord/core'
import { createCifar10Curator, createIdxCurator } from '@nord/curators'
import localEvaluator from '@nord/evaluator-local'
import evolutionOptimizer from '@nord/optimizer-evolution'
import geneticOptimizer from '@nord/optimizer-ga'
import randomOptimizer from '@nord/optimizer-random'
import reinforceOptimizer from '@nord/optimizer-rl'
import {
  announceCluster,
  type ClusterEvaluator,
  type ClusterFlags,
  checkClusterFlags,
  createClusterEvaluator,
  formatUtilisation,
  isClusterEvaluator,
  unusedClusterFlags,
} from './cluster-evaluator.js'
import {
  checkSearchConfig,
  type PluginChoice,
  resolveResumedConfig,
  type SearchConfig,
  type SearchFlags,
} from './config.js'
import {
  createProgressDisplay,
  formatSeconds,
  writeStderrLine,
} from './progress.js'

/** Plugins that short names in `--optimizer` and `--evaluator` refer to. */
export const BUILTIN_OPTIMIZERS: Record<string, NordPlugin> = {
  ga: geneticOptimizer as NordPlugin,
  random: randomOptimizer as NordPlugin,
  rl: reinforceOptimizer as NordPlugin,
  evolution: evolutionOptimizer as NordPlugin,
}
export const BUILTIN_EVALUATORS: Record<string, NordPlugin> = {
  local: localEvaluator as NordPlugin,
}

export interface SearchCommandFlags extends SearchFlags, ClusterFlags {
  logLevel?: string
  progress?: boolean
}

/**
 * Signals that stop a search cleanly: the journal ends with a `run-end`
 * event and the summary is written. A second one quits at once.
 */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

function signalExitCode(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGTERM: 15,
  }
  return 128 + (numbers[signal] ?? 0)
}

/**
 * Ignores EPIPE on stdout and stderr, so that a reader that goes away (as
 * `nord search | head` does) cannot end the process before the journal is
 * closed. Other stream errors are still thrown.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error
    })
  }
}

/**
 * `nord search`: resolves the configuration, runs the search, prints the
 * summary. With `--resume DIR` it continues the run in DIR instead.
 */
export async function searchCommand(
  flags: SearchCommandFlags,
): Promise<number> {
  ignoreClosedPipes()
  const logger = createLogger({
    level: (flags.logLevel ?? 'info') as 'info',
    write: writeStderrLine,
  })
  if (flags.resume === undefined) {
    const { config, issues } = checkSearchConfig(flags)
    return executeSearch(config, flags, logger, null, issues)
  }
  return resumeSearch(flags.resume, flags, logger)
}

async function resumeSearch(
  dir: string,
  flags: SearchCommandFlags,
  logger: Logger,
): Promise<number> {
  const found = readRunDirectory(dir)
  if (found.config === null) {
    throw new NordError(
      'NORD_ERR_NOT_A_RUN',
      `cannot resume ${found.path}: its journal is empty and it has no config.json, so the run never started`,
      {
        value: dir,
        hint: 'Remove the folder and start the search again with nord search --out',
      },
    )
  }

  const { config, extended } = resolveResumedConfig(found.config, dir, flags)
  if (found.ended?.reason === 'completed' && !extended) {
    const why = found.ended.message ? ` (${found.ended.message})` : ''
    process.stderr.write(
      `nord: nothing to resume: the run in ${dir} is complete${why}. ` +
        'To extend it, pass a larger --generations or --evaluations with --resume.\n',
    )
    return 0
  }

  const { truncated } = found.journal
  if (truncated !== null) {
    logger.warn('dropping the incomplete last line of the journal', {
      line: truncated.line,
      text: truncated.text.slice(0, 80),
    })
  }
  return executeSearch(config, flags, logger, found, [])
}

/** Runs the search of `config`, or continues it when `resumed` contains its run. */
async function executeSearch(
  config: SearchConfig,
  flags: SearchCommandFlags,
  logger: Logger,
  resumed: RunContents | null,
  configIssues: Issue[],
): Promise<number> {
  // Problems of the flags, the search space and the plugins' options are
  // gathered and reported together, before any data is loaded.
  const issues = [...configIssues]
  // An invalid seed is already among the issues, so seed 0 is used until
  // they are reported.
  const random = createRandom(
    Number.isSafeInteger(config.seed) ? config.seed : 0,
  )
  const space = await collectIssues(issues, 'space', () =>
    convNetSizeSpace({
      layers: config.space.layers,
      filters: config.space.filters,
      kernelSize: config.space.kernelSize,
      padding: config.space.padding,
    }),
  )
  const optimizerPlugin = await loadPlugin(
    'optimizer',
    config.optimizer.use,
    BUILTIN_OPTIMIZERS,
  )
  const optimizer =
    space &&
    (await collectIssues(issues, 'optimizer.options', () =>
      createFromPlugin<Optimizer>(
        optimizerPlugin,
        'optimizer',
        config.optimizer,
        {
          space,
          seed: random.derive('optimizer').seed,
          logger,
        },
      ),
    ))
  const datasetSeed = random.derive('dataset').seed
  let cluster: ClusterEvaluator | undefined
  let evaluator: Evaluator | undefined
  const evaluatorName = config.evaluator.use
  if (isClusterEvaluator(evaluatorName)) {
    const flagsChecked = checkClusterFlags(flags)
    issues.push(...flagsChecked.issues)
    cluster = await collectIssues(issues, 'evaluator.options', () =>
      createClusterEvaluator(
        evaluatorName,
        config,
        datasetSeed,
        logger,
        flagsChecked.cluster,
      ),
    )
    evaluator = cluster?.evaluator
  } else {
    issues.push(...unusedClusterFlags(flags))
    const evaluatorPlugin = await loadPlugin(
      'evaluator',
      config.evaluator.use,
      BUILTIN_EVALUATORS,
    )
    evaluator =
      space &&
      (await collectIssues(issues, 'evaluator.options', () =>
        createFromPlugin<Evaluator>(
          evaluatorPlugin,
          'evaluator',
          config.evaluator,
          {
            space,
            seed: random.derive('evaluator').seed,
            logger,
          },
        ),
      ))
  }
  if (issues.length > 0 || !space || !optimizer || !evaluator) {
    throw new NordValidationError('the search configuration', issues, {
      hint: 'Fix these in the configuration file or the flags that set them',
    })
  }
  const curator = createCurator(config, datasetSeed, logger)
  const dataset = await curator.load()

  const run =
    resumed === null
      ? openRunDirectory(config.out)
      : openRunDirectory(config.out, { resume: true })
  const resolved = {
    ...config,
    dataset: { ...config.dataset, source: dataset.source },
  } as unknown as Record<string, JsonValue>
  run.writeConfig(resolved)

  const budget = budgetOf(config)
  const display = createProgressDisplay({
    total: estimateTotal(config),
    bar: flags.progress !== false && process.stderr.isTTY === true,
    write: (line) => logger.info(line),
  })

  const controller = new AbortController()
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signalExitCode(signal))
    logger.warn(
      `${signal}: stopping after the journal is closed (send it again to quit at once)`,
    )
    controller.abort()
  }
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal)

  // A journal without events belongs to a run killed before it started, so
  // the search starts from the beginning in it.
  const journal = resumed?.journal
  let summary: SearchSummary
  try {
    if (cluster) await announceCluster(cluster)
    summary = await runSearch({
      optimizer,
      space,
      evaluator,
      context: {
        dataset,
        curator,
        environment: cluster?.coordinator ?? createLocalEnvironment(logger),
        logger,
      },
      concurrency: cluster?.concurrency ?? 1,
      seed: config.seed,
      budget,
      run,
      config: resolved,
      logger,
      signal: controller.signal,
      ...(journal !== undefined && journal.events.length > 0
        ? { resume: journal }
        : {}),
      ...(config.evaluator.timeout > 0
        ? { evaluationTimeout: config.evaluator.timeout }
        : {}),
      onProgress: (event) => {
        if (event.type === 'candidate-finished') {
          display.finished(
            event.candidate,
            event.evaluation,
            event.cacheHitOf !== null,
            event.progress,
          )
        }
      },
    })
  } finally {
    display.stop()
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal)
    run.close()
    await cluster?.coordinator.stop()
  }

  process.stdout.write(formatRunSummary(summary, config))
  if (cluster) process.stdout.write(formatUtilisation(cluster))
  return summary.status === 'failed' ? 1 : 0
}

/** Returns the limits of `config.budget` that are set. */
function budgetOf(config: SearchConfig): SearchBudget {
  const budget: SearchBudget = {}
  const { evaluations, generations, seconds } = config.budget
  if (evaluations !== null) budget.evaluations = evaluations
  if (generations !== null) budget.generations = generations
  if (seconds !== null) budget.seconds = seconds
  return budget
}

/** Candidates the budget allows, for the progress display; 0 when unknown. */
function estimateTotal(config: SearchConfig): number {
  const { evaluations, generations } = config.budget
  const population = Number(config.optimizer.options.population)
  const limits: number[] = []
  if (evaluations !== null) limits.push(evaluations)
  if (generations !== null && Number.isSafeInteger(population)) {
    limits.push(generations * population)
  }
  return limits.length > 0 ? Math.min(...limits) : 0
}

/**
 * Calls a plugin's factory with its options from the configuration. Option
 * problems keep their list of issues under a subject that names the plugin
 * and the configuration key, and any other exception of a third-party
 * factory becomes a `NORD_ERR_PLUGIN` error that names the plugin.
 */
/**
 * Runs `create` and returns its value, or adds the issues of the validation
 * error it throws to `issues` (with their paths under `prefix`) and returns
 * undefined. Other errors pass through.
 */
async function collectIssues<T>(
  issues: Issue[],
  prefix: string,
  create: () => T | Promise<T>,
): Promise<T | undefined> {
  try {
    return await create()
  } catch (error) {
    const found = (error as { issues?: unknown }).issues
    if (!isNordError(error) || !Array.isArray(found)) throw error
    for (const issue of found as Issue[]) {
      const path =
        issue.path === prefix || issue.path.startsWith(`${prefix}.`)
          ? issue.path
          : `${prefix}.${issue.path}`
      issues.push({ ...issue, path })
    }
    return undefined
  }
}

async function createFromPlugin<T>(
  plugin: NordPlugin,
  kind: 'optimizer' | 'evaluator',
  choice: PluginChoice,
  context: PluginContext,
): Promise<T> {
  try {
    return (await plugin.create(choice.options, context)) as T
  } catch (error) {
    const issues = (error as { issues?: unknown }).issues
    if (isNordError(error) && Array.isArray(issues)) {
      throw new NordValidationError(
        `${kind}.options of the ${kind} plugin '${choice.use}' (${plugin.name})`,
        issues,
        {
          value: choice.options,
          hint: `Fix ${kind}.options in the configuration file or the flags that set them`,
          cause: error,
        },
      )
    }
    if (isNordError(error)) throw error
    const message = error instanceof Error ? error.message : String(error)
    throw new NordError(
      'NORD_ERR_PLUGIN',
      `the ${kind} plugin '${choice.use}' (${plugin.name}) failed to create its ${kind}: ${message}`,
      {
        value: choice.options,
        hint: `Check ${kind}.options, or report the error to the authors of '${choice.use}'`,
        cause: error,
      },
    )
  }
}

function createCurator(
  config: SearchConfig,
  seed: number,
  logger: Logger,
): Curator {
  const options = {
    seed,
    logger,
    ...(config.dataset.dataDir ? { dataDir: config.dataset.dataDir } : {}),
    ...(config.dataset.trainSize
      ? { trainSize: config.dataset.trainSize }
      : {}),
    ...(config.dataset.testSize ? { testSize: config.dataset.testSize } : {}),
  }
  if (config.dataset.name === 'cifar10') return createCifar10Curator(options)
  return createIdxCurator({ ...options, name: config.dataset.name })
}

/** Formats the closing lines of a search: where the run is and what it found. */
export function formatRunSummary(
  summary: SearchSummary,
  config: SearchConfig,
): string {
  const lines = [
    '',
    `run ${summary.status} in ${formatSeconds(summary.seconds)}: ${config.out}`,
    `candidates ${summary.counts.candidates} (evaluated ${summary.counts.evaluated}, ` +
      `cache hits ${summary.counts.cacheHits}): ok ${summary.counts.ok}, ` +
      `invalid ${summary.counts.invalid}, failed ${summary.counts.failed}`,
  ]
  const best = summary.best
  if (best) {
    lines.push(
      `best ${best.candidate.id} genotype [${best.candidate.genotype.join(', ')}]: ` +
        `accuracy ${best.evaluation.accuracy?.toFixed(4)}, ` +
        `loss ${best.evaluation.loss?.toFixed(4)}, ` +
        `${best.evaluation.parameters} parameters`,
    )
  } else {
    lines.push('no candidate was trained successfully')
  }
  lines.push(
    `journal ${config.out}/journal.jsonl, summary ${config.out}/summary.json`,
    '',
  )
  return lines.join('\n')
}
