/**
 * The figures of a benchmark suite that repeats each method over seeds: one
 * group of runs per method.
 */
import { NordError } from '@nord/core'
import { type Figure, makeFigure, type Row } from './figure.js'
import type { RunData } from './run-data.js'
import { bestAt, bestSoFar, groupingOf, round } from './series.js'

/** The runs of one method, one per seed. */
export interface RunGroup {
  /** The method's name in legends, such as `ga` or `random`. */
  label: string
  runs: RunData[]
}

/** Points on the wall-clock axis of the best-so-far-by-time figure. */
const TIME_POINTS = 60

/**
 * Renders the figures that compare methods. The first two plot the best
 * accuracy so far against evaluations and against wall-clock seconds, with
 * the mean over the seeds as a line and their minimum to maximum as a band.
 * The third shows accuracy per generation as box plots per method, and the
 * last the total time per method.
 *
 * @throws NordError `NORD_ERR_INVALID_OPTION` when there are no groups, a
 *   group has no runs, or two groups share a label.
 */
export async function comparisonFigures(groups: RunGroup[]): Promise<Figure[]> {
  checkGroups(groups)
  return [
    await bestByEvaluationComparison(groups),
    await bestBySecondsComparison(groups),
    await accuracyComparison(groups),
    await totalTimeComparison(groups),
  ]
}

function checkGroups(groups: RunGroup[]): void {
  const problems: string[] = []
  if (groups.length === 0) problems.push('groups: must not be empty')
  const labels = new Set<string>()
  for (const [index, group] of groups.entries()) {
    if (group.runs.length === 0) {
      problems.push(`groups[${index}].runs: must hold at least one run`)
    }
    if (labels.has(group.label)) {
      problems.push(
        `groups[${index}].label: must be unique, got ${JSON.stringify(group.label)} twice`,
      )
    }
    labels.add(group.label)
  }
  if (problems.length === 0) return
  throw new NordError(
    'NORD_ERR_INVALID_OPTION',
    `comparisonFigures: ${problems.join('; ')}`,
    { value: groups, hint: 'Give each method a unique label and its runs' },
  )
}

/** Computes the mean, minimum and maximum of the values that are not null, or returns null when all are. */
function spread(values: (number | null)[]): {
  mean: number
  min: number
  max: number
  runs: number
} | null {
  const present = values.filter((value): value is number => value !== null)
  if (present.length === 0) return null
  const sum = present.reduce((total, value) => total + value, 0)
  return {
    mean: sum / present.length,
    min: Math.min(...present),
    max: Math.max(...present),
    runs: present.length,
  }
}

function bandRow(
  method: string,
  xField: string,
  x: number,
  values: (number | null)[],
): Row | null {
  const summary = spread(values)
  if (summary === null) return null
  return {
    method,
    [xField]: x,
    runs: summary.runs,
    meanBest: round(summary.mean),
    minBest: round(summary.min),
    maxBest: round(summary.max),
  }
}

async function bestByEvaluationComparison(groups: RunGroup[]): Promise<Figure> {
  const data: Row[] = []
  for (const group of groups) {
    const curves = group.runs.map((run) => bestSoFar(run.candidates))
    const length = Math.max(...curves.map((curve) => curve.length))
    for (let index = 0; index < length; index++) {
      // Only the runs that reached this evaluation take part.
      const values = curves.map((curve) => curve[index] ?? null)
      const row = bandRow(group.label, 'evaluation', index + 1, values)
      if (row !== null) data.push(row)
    }
  }

  return bandFigure({
    name: 'compare-best-accuracy-by-evaluation',
    title: 'Best accuracy so far by evaluation, per method',
    caption:
      'For each method, the line is the mean over its runs of the best test ' +
      'accuracy so far, and the band spans the lowest to the highest run. At ' +
      'each evaluation only the runs that reached it and have an ok result ' +
      'count (the runs column).',
    field: 'evaluation',
    axisTitle: 'Evaluations',
    data,
  })
}

async function bestBySecondsComparison(groups: RunGroup[]): Promise<Figure> {
  const longest = Math.max(
    ...groups.flatMap((group) => group.runs.map((run) => run.seconds)),
  )
  const step = longest > 0 ? longest / (TIME_POINTS - 1) : 0
  const times = Array.from({ length: TIME_POINTS }, (_, index) => index * step)

  const data: Row[] = []
  for (const group of groups) {
    const curves = group.runs.map((run) => ({
      run,
      best: bestSoFar(run.candidates),
    }))
    for (const seconds of longest > 0 ? times : [0]) {
      const values = curves.map(({ run, best }) =>
        bestAt(run.candidates, best, seconds),
      )
      const row = bandRow(
        group.label,
        'seconds',
        round(seconds, 3) ?? 0,
        values,
      )
      if (row !== null) data.push(row)
    }
  }

  return bandFigure({
    name: 'compare-best-accuracy-by-time',
    title: 'Best accuracy so far by wall-clock time, per method',
    caption:
      'For each method, the line is the mean over its runs of the best test ' +
      `accuracy reached by each time, sampled at ${TIME_POINTS} evenly ` +
      'spaced points, and the band spans the lowest to the highest run. A ' +
      'run that finished earlier keeps its final best. Pauses between ' +
      'sessions of a resumed run are left out.',
    field: 'seconds',
    axisTitle: 'Wall-clock seconds',
    data,
  })
}

