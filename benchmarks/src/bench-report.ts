/**
 * The suite's HTML report: settings, tables, statistics and the figures of
 * `@nord/report`, plus the performance section and the earlier hand-run
 * measurements in `benchmarks/results/`.
 */
import { join } from 'node:path'
import {
  comparisonFigures,
  type Figure,
  loadRun,
  type ReportSection,
  type RunGroup,
  runFigures,
  type Table,
  writeReport,
} from '@nord/report'
import { METHODS } from './methods.js'
import { readSuiteResults, type SuiteResults } from './outputs.js'
import {
  type PerfResults,
  perfSections,
  readPerfResults,
} from './perf-report.js'
import { referenceSections } from './reference-report.js'

export const REPORT_DIR = 'report'

/**
 * Writes `OUT/report/` from the `results.json` and `perf.json` found in
 * `out` (either may be absent) and returns the path of its `index.html`.
 */
export async function writeBenchReport(out: string): Promise<string> {
  const results = readSuiteResults(out)
  const perf = readPerfResults(out)
  const sections: ReportSection[] = []
  if (results !== null) sections.push(...(await suiteSections(out, results)))
  if (perf !== null) sections.push(...(await perfSections(perf)))
  sections.push(...referenceSections())

  const files = await writeReport(join(out, REPORT_DIR), {
    title: titleOf(results, perf),
    sections,
  })
  return files.index
}

function titleOf(
  results: SuiteResults | null,
  perf: PerfResults | null,
): string {
  const quick = results?.settings.quick ?? perf?.quick ?? false
  const mode = quick ? ' (quick mode: tiny settings, not a replication)' : ''
  return `nord benchmark suite${mode}`
}

async function suiteSections(
  out: string,
  results: SuiteResults,
): Promise<ReportSection[]> {
  const groups = await runGroups(out, results)
  const sections: ReportSection[] = [
    settingsSection(results),
    resultsSection(results),
    statisticsSection(results),
    {
      heading: 'Comparison figures',
      text: 'Best accuracy so far over the seeds (mean as a line, minimum to maximum as a band) against evaluations and against wall-clock seconds, accuracy per generation per method, and the wall-clock time of each run.',
      figures: await comparisonFigures(groups),
    },
  ]
  const e1 = groups.find((group) => group.label === METHODS.e1.label)
  if (e1?.runs[0] !== undefined) {
    sections.push(await e1Section(e1.runs[0]))
  }
  return sections
}

async function runGroups(
  out: string,
  results: SuiteResults,
): Promise<RunGroup[]> {
  const groups: RunGroup[] = []
  for (const method of results.methods) {
    const runs = results.runs.filter((run) => run.method === method.id)
    if (runs.length === 0) continue
    const loaded = []
    for (const run of runs) loaded.push(await loadRun(join(out, run.dir)))
    groups.push({ label: method.label, runs: loaded })
  }
  return groups
}

/** Renders the NORD paper's figures of E1: accuracy box plots and mean parameters per generation. */
async function e1Section(
  run: Awaited<ReturnType<typeof loadRun>>,
): Promise<ReportSection> {
  const wanted = ['accuracy-per-generation', 'parameters-per-generation']
  const figures: Figure[] = (await runFigures(run))
    .filter((figure) => wanted.includes(figure.name))
    .map((figure) => ({
      ...figure,
      name: `e1-${run.name}-${figure.name}`,
      title: `E1, ${run.name}: ${figure.title}`,
    }))
  return {
    heading: `E1 per generation (${run.name})`,
    text: 'The figures of the NORD paper for its first experiment: box plots of the test accuracy per generation with the mean as a line, and the mean trainable parameters per generation.',
    figures,
  }
}

