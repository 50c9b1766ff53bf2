/** The figures of one run. */
import { type Figure, makeFigure, type Row } from './figure.js'
import type { RunData } from './run-data.js'
import {
  bestSoFar,
  type Grouping,
  groupCandidates,
  groupingOf,
  mean,
  round,
  statusCounts,
} from './series.js'

/**
 * Renders the figures of one run, in this order: accuracy per generation
 * (box plots with the mean as a line), mean trainable parameters per
 * generation, best accuracy so far against evaluations and against
 * wall-clock seconds, and time per generation. A run without generation
 * numbers (a steady-state optimizer) gets blocks of consecutive evaluations
 * in place of generations, and time per evaluation.
 */
export async function runFigures(run: RunData): Promise<Figure[]> {
  const grouping = groupingOf(run)
  return [
    await accuracyFigure(run, grouping),
    await parametersFigure(run, grouping),
    await bestByEvaluationFigure(run),
    await bestBySecondsFigure(run),
    grouping.kind === 'generation'
      ? await generationTimeFigure(run, grouping)
      : await evaluationTimeFigure(run),
  ]
}

/** Fixed colours, so a status keeps its colour in every figure. */
const STATUS_COLOR = {
  field: 'status',
  type: 'nominal',
  title: 'Status',
  scale: {
    domain: ['ok', 'invalid', 'failed'],
    range: ['#4c78a8', '#f58518', '#e45756'],
  },
}

/** Returns the word that names the groups in figure names: `generation` or `block`. */
function groupWord(grouping: Grouping): string {
  return grouping.kind === 'generation' ? 'generation' : 'block'
}

/** Returns the caption sentence that explains blocks, or an empty string for generations. */
function blockNote(grouping: Grouping): string {
  if (grouping.kind === 'generation') return ''
  return ` The run records no generations, so each block holds ${grouping.size} consecutive evaluations.`
}

async function accuracyFigure(
  run: RunData,
  grouping: Grouping,
): Promise<Figure> {
  const word = groupWord(grouping)
  const data: Row[] = run.candidates
    .filter((candidate) => candidate.accuracy !== null)
    .map((candidate) => ({
      [word]: grouping.of(candidate),
      id: candidate.id,
      evaluation: candidate.evaluation,
      accuracy: candidate.accuracy,
    }))
  const counts = statusCounts(run.candidates)
  const x = {
    field: word,
    type: 'ordinal',
    title: grouping.title,
    axis: { labelAngle: 0 },
  }

  return makeFigure(
    {
      name: `accuracy-per-${word}`,
      title: `Test accuracy per ${word}`,
      caption:
        `Box plots of the test accuracy of the ok evaluations in each ${word}: ` +
        'the box spans the quartiles, the tick is the median and the whiskers ' +
        `reach the minimum and maximum. The line joins the means. ` +
        `${counts.invalid} invalid and ${counts.failed} failed candidates are ` +
        'left out; the optimizer received them with fitness 0.' +
        blockNote(grouping),
      data,
    },
    {
      layer: [
        {
          mark: { type: 'boxplot', extent: 'min-max', size: 18 },
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
            y: { field: 'accuracy', aggregate: 'mean', type: 'quantitative' },
          },
        },
      ],
    },
  )
}

async function parametersFigure(
  run: RunData,
  grouping: Grouping,
): Promise<Figure> {
  const word = groupWord(grouping)
  const data: Row[] = []
  for (const [group, members] of groupCandidates(run, grouping)) {
    const counted = members.filter(
      (candidate) => candidate.status === 'ok' && candidate.parameters !== null,
    )
    if (counted.length === 0) continue
    data.push({
      [word]: group,
      meanParameters: round(
        mean(counted.map((candidate) => candidate.parameters ?? 0)),
        1,
      ),
      candidates: counted.length,
    })
  }
  const missing =
    data.length === 0 ? ' The evaluator recorded no parameter counts.' : ''

  return makeFigure(
    {
      name: `parameters-per-${word}`,
      title: `Mean trainable parameters per ${word}`,
      caption:
        `The mean trainable parameters (classification head included) of the ok evaluations in each ${word}.` +
        missing +
        blockNote(grouping),
      data,
    },
    {
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: word,
          type: 'ordinal',
          title: grouping.title,
          axis: { labelAngle: 0 },
        },
        y: {
          field: 'meanParameters',
          type: 'quantitative',
          title: 'Mean trainable parameters',
        },
      },
    },
  )
}

/** Builds one row per candidate with the best accuracy so far, for both best-so-far figures. */
function bestRows(run: RunData): Row[] {
  const best = bestSoFar(run.candidates)
  return run.candidates.map((candidate, index) => ({
    evaluation: candidate.evaluation,
    seconds: round(candidate.elapsed, 3),
    id: candidate.id,
    status: candidate.status,
    accuracy: candidate.accuracy,
    bestAccuracy: best[index] ?? null,
  }))
}

