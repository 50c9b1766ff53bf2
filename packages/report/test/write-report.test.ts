import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  type Figure,
  loadRun,
  type ReportFiles,
  type RunData,
  runFigures,
  runReport,
  toCsv,
  writeReport,
} from '../src/index.js'
import { evaluationEvents, parseXml, tempDir, writeGaRun } from './helpers.js'

/** Splits CSV written by `toCsv` (no quoted fields in these files) into rows of fields. */
function readCsv(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .split('\r\n')
    .filter((line) => line !== '')
    .map((line) => line.split(','))
}

describe('writeReport', () => {
  let runDir: string
  let outDir: string
  let run: RunData
  let figures: Figure[]
  let files: ReportFiles
  let html: string

  beforeAll(async () => {
    runDir = await writeGaRun(tempDir(), { population: 6, generations: 3 })
    run = await loadRun(runDir)
    figures = await runFigures(run)
    outDir = join(tempDir(), 'nested', 'report')
    files = await writeReport(outDir, {
      title: 'Run <script>alert("x")</script> & more',
      sections: [
        {
          heading: 'Figures <b>',
          text: 'First paragraph.\n\nSecond <i>paragraph</i>.',
          figures,
        },
        {
          heading: 'Numbers',
          tables: [
            {
              caption: 'A <table>',
              columns: ['name', 'value'],
              rows: [
                ['<td>', 0.123456789],
                ['empty', null],
              ],
            },
          ],
        },
      ],
    })
    html = readFileSync(files.index, 'utf8')
  })

  it('writes index.html into a new folder', () => {
    expect(files.index).toBe(join(outDir, 'index.html'))
    expect(existsSync(files.index)).toBe(true)
  })

  it('embeds every figure inline', () => {
    for (const figure of figures) {
      expect(html, figure.name).toContain(figure.svg)
    }
    expect(html.match(/<svg /g)).toHaveLength(figures.length)
  })

  it('writes each figure as an SVG file', () => {
    for (const figure of figures) {
      const path = join(outDir, 'figures', `${figure.name}.svg`)
      expect(readFileSync(path, 'utf8')).toBe(figure.svg)
    }
    expect(files.figures).toHaveLength(figures.length)
  })

  it('writes each figure data as JSON', () => {
    for (const figure of figures) {
      const path = join(outDir, 'data', `${figure.name}.json`)
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(figure.data)
    }
  })

  it('writes CSV rows that match the journal', () => {
    const rows = readCsv(
      join(outDir, 'data', 'best-accuracy-by-evaluation.csv'),
    )
    const header = rows[0]!
    const events = evaluationEvents(runDir)
    expect(rows).toHaveLength(events.length + 1)
    const id = header.indexOf('id')
    const status = header.indexOf('status')
    const accuracy = header.indexOf('accuracy')
    for (const [index, event] of events.entries()) {
      const row = rows[index + 1]!
      expect(row[id]).toBe(event.candidate.id)
      expect(row[status]).toBe(event.evaluation.status)
      const expected =
        event.evaluation.status === 'ok'
          ? String(event.evaluation.accuracy)
          : ''
      expect(row[accuracy]).toBe(expected)
    }
  })

  it('links each figure to its files', () => {
    for (const figure of figures) {
      expect(html).toContain(`href="figures/${figure.name}.svg"`)
      expect(html).toContain(`href="data/${figure.name}.csv"`)
      expect(html).toContain(`href="data/${figure.name}.json"`)
    }
  })

  it('escapes the title', () => {
    expect(html).not.toContain('<script>')
    expect(html).toContain(
      '<title>Run &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more</title>',
    )
  })

  it('escapes headings, paragraphs and cells', () => {
    expect(html).toContain('<h2>Figures &lt;b&gt;</h2>')
    expect(html).toContain('<p>Second &lt;i&gt;paragraph&lt;/i&gt;.</p>')
    expect(html).toContain('<caption>A &lt;table&gt;</caption>')
    expect(html).toContain('<td>&lt;td&gt;</td>')
  })

  it('splits text into paragraphs', () => {
    expect(html).toContain('<p>First paragraph.</p>')
  })

  it('rounds numbers in tables', () => {
    expect(html).toContain('<td class="number">0.1235</td>')
  })

  it('loads no script or remote resource', () => {
    expect(html).not.toMatch(/<script|src=|https?:\/\/(?!www\.w3\.org)/)
  })

  it('writes a page that parses as XHTML-compatible markup', () => {
    const body = html.slice(html.indexOf('<body>'), html.indexOf('</html>'))
    const doc = parseXml(body, 'text/xml')
    expect(doc.getElementsByTagName('figure')).toHaveLength(figures.length)
  })
})

describe('writeReport validation', () => {
  it('lists every problem before writing', async () => {
    const outDir = join(tempDir(), 'report')
    const figure: Figure = {
      name: 'one',
      title: 't',
      caption: '',
      svg: '<svg xmlns="http://www.w3.org/2000/svg"/>',
      data: [],
    }
    const call = writeReport(outDir, {
      title: '',
      sections: [
        {
          heading: 'a',
          figures: [figure, figure, { ...figure, name: '../evil' }],
          tables: [{ columns: ['x', 'y'], rows: [[1]] }],
        },
      ],
    })

    await expect(call).rejects.toMatchObject({
      code: 'NORD_ERR_INVALID_OPTION',
      issues: [
        { path: 'title' },
        { path: 'sections[0].figures[1].name' },
        { path: 'sections[0].figures[2].name' },
        { path: 'sections[0].tables[0].rows[0]' },
      ],
    })
    expect(existsSync(outDir)).toBe(false)
  })
})

describe('toCsv', () => {
  it('quotes fields with commas, quotes and line breaks', () => {
    const csv = toCsv([{ a: 'x,y', b: 'say "hi"', c: 'two\nlines' }])
    expect(csv).toBe('a,b,c\r\n"x,y","say ""hi""","two\nlines"\r\n')
  })

  it('writes null and missing cells as empty fields', () => {
    const csv = toCsv([
      { a: 1, b: null },
      { a: 2, c: true },
    ])
    expect(csv).toBe('a,b,c\r\n1,,\r\n2,,true\r\n')
  })
})

describe('runReport', () => {
  it('builds the sections of one run', async () => {
    const dir = await writeGaRun(tempDir(), { population: 4, generations: 2 })
    const run = await loadRun(dir)

    const content = await runReport(run)

    expect(content.sections.map((section) => section.heading)).toEqual([
      'Run',
      'Figures',
      'Best candidates',
      'Configuration',
    ])
    expect(content.sections[1]!.figures).toHaveLength(5)
  })

  it('ranks the best candidates by accuracy', async () => {
    const dir = await writeGaRun(tempDir(), { population: 8, generations: 3 })
    const run = await loadRun(dir)

    const content = await runReport(run)

    const table = content.sections[2]!.tables![0]!
    const accuracies = table.rows.map((row) => row[4] as number)
    const sorted = run.candidates
      .map((candidate) => candidate.accuracy)
      .filter((accuracy): accuracy is number => accuracy !== null)
      .sort((a, b) => b - a)
      .slice(0, 10)
    expect(accuracies).toEqual(sorted)
  })
})
