import {
  type Curator,
  convNetSizeSpace,
  createLocalEnvironment,
  createLogger,
  createRandom,
  type Evaluator,
  type JsonValue,
  type Logger,
  loadPlugin,
  type NordPlugin,
  type Optimizer,
  openRunDirectory,
  runSearch,
  type SearchSummary,
} from '@nord/core'
import { createCifar10Curator, createIdxCurator } from '@nord/curators'
import localEvaluator from '@nord/evaluator-local'
import geneticOptimizer from '@nord/optimizer-ga'
import {
  resolveSearchConfig,
  type SearchConfig,
  type SearchFlags,
} from './config.js'
import { createProgressDisplay, formatSeconds } from './progress.js'

/** Plugins that short names in `--optimizer` and `--evaluator` refer to. */
export const BUILTIN_OPTIMIZERS: Record<string, NordPlugin> = {
  ga: geneticOptimizer as NordPlugin,
}
export const BUILTIN_EVALUATORS: Record<string, NordPlugin> = {
  local: localEvaluator as NordPlugin,
}

export interface SearchCommandFlags extends SearchFlags {
  logLevel?: string
  progress?: boolean
}

/** `nord search`: resolves the configuration, runs the search, prints the summary. */
export async function searchCommand(
  flags: SearchCommandFlags,
): Promise<number> {
  const config = resolveSearchConfig(flags)
  const logger = createLogger({
    level: (flags.logLevel ?? 'info') as 'info',
    write: (line) => process.stderr.write(`${line}\n`),
  })
  const random = createRandom(config.seed)

  const space = convNetSizeSpace({
    layers: config.space.layers,
    filters: config.space.filters,
    kernelSize: config.space.kernelSize,
    padding: config.space.padding,
  })
  const curator = createCurator(config, random.derive('dataset').seed, logger)
  const dataset = await curator.load()

  const optimizerPlugin = await loadPlugin(
    'optimizer',
    config.optimizer.use,
    BUILTIN_OPTIMIZERS,
  )
  const optimizer = (await optimizerPlugin.create(config.optimizer.options, {
    space,
    seed: random.derive('optimizer').seed,
    logger,
  })) as Optimizer
  const evaluatorPlugin = await loadPlugin(
    'evaluator',
    config.evaluator.use,
    BUILTIN_EVALUATORS,
  )
  const evaluator = (await evaluatorPlugin.create(config.evaluator.options, {
    space,
    seed: random.derive('evaluator').seed,
    logger,
  })) as Evaluator

  const run = openRunDirectory(config.out)
  const resolved = {
    ...config,
    dataset: { ...config.dataset, source: dataset.source },
  } as unknown as Record<string, JsonValue>
  run.writeConfig(resolved)

  const generations = Number(config.optimizer.options.generations)
  const population = Number(config.optimizer.options.population)
  const total =
    Number.isSafeInteger(generations) && Number.isSafeInteger(population)
      ? generations * population
      : 0
  const display = createProgressDisplay({
    total,
    bar: flags.progress !== false && process.stderr.isTTY === true,
    write: (line) => logger.info(line),
  })

  const controller = new AbortController()
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130)
    logger.warn(
      'interrupted: stopping after the journal is closed (Ctrl-C again to quit at once)',
    )
    controller.abort()
  }
  process.on('SIGINT', onSigint)

  let summary: SearchSummary
  try {
    summary = await runSearch({
      optimizer,
      space,
      evaluator,
      context: {
        dataset,
        curator,
        environment: createLocalEnvironment(logger),
        logger,
      },
      seed: config.seed,
      budget: Number.isSafeInteger(generations)
        ? { generations }
        : { evaluations: total },
      run,
      config: resolved,
      logger,
      signal: controller.signal,
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
    process.off('SIGINT', onSigint)
    run.close()
  }

  process.stdout.write(formatRunSummary(summary, config))
  return summary.status === 'failed' ? 1 : 0
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

/** The closing lines of a search: where the run is and what it found. */
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