async function bandFigure(options: {
  name: string
  title: string
  caption: string
  field: 'evaluation' | 'seconds'
  axisTitle: string
  data: Row[]
}): Promise<Figure> {
  const x = {
    field: options.field,
    type: 'quantitative',
    title: options.axisTitle,
  }
  const color = { field: 'method', type: 'nominal', title: 'Method' }
  return makeFigure(
    {
      name: options.name,
      title: options.title,
      caption: options.caption,
      data: options.data,
    },
    {
      layer: [
        {
          mark: { type: 'area', opacity: 0.2, interpolate: 'step-after' },
          encoding: {
            x,
            y: { field: 'minBest', type: 'quantitative' },
            y2: { field: 'maxBest' },
            color,
          },
        },
        {
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
          encoding: {
            x,
            y: {
              field: 'meanBest',
              type: 'quantitative',
              title: 'Best test accuracy so far',
            },
            color,
          },
        },
      ],
    },
  )
}

async function accuracyComparison(groups: RunGroup[]): Promise<Figure> {
  const data: Row[] = []
  let blocks = false
  for (const group of groups) {
    for (const run of group.runs) {
      const grouping = groupingOf(run)
      blocks ||= grouping.kind === 'block'
      for (const candidate of run.candidates) {
        if (candidate.accuracy === null) continue
        data.push({
          method: group.label,
          run: run.name,
          generation: grouping.of(candidate),
          id: candidate.id,
          accuracy: candidate.accuracy,
        })
      }
    }
  }
  const blockNote = blocks
    ? ' Runs without generation numbers are split into blocks of consecutive evaluations, one block per population size.'
    : ''
  const x = {
    field: 'generation',
    type: 'ordinal',
    title: 'Generation',
    axis: { labelAngle: 0 },
  }

  return makeFigure(
    {
      name: 'compare-accuracy-per-generation',
      title: 'Test accuracy per generation, per method',
      caption:
        'One panel per method. The box plots pool the ok evaluations of all ' +
        'its runs in each generation (whiskers at the minimum and maximum), ' +
        'and the line joins the means. Invalid and failed candidates are ' +
        `left out.${blockNote}`,
      data,
    },
    {
      facet: {
        column: { field: 'method', type: 'nominal', title: 'Method' },
      },
      spec: {
        width: 260,
        height: 240,
        layer: [
          {
            mark: { type: 'boxplot', extent: 'min-max', size: 14 },
            encoding: {
              x,
              y: {
                field: 'accuracy',
                type: 'quantitative',
                title: 'Test accuracy',
              },
            },
          },
          {
            mark: { type: 'line', point: true, color: '#d62728' },
            encoding: {
              x,
              y: {
                field: 'accuracy',
                aggregate: 'mean',
                type: 'quantitative',
              },
            },
          },
        ],
      },
    },
  )
}

async function totalTimeComparison(groups: RunGroup[]): Promise<Figure> {
  const data: Row[] = groups.flatMap((group) =>
    group.runs.map((run) => ({
      method: group.label,
      run: run.name,
      seed: run.seed,
      seconds: round(run.seconds, 3),
      evaluations: run.candidates.length,
    })),
  )
  const x = {
    field: 'method',
    type: 'nominal',
    title: 'Method',
    axis: { labelAngle: 0 },
  }

  return makeFigure(
    {
      name: 'compare-total-time',
      title: 'Total wall-clock time per method',
      caption:
        'The bar is the mean wall-clock time of the runs of each method, the ' +
        'rule spans the shortest to the longest run and the dots are the ' +
        'runs. Pauses between sessions of a resumed run are left out.',
      data,
    },
    {
      layer: [
        {
          mark: { type: 'bar', opacity: 0.7 },
          encoding: {
            x,
            y: {
              field: 'seconds',
              aggregate: 'mean',
              type: 'quantitative',
              title: 'Wall-clock seconds',
            },
          },
        },
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: {
            x,
            y: { field: 'seconds', aggregate: 'min', type: 'quantitative' },
            y2: { field: 'seconds', aggregate: 'max' },
          },
        },
        {
          mark: { type: 'point', filled: true, color: 'black' },
          encoding: {
            x,
            y: { field: 'seconds', type: 'quantitative' },
          },
        },
      ],
    },
  )
}
