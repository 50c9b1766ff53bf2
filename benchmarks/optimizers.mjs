#!/usr/bin/env node
/**
 * Design methods compared on synthetic objectives with known optima, which
 * need no training. Each optimizer gets the same number of evaluations on
 * each objective for a range of seeds. The script prints the mean and
 * standard deviation of the best value found, and asserts nothing.
 *
 * Objectives, over 12 integer genes in [0, 7], both with optimum 1:
 *
 * - `separable`: 1 minus the mean squared distance, per gene scaled to
 *   [0, 1], to a fixed target genotype.
 * - `trap`: the genes form four blocks of three. A block scores 1 when all
 *   its genes are at their maximum, and otherwise 0.8 times one minus its
 *   mean scaled gene, so every local step leads away from the optimum
 *   towards the all-minimum genotype, which scores 0.8.
 *
 * Every candidate the optimizer proposes counts as one evaluation, repeats
 * included. Steady-state optimizers are asked for `--batch` candidates at a
 * time and told them all, like the search loop with that concurrency.
 *
 * Plain JavaScript over the built packages, because Node 20 cannot run
 * TypeScript directly. Build first (`pnpm build`), then
 * `node benchmarks/optimizers.mjs [options]`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { silentLogger } from '@nord/core'

const HERE = dirname(fileURLToPath(import.meta.url))
const PLUGINS = join(HERE, '..', 'plugins')

const GENE_COUNT = 12
const GENE_MAX = 7
const GENES = Array.from({ length: GENE_COUNT }, (_, index) => ({
  name: `gene${index}`,
  min: 0,
  max: GENE_MAX,
}))
const TARGET = [3, 7, 0, 5, 2, 6, 1, 4, 7, 0, 2, 5]
const TRAP_BLOCK = 3

const HELP = `Usage: node benchmarks/optimizers.mjs [options]

  --seeds N         seeds per optimizer and objective, 1 to N (default 20)
  --evaluations N   evaluations per run (default 1000)
  --batch N         candidates per ask for steady-state optimizers (default 4)
  --no-rl           skip @nord/optimizer-rl even when it is built
  --out FILE        the JSON report (default benchmarks/results/optimizers.json)
  --help            print this help
`

const OBJECTIVES = {
  separable(genotype) {
    let squared = 0
    genotype.forEach((value, index) => {
      squared += ((value - TARGET[index]) / GENE_MAX) ** 2
    })
    return 1 - squared / genotype.length
  },
  trap(genotype) {
    let total = 0
    let blocks = 0
    for (let start = 0; start < genotype.length; start += TRAP_BLOCK) {
      const block = genotype.slice(start, start + TRAP_BLOCK)
      const mean = block.reduce((sum, value) => sum + value / GENE_MAX, 0)
      const scaled = mean / block.length
      total += scaled === 1 ? 1 : 0.8 * (1 - scaled)
      blocks++
    }
    return total / blocks
  },
}

/**
 * Returns the optimizers and their options. Populations of 20 keep the
 * random start of each method short against the default budget of 1000
 * evaluations. The evolution default of 100 individuals would spend a tenth
 * of it on uniform samples.
 */
function optimizerSpecs(evaluations) {
  return [
    {
      label: 'ga generational',
      module: 'optimizer-ga',
      options: {
        population: 20,
        generations: Math.ceil(evaluations / 20),
        elitism: 1,
      },
    },
    {
      label: 'ga steady-state',
      module: 'optimizer-ga',
      options: {
        variant: 'steady-state',
        population: 20,
        generations: Math.ceil(evaluations / 20),
      },
    },
    { label: 'random', module: 'optimizer-random', options: {} },
    {
      label: 'regularized evolution',
      module: 'optimizer-evolution',
      options: { population: 20, sampleSize: 5 },
    },
    {
      label: 'reinforce',
      module: 'optimizer-rl',
      options: { controller: 'factorised' },
      optional: true,
    },
  ]
}

async function main() {
  const options = parseOptions()
  if (options.help) {
    process.stdout.write(HELP)
    return
  }

  const seeds = Array.from({ length: options.seeds }, (_, index) => index + 1)
  const specs = await loadPlugins(optimizerSpecs(options.evaluations), options)
  const rows = []

  for (const spec of specs) {
    for (const [objective, score] of Object.entries(OBJECTIVES)) {
      const bests = []
      for (const seed of seeds) {
        bests.push(await runOnce(spec, score, seed, options))
      }
      rows.push(summarize(spec.label, objective, bests))
      printRow(rows.at(-1))
    }
  }

  writeReport(options, seeds, specs, rows)
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '20' },
      evaluations: { type: 'string', default: '1000' },
      batch: { type: 'string', default: '4' },
      'no-rl': { type: 'boolean', default: false },
      out: {
        type: 'string',
        default: join(HERE, 'results', 'optimizers.json'),
      },
      help: { type: 'boolean', default: false },
    },
  })
  return {
    seeds: positiveInteger('--seeds', values.seeds),
    evaluations: positiveInteger('--evaluations', values.evaluations),
    batch: positiveInteger('--batch', values.batch),
    skipRl: values['no-rl'],
    out: values.out,
    help: values.help,
  }
}