function settingsSection(results: SuiteResults): ReportSection {
  const { settings, machine } = results
  const budget =
    settings.evaluations === null
      ? `${settings.seconds} wall-clock seconds per run`
      : `${settings.evaluations} evaluations per run (population ${settings.population} × ${settings.generations} generations)`
  const rows: [string, string | number][] = [
    ['mode', settings.quick ? 'quick' : 'full'],
    ['budget', budget],
    ['seeds', settings.seeds.join(', ')],
    ['workers W (E2, E3, E4)', settings.workers],
    ['space', JSON.stringify(settings.space)],
    [
      'GA',
      `population ${settings.population}, crossover ${settings.ga.crossoverRate}, mutation ${settings.ga.mutationRate}, ${settings.ga.selection}, uniform initial sampling`,
    ],
    [
      'training',
      `${settings.training.epochs} epoch(s), batch ${settings.training.batchSize}, ${settings.training.optimizer} at ${settings.training.learningRate}`,
    ],
    [
      'data',
      `${settings.dataset.name}: ${settings.dataset.trainSize} training and ${settings.dataset.testSize} test images, stratified subsets with data seed ${settings.dataset.seed}`,
    ],
    ['data source', JSON.stringify(settings.dataset.source)],
    ['CPU', `${machine.cpu}, ${machine.cores} cores`],
    ['memory', `${machine.memoryGiB} GiB`],
    ['Node.js', machine.node],
    ['platform', machine.platform],
    ['backends', backendsOf(results)],
    ['finished', results.date],
  ]
  return {
    heading: 'Settings',
    text: [
      'Every method searches the space of the NORD paper (Kyriakides and Margaritis, 2018): two convolutional layers, each with 1 to 50 filters and square kernels of 1 to 50, valid padding, on Fashion-MNIST. Each gets the same budget, the same data (same curator options and data seed) and the same run seeds. The data is a scaled-down subset, stated below.',
      `On ${machine.cores} cores, the W workers of E2, E3 and E4 and the search process share the cores, so their times measure this machine, not a cluster.`,
    ].join('\n\n'),
    tables: [
      {
        caption: 'Settings and machine',
        columns: ['setting', 'value'],
        rows,
      },
      {
        caption: 'Methods',
        columns: ['method', 'label', 'description'],
        rows: results.methods.map((method) => [
          method.id,
          method.label,
          method.description,
        ]),
      },
    ],
  }
}

function backendsOf(results: SuiteResults): string {
  const names = new Set(results.runs.flatMap((run) => run.backends))
  return names.size === 0 ? 'none reported' : [...names].sort().join(', ')
}

function resultsSection(results: SuiteResults): ReportSection {
  const summary: Table = {
    caption:
      'Per method over seeds: best test accuracy of each run (a run with no trained candidate counts as 0), the search wall time, mean evaluations per run, and invalid and failed candidates over all runs',
    columns: [
      'method',
      'runs',
      'best accuracy mean',
      'sd',
      'min',
      'max',
      'runs without ok',
      'seconds mean',
      'seconds sd',
      'evaluations',
      'invalid',
      'failed',
    ],
    rows: results.summary.map((row) => [
      row.label,
      row.runs,
      fixed(row.bestAccuracy.mean, 4),
      fixed(row.bestAccuracy.sd, 4),
      fixed(row.bestAccuracy.min, 4),
      fixed(row.bestAccuracy.max, 4),
      row.runsWithoutOk,
      fixed(row.seconds.mean, 1),
      fixed(row.seconds.sd, 1),
      fixed(row.evaluations, 1),
      row.invalid,
      row.failed,
    ]),
  }
  const runs: Table = {
    caption: 'Every run (results.csv)',
    columns: [
      'method',
      'seed',
      'best accuracy',
      'best genotype',
      'evaluations',
      'ok',
      'invalid',
      'failed',
      'seconds',
      'run folder',
    ],
    rows: results.runs.map((run) => [
      METHODS[run.method].label,
      run.seed,
      run.bestAccuracy === null ? 'none trained' : fixed(run.bestAccuracy, 4),
      run.bestGenotype === null ? '' : `[${run.bestGenotype.join(', ')}]`,
      run.evaluations,
      run.ok,
      run.invalid,
      run.failed,
      fixed(run.seconds, 1),
      run.dir,
    ]),
  }
  return { heading: 'Results', tables: [summary, runs] }
}

function statisticsSection(results: SuiteResults): ReportSection {
  const level = results.significanceLevel
  const better = results.comparisons.filter((row) => row.better !== null)
  const lines = [
    `Each pair of methods is compared on the best test accuracy per run with a two-sided Mann–Whitney U test, exact (over every split of the pooled midranks) for up to 60 runs in all, else the normal approximation with tie and continuity corrections. A method is called better only when p < ${level}; otherwise the difference is not significant. No correction for multiple comparisons is applied, so with many pairs some p < ${level} arise by chance.`,
    `With ${results.settings.seeds.length} seeds per method the smallest possible exact p-value is ${minimumP(results.settings.seeds.length).toPrecision(3)}.`,
    better.length === 0
      ? 'No pair differs significantly.'
      : better.map((row) => `${row.verdict}.`).join('\n'),
  ]
  return {
    heading: 'Statistics',
    text: lines.join('\n\n'),
    tables: [
      {
        caption: 'Pairwise two-sided Mann–Whitney U tests of the best accuracy',
        columns: ['A', 'B', 'mean A − B', 'U of A', 'p', 'test', 'verdict'],
        rows: results.comparisons.map((row) => [
          METHODS[row.a].label,
          METHODS[row.b].label,
          fixed(row.meanDifference, 4),
          row.u,
          fixed(row.p, 4),
          row.test,
          row.verdict,
        ]),
      },
    ],
  }
}

/** The exact two-sided p-value when every run of one method beats every run of the other. */
function minimumP(n: number): number {
  let ways = 1
  for (let k = 1; k <= n; k++) ways = (ways * (n + k)) / k
  return Math.min(1, 2 / ways)
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits)
}
