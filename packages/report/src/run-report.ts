/** The standard report of one run, as `nord report` writes it. */
import type { JsonValue } from '@nord/core'
import type { Cell } from './figure.js'
import type { CandidateRecord, RunData } from './run-data.js'
import { runFigures } from './run-figures.js'
import { bestSoFar, statusCounts } from './series.js'
import type { ReportContent, Table } from './write-report.js'

/** Candidates listed in the table of best candidates. */
const BEST_ROWS = 10

/**
 * Builds the report of one run: a summary table, the figures of
 * `runFigures`, the best candidates and the configuration.
 */
export async function runReport(run: RunData): Promise<ReportContent> {
  return {
    title: `nord run ${run.name}`,
    sections: [
      {
        heading: 'Run',
        text: runText(run),
        tables: [summaryTable(run)],
      },
      { heading: 'Figures', figures: await runFigures(run) },
      { heading: 'Best candidates', tables: [bestTable(run)] },
      {
        heading: 'Configuration',
        text:
          run.config === null
            ? 'The run recorded no configuration.'
            : 'The configuration of the latest session, one row per setting.',
        tables: run.config === null ? [] : [configTable(run.config)],
      },
    ],
  }
}

function runText(run: RunData): string {
  const lines = [`Made from the run folder ${run.path}.`]
  if (run.ended === null) {
    lines.push(
      'The journal has no run-end event: the process was stopped without ' +
        'closing the run, or the run is still going. The report covers the ' +
        'evaluations recorded so far.',
    )
  }
  if (run.truncated) {
    lines.push(
      "The journal's last line was incomplete (cut off by a stopped " +
        'process) and is left out.',
    )
  }
  return lines.join('\n\n')
}

function summaryTable(run: RunData): Table {
  const counts = statusCounts(run.candidates)
  const best = bestCandidate(run.candidates)
  const cacheHits = run.candidates.filter(
    (candidate) => candidate.cacheHitOf !== null,
  ).length
  const status =
    run.ended === null
      ? 'no run-end event'
      : `${run.ended.reason}${run.ended.message ? `: ${run.ended.message}` : ''}`
  const rows: Cell[][] = [
    ['Optimizer', run.method],
    ['Evaluator', run.evaluator],
    ['Seed', run.seed],
    ['Started', run.startedAt],
    ['Status', status],
    ['Sessions', run.sessions],
    ['Wall-clock seconds', run.seconds],
    ['Evaluations', run.candidates.length],
    ['ok', counts.ok],
    ['invalid', counts.invalid],
    ['failed', counts.failed],
    ['Cache hits', cacheHits],
    [
      'Best test accuracy',
      best === null ? null : `${best.accuracy} (${best.id})`,
    ],
  ]
  return { caption: 'Summary', columns: ['Field', 'Value'], rows }
}

function bestCandidate(candidates: CandidateRecord[]): CandidateRecord | null {
  const best = bestSoFar(candidates).at(-1) ?? null
  if (best === null) return null
  return candidates.find((candidate) => candidate.accuracy === best) ?? null
}

function bestTable(run: RunData): Table {
  const ranked = run.candidates
    .filter((candidate) => candidate.accuracy !== null)
    .sort(
      (a, b) =>
        (b.accuracy ?? 0) - (a.accuracy ?? 0) || a.evaluation - b.evaluation,
    )
    .slice(0, BEST_ROWS)
  return {
    caption: `The ${ranked.length} ok candidates with the highest test accuracy (earliest first on ties)`,
    columns: [
      'Rank',
      'Candidate',
      'Generation',
      'Evaluation',
      'Test accuracy',
      'Parameters',
      'Seconds',
      'Genotype',
    ],
    rows: ranked.map((candidate, index) => [
      index + 1,
      candidate.id,
      candidate.generation,
      candidate.evaluation,
      candidate.accuracy,
      candidate.parameters,
      candidate.seconds,
      `[${candidate.genotype.join(', ')}]`,
    ]),
  }
}

function configTable(config: Record<string, JsonValue>): Table {
  const rows: Cell[][] = []
  const visit = (path: string, value: JsonValue) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) {
        visit(path === '' ? key : `${path}.${key}`, child)
      }
      return
    }
    rows.push([path, JSON.stringify(value)])
  }
  visit('', config)
  return { columns: ['Setting', 'Value'], rows }
}