const BEST_CAPTION =
  'The step line is the best test accuracy among the ok evaluations so far; ' +
  'the dots are the ok evaluations themselves. Invalid and failed candidates ' +
  'count as evaluations but have no accuracy.'

async function bestByEvaluationFigure(run: RunData): Promise<Figure> {
  return bestFigure(run, {
    name: 'best-accuracy-by-evaluation',
    title: 'Best accuracy so far by evaluation',
    caption: BEST_CAPTION,
    field: 'evaluation',
    axisTitle: 'Evaluations',
  })
}

async function bestBySecondsFigure(run: RunData): Promise<Figure> {
  return bestFigure(run, {
    name: 'best-accuracy-by-time',
    title: 'Best accuracy so far by wall-clock time',
    caption:
      `${BEST_CAPTION} Time runs from the start of the run, from the ` +
      "journal's timestamps; pauses between sessions of a resumed run are " +
      'left out.',
    field: 'seconds',
    axisTitle: 'Wall-clock seconds',
  })
}

async function bestFigure(
  run: RunData,
  options: {
    name: string
    title: string
    caption: string
    field: 'evaluation' | 'seconds'
    axisTitle: string
  },
): Promise<Figure> {
  const x = {
    field: options.field,
    type: 'quantitative',
    title: options.axisTitle,
  }
  return makeFigure(
    {
      name: options.name,
      title: options.title,
      caption: options.caption,
      data: bestRows(run),
    },
    {
      layer: [
        {
          mark: { type: 'point', filled: true, opacity: 0.45, color: 'grey' },
          encoding: {
            x,
            y: { field: 'accuracy', type: 'quantitative' },
          },
        },
        {
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
          encoding: {
            x,
            y: {
              field: 'bestAccuracy',
              type: 'quantitative',
              title: 'Best test accuracy so far',
            },
          },
        },
      ],
    },
  )
}

async function generationTimeFigure(
  run: RunData,
  grouping: Grouping,
): Promise<Figure> {
  const starts = new Map<number, number>()
  for (const ask of run.asks) {
    if (ask.generation !== null && !starts.has(ask.generation)) {
      starts.set(ask.generation, ask.elapsed)
    }
  }

  const data: Row[] = []
  let previousEnd = 0
  for (const [generation, members] of groupCandidates(run, grouping)) {
    const end = Math.max(...members.map((candidate) => candidate.elapsed))
    const start = starts.get(generation) ?? previousEnd
    data.push({
      generation,
      candidates: members.length,
      wallClockSeconds: round(Math.max(0, end - start), 3),
      evaluationSeconds: round(
        members.reduce((sum, candidate) => sum + candidate.seconds, 0),
        3,
      ),
    })
    previousEnd = end
  }

  return makeFigure(
    {
      name: 'time-per-generation',
      title: 'Time per generation',
      caption:
        'Wall-clock seconds from the ask of each generation to its last ' +
        'result, next to the sum of the seconds its evaluations reported. ' +
        'The sum exceeds the wall-clock time when evaluations ran in ' +
        'parallel; the wall-clock time also includes the overhead of the ' +
        'search loop.',
      data,
    },
    {
      transform: [
        {
          fold: ['wallClockSeconds', 'evaluationSeconds'],
          as: ['measure', 'value'],
        },
      ],
      mark: 'bar',
      encoding: {
        x: {
          field: 'generation',
          type: 'ordinal',
          title: 'Generation',
          axis: { labelAngle: 0 },
        },
        xOffset: { field: 'measure', type: 'nominal' },
        y: { field: 'value', type: 'quantitative', title: 'Seconds' },
        color: {
          field: 'measure',
          type: 'nominal',
          title: 'Measure',
          scale: { domain: ['wallClockSeconds', 'evaluationSeconds'] },
          legend: {
            labelExpr:
              "datum.label === 'wallClockSeconds' ? 'Wall clock' : 'Sum of evaluations'",
          },
        },
      },
    },
  )
}

async function evaluationTimeFigure(run: RunData): Promise<Figure> {
  const data: Row[] = run.candidates.map((candidate) => ({
    evaluation: candidate.evaluation,
    id: candidate.id,
    status: candidate.status,
    seconds: round(candidate.seconds, 3),
  }))

  return makeFigure(
    {
      name: 'time-per-evaluation',
      title: 'Time per evaluation',
      caption:
        'The seconds each evaluation reported for training and scoring, in ' +
        'journal order. The run records no generations, so time is shown per ' +
        'evaluation.',
      data,
    },
    {
      mark: 'bar',
      encoding: {
        x: {
          field: 'evaluation',
          type: 'ordinal',
          title: 'Evaluation',
          axis: { labelAngle: 0, labelOverlap: 'parity' },
        },
        y: { field: 'seconds', type: 'quantitative', title: 'Seconds' },
        color: STATUS_COLOR,
      },
    },
  )
}
