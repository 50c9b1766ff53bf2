/** The HTML page of a report. */
import type { Cell, Figure } from './figure.js'
import type { ReportContent, ReportSection, Table } from './write-report.js'

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; }
h2 { font-size: 1.25rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
figure { margin: 1.5rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #444; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { border: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
`

/**
 * Renders the page. Every text field is escaped. The figures' SVG is
 * inserted unchanged, so it has to come from a trusted renderer such as
 * `runFigures`.
 */
export function renderHtml(content: ReportContent): string {
  const sections = content.sections.map(renderSection).join('\n')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(content.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(content.title)}</h1>
${sections}
</body>
</html>
`
}

function renderSection(section: ReportSection): string {
  const parts = [`<section>`, `<h2>${escapeHtml(section.heading)}</h2>`]
  for (const paragraph of paragraphsOf(section.text ?? '')) {
    parts.push(`<p>${escapeHtml(paragraph)}</p>`)
  }
  for (const figure of section.figures ?? []) parts.push(renderFigure(figure))
  for (const table of section.tables ?? []) parts.push(renderTable(table))
  parts.push('</section>')
  return parts.join('\n')
}

function paragraphsOf(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '')
}

function renderFigure(figure: Figure): string {
  const name = escapeHtml(figure.name)
  const links = [
    `<a href="figures/${name}.svg">SVG</a>`,
    `<a href="data/${name}.csv">CSV</a>`,
    `<a href="data/${name}.json">JSON</a>`,
  ].join(' · ')
  return [
    `<figure id="figure-${name}">`,
    figure.svg,
    `<figcaption><strong>${escapeHtml(figure.title)}.</strong> ${escapeHtml(figure.caption)} ${links}</figcaption>`,
    '</figure>',
  ].join('\n')
}

function renderTable(table: Table): string {
  const caption =
    table.caption === undefined
      ? ''
      : `<caption>${escapeHtml(table.caption)}</caption>`
  const header = table.columns
    .map((column) => `<th>${escapeHtml(column)}</th>`)
    .join('')
  const rows = table.rows.map(
    (row) => `<tr>${row.map(renderCell).join('')}</tr>`,
  )
  return [
    '<table>',
    caption,
    `<thead><tr>${header}</tr></thead>`,
    `<tbody>`,
    ...rows,
    '</tbody>',
    '</table>',
  ].join('\n')
}

function renderCell(cell: Cell): string {
  if (typeof cell === 'number') {
    return `<td class="number">${escapeHtml(formatNumber(cell))}</td>`
  }
  return `<td>${escapeHtml(cell === null ? '' : String(cell))}</td>`
}

/** Formats a number with at most 4 decimals, so integers stay whole. */
function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  return String(Number(value.toFixed(4)))
}