function positiveInteger(name, text) {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 1) {
    const error = new Error(`${name} must be a positive integer, got '${text}'`)
    error.code = 'USAGE'
    throw error
  }
  return value
}

/** Imports each optimizer's built plugin; skips optional ones that are not built. */
async function loadPlugins(specs, options) {
  const loaded = []
  for (const spec of specs) {
    const entry = join(PLUGINS, spec.module, 'dist', 'index.js')
    if (spec.module === 'optimizer-rl' && options.skipRl) continue
    if (!existsSync(entry)) {
      if (spec.optional) {
        process.stderr.write(`skipping ${spec.label}: ${entry} is not built\n`)
        continue
      }
      throw new Error(`${entry} is missing; run pnpm build first`)
    }
    const module = await import(pathToFileURL(entry).href)
    loaded.push({ ...spec, plugin: module.default })
  }
  return loaded
}

/** Runs one optimizer on one objective and returns the best value found. */
async function runOnce(spec, score, seed, options) {
  const space = {
    name: 'benchmark',
    genes: GENES,
    options: {},
    decode: () => {
      throw new Error('the benchmark scores genotypes without decoding')
    },
  }
  const optimizer = await spec.plugin.create(spec.options, {
    space,
    seed,
    logger: silentLogger,
  })

  let spent = 0
  let best = Number.NEGATIVE_INFINITY
  while (spent < options.evaluations && optimizer.done?.() !== true) {
    const count =
      optimizer.mode === 'steady-state'
        ? Math.min(options.batch, options.evaluations - spent)
        : undefined
    const candidates = await optimizer.ask(count)
    if (candidates.length === 0) break

    const evaluated = candidates.slice(0, options.evaluations - spent)
    const results = evaluated.map((candidate) => {
      const fitness = score(candidate.genotype)
      best = Math.max(best, fitness)
      return { candidate, evaluation: evaluationOf(fitness) }
    })
    spent += evaluated.length
    // The run ends here, so a generation cut short by the budget is not told.
    if (evaluated.length === candidates.length) await optimizer.tell(results)
  }
  return best
}

function evaluationOf(fitness) {
  return {
    status: 'ok',
    fitness,
    accuracy: null,
    loss: null,
    parameters: null,
    flops: null,
    seconds: 0,
  }
}

function summarize(optimizer, objective, bests) {
  const mean = bests.reduce((sum, value) => sum + value, 0) / bests.length
  const variance =
    bests.reduce((sum, value) => sum + (value - mean) ** 2, 0) /
    Math.max(1, bests.length - 1)
  const optimumHits = bests.filter((value) => value >= 1 - 1e-12).length
  return {
    optimizer,
    objective,
    mean,
    std: Math.sqrt(variance),
    optimumHits,
    runs: bests.length,
    bests,
  }
}

function printRow(row) {
  const cells = [
    row.optimizer.padEnd(22),
    row.objective.padEnd(10),
    `${row.mean.toFixed(4)} ± ${row.std.toFixed(4)}`,
    `optimum in ${row.optimumHits}/${row.runs}`,
  ]
  process.stdout.write(`${cells.join('  ')}\n`)
}

function writeReport(options, seeds, specs, rows) {
  const report = {
    benchmark: 'optimizers',
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    evaluations: options.evaluations,
    batch: options.batch,
    seeds,
    genes: { count: GENE_COUNT, min: 0, max: GENE_MAX },
    objectives: {
      separable: { target: TARGET, optimum: 1 },
      trap: { block: TRAP_BLOCK, optimum: 1, deceptiveAttractor: 0.8 },
    },
    optimizers: specs.map(({ label, module, options: written }) => ({
      label,
      package: `@nord/${module}`,
      options: written,
    })),
    statistic:
      'best fitness per run; mean and sample standard deviation over seeds',
    results: rows,
  }
  mkdirSync(dirname(options.out), { recursive: true })
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`)
  process.stdout.write(`wrote ${options.out}\n`)
}

main().catch((error) => {
  const usage =
    error.code === 'USAGE' || String(error.code).startsWith('ERR_PARSE_ARGS')
  const text = usage
    ? `${error.message}. Run with --help for the options.`
    : (error.stack ?? String(error))
  process.stderr.write(`${text}\n`)
  process.exitCode = 1
})
