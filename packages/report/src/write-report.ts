/**
 * Writes a report folder: `index.html` with every figure inline, each
 * figure as `figures/<name>.svg`, and each figure's data as
 * `data/<name>.csv` and `data/<name>.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { IssueList, NordError } from '@nord/core'
import type { Cell, Figure } from './figure.js'
import { renderHtml } from './html.js'

/** A table of a report section. */
export interface Table {
  caption?: string
  columns: string[]
  /** Rows with one cell per column. */
  rows: Cell[][]
}

/** One section of a report, shown in order: text, then figures, then tables. */
export interface ReportSection {
  heading: string
  /** Plain text, where a blank line starts a new paragraph. */
  text?: string
  figures?: Figure[]
  tables?: Table[]
}

/** The contents of a report. */
export interface ReportContent {
  title: string
  sections: ReportSection[]
}

/** The absolute paths of the files `writeReport` wrote. */
export interface ReportFiles {
  index: string
  figures: string[]
  data: string[]
}

/** File-name-safe figure names: letters, digits, dots, underscores and hyphens. */
const FIGURE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/**
 * Writes the report into `outDir` (created with its parents). Files of the
 * same names are replaced and other files stay. Every text field goes into
 * the HTML escaped. The page has no script and loads no other file, so it
 * opens offline. Figure SVGs are inserted unchanged, so they have to come
 * from a trusted renderer such as `runFigures`.
 *
 * @throws NordValidationError (`NORD_ERR_INVALID_OPTION`) listing every
 *   invalid heading, figure name (missing, unsafe in a file name or used
 *   twice) and table row, before anything is written. Raises
 *   NordError `NORD_ERR_REPORT_WRITE` when a file cannot be written.
 */
export async function writeReport(
  outDir: string,
  content: ReportContent,
): Promise<ReportFiles> {
  checkContent(content)
  const root = resolve(outDir)
  const figuresDir = join(root, 'figures')
  const dataDir = join(root, 'data')
  makeFolder(figuresDir)
  makeFolder(dataDir)

  const files: ReportFiles = {
    index: join(root, 'index.html'),
    figures: [],
    data: [],
  }
  for (const figure of allFigures(content)) {
    const svgPath = join(figuresDir, `${figure.name}.svg`)
    const csvPath = join(dataDir, `${figure.name}.csv`)
    const jsonPath = join(dataDir, `${figure.name}.json`)
    writeFile(svgPath, figure.svg)
    writeFile(csvPath, toCsv(figure.data))
    writeFile(jsonPath, `${JSON.stringify(figure.data, null, 2)}\n`)
    files.figures.push(svgPath)
    files.data.push(csvPath, jsonPath)
  }

  writeFile(files.index, renderHtml(content))
  return files
}

function allFigures(content: ReportContent): Figure[] {
  return content.sections.flatMap((section) => section.figures ?? [])
}

function checkContent(content: ReportContent): void {
  const issues = new IssueList()
  if (typeof content.title !== 'string' || content.title.trim() === '') {
    issues.add('title', 'must be a non-empty string')
  }

  const names = new Set<string>()
  for (const [index, section] of content.sections.entries()) {
    const path = `sections[${index}]`
    if (typeof section.heading !== 'string' || section.heading.trim() === '') {
      issues.add(`${path}.heading`, 'must be a non-empty string')
    }
    for (const [number, figure] of (section.figures ?? []).entries()) {
      checkFigureName(issues, `${path}.figures[${number}].name`, figure, names)
    }
    for (const [number, table] of (section.tables ?? []).entries()) {
      checkTable(issues, `${path}.tables[${number}]`, table)
    }
  }
  issues.throwIfAny('report')
}

function checkFigureName(
  issues: IssueList,
  path: string,
  figure: Figure,
  names: Set<string>,
): void {
  const { name } = figure
  if (typeof name !== 'string' || !FIGURE_NAME.test(name)) {
    issues.add(
      path,
      `must be letters, digits, '.', '_' or '-' (a file name), got ${JSON.stringify(name)}`,
    )
    return
  }
  if (names.has(name)) {
    issues.add(path, `must be unique in the report, got '${name}' twice`)
  }
  names.add(name)
}

function checkTable(issues: IssueList, path: string, table: Table): void {
  const width = table.columns.length
  for (const [index, row] of table.rows.entries()) {
    if (row.length !== width) {
      issues.add(
        `${path}.rows[${index}]`,
        `must have ${width} cells (one per column), got ${row.length}`,
      )
    }
  }
}

/**
 * Formats rows as CSV (RFC 4180): a header of the columns in the order they
 * first appear, fields quoted when they hold a comma, quote or line break,
 * null as an empty field, and CRLF line ends.
 */
export function toCsv(rows: Record<string, Cell>[]): string {
  const columns: string[] = []
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!columns.includes(key)) columns.push(key)
    }
  }
  const lines = [columns.map(csvField)]
  for (const row of rows) {
    lines.push(columns.map((column) => csvField(row[column] ?? null)))
  }
  return `${lines.map((fields) => fields.join(',')).join('\r\n')}\r\n`
}

function csvField(value: Cell): string {
  if (value === null) return ''
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

function makeFolder(path: string): void {
  try {
    mkdirSync(path, { recursive: true })
  } catch (error) {
    throw writeError(path, error)
  }
}

function writeFile(path: string, text: string): void {
  try {
    writeFileSync(path, text)
  } catch (error) {
    throw writeError(path, error)
  }
}

function writeError(path: string, error: unknown): NordError {
  const reason = error instanceof Error ? error.message : String(error)
  return new NordError(
    'NORD_ERR_REPORT_WRITE',
    `cannot write the report file ${path}: ${reason}`,
    {
      value: path,
      hint: 'Choose another output folder (--out) that you can write to',
      cause: error,
    },
  )
}
