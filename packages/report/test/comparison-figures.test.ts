import { beforeAll, describe, expect, it } from 'vitest'
import {
  comparisonFigures,
  type Figure,
  loadRun,
  type RunGroup,
} from '../src/index.js'
import {
  axisTitles,
  markGroups,
  markItems,
  parseXml,
  tempDir,
  writeGaRun,
} from './helpers.js'

function figureNamed(figures: Figure[], name: string): Figure {
  const figure = figures.find((candidate) => candidate.name === name)
  if (figure === undefined) throw new Error(`no figure named ${name}`)
  return figure
}

describe('comparisonFigures', () => {
  let groups: RunGroup[]
  let figures: Figure[]

  beforeAll(async () => {
    groups = []
    for (const [label, variant] of [
      ['generational', 'generational'],
      ['steady <state> & co', 'steady-state'],
    ] as const) {
      const runs = []
      for (const seed of [1, 2, 3]) {
        const dir = await writeGaRun(tempDir(), {
          seed,
          variant,
          population: 5,
          generations: 4,
        })
        runs.push(await loadRun(dir))
      }
      groups.push({ label, runs })
    }
    figures = await comparisonFigures(groups)
  })

  it('renders the four figures in order', () => {
    expect(figures.map((figure) => figure.name)).toEqual([
      'compare-best-accuracy-by-evaluation',
      'compare-best-accuracy-by-time',
      'compare-accuracy-per-generation',
      'compare-total-time',
    ])
  })

  it('renders SVG that parses as XML', () => {
    for (const figure of figures) {
      const doc = parseXml(figure.svg)
      expect(doc.documentElement?.tagName, figure.name).toBe('svg')
    }
  })

  it('draws a band and a line per method', () => {
    const doc = parseXml(
      figureNamed(figures, 'compare-best-accuracy-by-evaluation').svg,
    )
    // Vega draws each coloured series as a mark group of its own.
    const areas = markGroups(doc, 'area')
    const lines = markGroups(doc, 'line')
    expect(areas).toHaveLength(2)
    expect(lines).toHaveLength(2)
    for (const group of [...areas, ...lines]) {
      expect(markItems(group)).toHaveLength(1)
    }
  })

  it('spans the seeds in the band', () => {
    const figure = figureNamed(figures, 'compare-best-accuracy-by-evaluation')
    const group = groups[0]!
    const last = group.runs[0]!.candidates.length
    const row = figure.data.find(
      (r) => r.method === group.label && r.evaluation === last,
    )
    const finals = group.runs.map((run) =>
      Math.max(...run.candidates.map((c) => c.accuracy ?? 0)),
    )
    expect(row?.runs).toBe(3)
    expect(row?.minBest).toBeCloseTo(Math.min(...finals), 6)
    expect(row?.maxBest).toBeCloseTo(Math.max(...finals), 6)
    const mean = finals.reduce((sum, value) => sum + value, 0) / 3
    expect(row?.meanBest).toBeCloseTo(mean, 6)
  })

  it('samples best accuracy on a time grid', () => {
    const figure = figureNamed(figures, 'compare-best-accuracy-by-time')
    const seconds = figure.data.map((row) => row.seconds as number)
    const longest = Math.max(
      ...groups.flatMap((group) => group.runs.map((run) => run.seconds)),
    )
    expect(Math.max(...seconds)).toBeCloseTo(longest, 2)
    const doc = parseXml(figure.svg)
    expect(axisTitles(doc)).toEqual([
      'Wall-clock seconds',
      'Best test accuracy so far',
    ])
  })

  it('draws one box panel per method', () => {
    const figure = figureNamed(figures, 'compare-accuracy-per-generation')
    const doc = parseXml(figure.svg)
    // Each panel has a box mark and a median mark.
    expect(markGroups(doc, 'rect')).toHaveLength(4)
    const methods = new Set(figure.data.map((row) => row.method))
    expect(methods).toEqual(new Set(groups.map((group) => group.label)))
  })

  it('escapes method labels in the SVG', () => {
    const figure = figureNamed(figures, 'compare-total-time')
    expect(figure.svg).toContain('steady &lt;state&gt; &amp; co')
    expect(figure.svg).not.toContain('<state>')
  })

  it('lists the total time of every run', () => {
    const figure = figureNamed(figures, 'compare-total-time')
    expect(figure.data).toHaveLength(6)
    const doc = parseXml(figure.svg)
    const bars = markGroups(doc, 'rect')
    expect(markItems(bars[0]!)).toHaveLength(2)
  })

  it('rejects empty and duplicate groups at once', async () => {
    const run = groups[0]!.runs[0]!
    const call = comparisonFigures([
      { label: 'a', runs: [] },
      { label: 'b', runs: [run] },
      { label: 'b', runs: [run] },
    ])
    await expect(call).rejects.toMatchObject({
      code: 'NORD_ERR_INVALID_OPTION',
      message: expect.stringMatching(
        /groups\[0\]\.runs: .*groups\[2\]\.label: /s,
      ),
    })
  })

  it('rejects no groups', async () => {
    await expect(comparisonFigures([])).rejects.toMatchObject({
      code: 'NORD_ERR_INVALID_OPTION',
    })
  })
})
