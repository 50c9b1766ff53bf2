import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { type Figure, loadRun, type RunData, runFigures } from '../src/index.js'
import {
  ariaLabels,
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

function okAccuracies(run: RunData, generation: number): number[] {
  return run.candidates
    .filter((c) => c.generation === generation && c.accuracy !== null)
    .map((c) => c.accuracy ?? 0)
}

describe('runFigures on a generational run', () => {
  let run: RunData
  let figures: Figure[]

  beforeAll(async () => {
    const dir = await writeGaRun(tempDir(), { population: 8, generations: 5 })
    run = await loadRun(dir)
    figures = await runFigures(run)
  })

  it('renders the five figures in order', () => {
    expect(figures.map((figure) => figure.name)).toEqual([
      'accuracy-per-generation',
      'parameters-per-generation',
      'best-accuracy-by-evaluation',
      'best-accuracy-by-time',
      'time-per-generation',
    ])
  })

  it('renders SVG that parses as XML', () => {
    for (const figure of figures) {
      const doc = parseXml(figure.svg)
      expect(doc.documentElement?.tagName, figure.name).toBe('svg')
    }
  })

  it('draws one box per generation', () => {
    const doc = parseXml(figureNamed(figures, 'accuracy-per-generation').svg)
    // The boxes and the median ticks are the two rect marks of a box plot.
    const rects = markGroups(doc, 'rect')
    expect(rects).toHaveLength(2)
    for (const group of rects) expect(markItems(group)).toHaveLength(5)
  })

  it('draws the mean line through every generation', () => {
    const doc = parseXml(figureNamed(figures, 'accuracy-per-generation').svg)
    const lines = markGroups(doc, 'line')
    expect(lines).toHaveLength(1)
    const points = markGroups(doc, 'symbol')
    expect(markItems(points[0]!)).toHaveLength(5)
  })

  it('plots the mean accuracy of each generation', () => {
    const doc = parseXml(figureNamed(figures, 'accuracy-per-generation').svg)
    const labels = ariaLabels(doc)
    for (let generation = 0; generation < 5; generation++) {
      const values = okAccuracies(run, generation)
      const mean = values.reduce((sum, value) => sum + value, 0) / values.length
      const label = labels.find((text) =>
        text.startsWith(`Generation: ${generation}; Mean of accuracy:`),
      )
      const shown = Number(label?.split(': ').at(-1))
      expect(shown, `generation ${generation}`).toBeCloseTo(mean, 2)
    }
  })

  it('titles the axes of the accuracy figure', () => {
    const doc = parseXml(figureNamed(figures, 'accuracy-per-generation').svg)
    expect(axisTitles(doc)).toEqual(['Generation', 'Test accuracy'])
  })

  it('keeps one data row per ok evaluation', () => {
    const figure = figureNamed(figures, 'accuracy-per-generation')
    const ok = run.candidates.filter((candidate) => candidate.status === 'ok')
    expect(figure.data.map((row) => row.id)).toEqual(ok.map((c) => c.id))
    expect(figure.data.map((row) => row.accuracy)).toEqual(
      ok.map((c) => c.accuracy),
    )
  })

  it('counts invalid and failed candidates in the caption', () => {
    const invalid = run.candidates.filter((c) => c.status === 'invalid')
    const failed = run.candidates.filter((c) => c.status === 'failed')
    expect(invalid.length).toBeGreaterThan(0)
    expect(failed.length).toBeGreaterThan(0)
    const { caption } = figureNamed(figures, 'accuracy-per-generation')
    expect(caption).toContain(`${invalid.length} invalid`)
    expect(caption).toContain(`${failed.length} failed`)
  })

  it('averages parameters of ok evaluations', () => {
    const figure = figureNamed(figures, 'parameters-per-generation')
    expect(figure.data).toHaveLength(5)
    for (const row of figure.data) {
      const counted = run.candidates.filter(
        (c) => c.generation === row.generation && c.status === 'ok',
      )
      const mean =
        counted.reduce((sum, c) => sum + (c.parameters ?? 0), 0) /
        counted.length
      expect(row.meanParameters).toBeCloseTo(mean, 1)
    }
  })

  it('titles the parameters axis', () => {
    const doc = parseXml(figureNamed(figures, 'parameters-per-generation').svg)
    expect(axisTitles(doc)).toEqual(['Generation', 'Mean trainable parameters'])
  })

  it('tracks the best accuracy so far', () => {
    const figure = figureNamed(figures, 'best-accuracy-by-evaluation')
    expect(figure.data).toHaveLength(run.candidates.length)
    let best: number | null = null
    for (const [index, candidate] of run.candidates.entries()) {
      if (candidate.accuracy !== null) {
        best = Math.max(best ?? 0, candidate.accuracy)
      }
      expect(figure.data[index]!.bestAccuracy).toBe(best)
    }
  })

  it('titles the axes of both best-so-far figures', () => {
    const byEvaluation = parseXml(
      figureNamed(figures, 'best-accuracy-by-evaluation').svg,
    )
    const byTime = parseXml(figureNamed(figures, 'best-accuracy-by-time').svg)
    expect(axisTitles(byEvaluation)).toEqual([
      'Evaluations',
      'Best test accuracy so far',
    ])
    expect(axisTitles(byTime)).toEqual([
      'Wall-clock seconds',
      'Best test accuracy so far',
    ])
  })

  it('draws one point per ok evaluation', () => {
    const doc = parseXml(figureNamed(figures, 'best-accuracy-by-time').svg)
    const ok = run.candidates.filter((c) => c.status === 'ok')
    const points = markGroups(doc, 'symbol')
    expect(points).toHaveLength(1)
    expect(markItems(points[0]!)).toHaveLength(ok.length)
  })

  it('sums evaluation seconds per generation', () => {
    const figure = figureNamed(figures, 'time-per-generation')
    expect(figure.data).toHaveLength(5)
    for (const row of figure.data) {
      const members = run.candidates.filter(
        (c) => c.generation === row.generation,
      )
      const sum = members.reduce((total, c) => total + c.seconds, 0)
      expect(row.evaluationSeconds).toBeCloseTo(sum, 3)
      expect(row.candidates).toBe(members.length)
    }
  })

  it('draws two bars per generation', () => {
    const doc = parseXml(figureNamed(figures, 'time-per-generation').svg)
    const bars = markGroups(doc, 'rect')
    expect(bars).toHaveLength(1)
    expect(markItems(bars[0]!)).toHaveLength(10)
  })
})

describe('runFigures on a steady-state run', () => {
  let run: RunData
  let figures: Figure[]

  beforeAll(async () => {
    const dir = await writeGaRun(tempDir(), {
      population: 5,
      generations: 4,
      variant: 'steady-state',
    })
    run = await loadRun(dir)
    figures = await runFigures(run)
  })

  it('uses blocks and time per evaluation', () => {
    expect(figures.map((figure) => figure.name)).toEqual([
      'accuracy-per-block',
      'parameters-per-block',
      'best-accuracy-by-evaluation',
      'best-accuracy-by-time',
      'time-per-evaluation',
    ])
  })

  it('groups evaluations by population size', () => {
    const figure = figureNamed(figures, 'accuracy-per-block')
    expect(figure.data.length).toBeGreaterThan(0)
    for (const row of figure.data) {
      const evaluation = row.evaluation as number
      expect(row.block).toBe(Math.floor((evaluation - 1) / 5))
    }
    const doc = parseXml(figure.svg)
    expect(axisTitles(doc)).toEqual(['Block of 5 evaluations', 'Test accuracy'])
  })

  it('explains blocks in the caption', () => {
    const { caption } = figureNamed(figures, 'accuracy-per-block')
    expect(caption).toContain('5 consecutive evaluations')
  })

  it('draws one bar per evaluation', () => {
    const figure = figureNamed(figures, 'time-per-evaluation')
    expect(figure.data).toHaveLength(20)
    const bars = markGroups(parseXml(figure.svg), 'rect')
    expect(markItems(bars[0]!)).toHaveLength(20)
  })
})

describe('runFigures on a killed run', () => {
  it('draws boxes for the generations reached', async () => {
    const dir = await writeGaRun(tempDir(), { population: 6, generations: 3 })
    const path = join(dir, 'journal.jsonl')
    const lines = readFileSync(path, 'utf8').split('\n')
    // Keep the first 9 evaluations (a generation and a half) and half a line.
    let evaluations = 0
    const kept = lines.filter((line) => {
      if (line.includes('"type":"evaluation"')) evaluations++
      return evaluations <= 9 && !line.includes('"type":"run-end"')
    })
    writeFileSync(path, `${kept.join('\n')}\n{"type":"tell","ti`)

    const run = await loadRun(dir)
    const figures = await runFigures(run)

    expect(run.candidates).toHaveLength(9)
    const generations = new Set(
      run.candidates.filter((c) => c.status === 'ok').map((c) => c.generation),
    )
    const doc = parseXml(figureNamed(figures, 'accuracy-per-generation').svg)
    const rects = markGroups(doc, 'rect')
    expect(rects).toHaveLength(2)
    for (const group of rects) {
      expect(markItems(group)).toHaveLength(generations.size)
    }
    const time = figureNamed(figures, 'time-per-generation')
    expect(time.data.map((row) => row.candidates)).toEqual([6, 3])
  })
})
