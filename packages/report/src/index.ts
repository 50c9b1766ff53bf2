/**
 * Figures and reports of nord runs: `loadRun` reads a run folder,
 * `runFigures` and `comparisonFigures` render SVG figures with Vega-Lite,
 * and `writeReport` writes a self-contained HTML page with the figures and
 * their data.
 */
export type { RunGroup } from './comparison-figures.js'
export { comparisonFigures } from './comparison-figures.js'
export type { Cell, Figure, Row } from './figure.js'
export { renderSvg } from './figure.js'
export { escapeHtml } from './html.js'
export type { AskRecord, CandidateRecord, RunData } from './run-data.js'
export { loadRun } from './run-data.js'
export { runFigures } from './run-figures.js'
export { runReport } from './run-report.js'
export type {
  ReportContent,
  ReportFiles,
  ReportSection,
  Table,
} from './write-report.js'
export { toCsv, writeReport } from './write-report.js'
