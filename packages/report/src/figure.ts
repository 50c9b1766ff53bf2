/** The figure type and its rendering: a Vega-Lite specification to SVG, in Node. */
import { parse, View } from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'

/** A cell of a figure's data or of a table. */
export type Cell = string | number | boolean | null

/** One row of a figure's data: the values the figure plots, by column. */
export type Row = Record<string, Cell>

/** One rendered figure with the data behind it. */
export interface Figure {
  /** A file-name-safe id, unique in a report, such as `accuracy-per-generation`. */
  name: string
  title: string
  /** The report text under the figure: its content and what it leaves out. */
  caption: string
  /** A standalone SVG document. */
  svg: string
  /** The rows the figure plots, one object per row. */
  data: Row[]
}

/** The plot area size in pixels. The axes, title and legend add to it. */
export const PLOT_WIDTH = 520
export const PLOT_HEIGHT = 280

/**
 * Renders a Vega-Lite specification to an SVG document with Vega's headless
 * view: no browser and no canvas. Text widths are then estimated from the
 * font size, so long labels may be spaced unevenly.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { spec: vegaSpec } = compile(spec)
  const view = new View(parse(vegaSpec), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** Builds a figure from its specification, with `data` inlined into the spec. */
export async function makeFigure(
  fields: Omit<Figure, 'svg'>,
  spec: Omit<TopLevelSpec, 'data'> & Record<string, unknown>,
): Promise<Figure> {
  // A faceted figure sizes each panel in its inner `spec` instead.
  const size = 'facet' in spec ? {} : { width: PLOT_WIDTH, height: PLOT_HEIGHT }
  const full = {
    ...size,
    background: 'white',
    config: FIGURE_CONFIG,
    ...spec,
    title: fields.title,
    // Vega tags the objects it ingests with a symbol, so it gets a copy.
    data: { values: structuredClone(fields.data) },
  } as TopLevelSpec
  return { ...fields, svg: await renderSvg(full) }
}

const FIGURE_CONFIG = {
  font: 'sans-serif',
  title: { fontSize: 14, anchor: 'start' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
} as const
