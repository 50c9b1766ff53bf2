/** Real run folders for the tests: `runSearch` with the GA and a synthetic evaluator. */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  convNetSizeSpace,
  type DescriptorJSON,
  type Evaluation,
  type Evaluator,
  type Issue,
  type JournalEvent,
  openRunDirectory,
  readRunDirectory,
  runSearch,
} from '@nord/core'
import { createGeneticOptimizer } from '@nord/optimizer-ga'
import { DOMParser } from '@xmldom/xmldom'

export function tempDir(prefix = 'nord-report-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

function genesOf(descriptor: DescriptorJSON): number[] {
  return descriptor.layers
    .filter((layer) => layer.type === 'conv2d')
    .flatMap((layer) => [
      layer.params.filters as number,
      layer.params.kernelSize as number,
    ])
}

/**
 * Scores a descriptor without training: the accuracy is a fixed function of
 * its genes, a descriptor whose second filters gene is a multiple of 9 fails,
 * and the parameters are the sum of the genes times 100.
 */
export function syntheticEvaluator(
  options: { onEvaluate?: (count: number) => void } = {},
): Evaluator {
  let count = 0
  return {
    name: 'test:synthetic',
    async evaluate(request): Promise<Evaluation> {
      count++
      options.onEvaluate?.(count)
      const genes = genesOf(request.descriptor)
      const parameters = genes.reduce((sum, gene) => sum + gene, 0) * 100
      if ((genes[2] ?? 1) % 9 === 0) {
        return {
          status: 'failed',
          fitness: 0,
          accuracy: null,
          loss: null,
          parameters,
          flops: null,
          seconds: 0.01,
          reason: 'synthetic failure',
        }
      }
      const weighted = genes.reduce(
        (sum, gene, index) => sum + gene * (index * 7 + 3),
        0,
      )
      const accuracy = (weighted % 97) / 100
      return {
        status: 'ok',
        fitness: accuracy,
        accuracy,
        loss: 1 - accuracy,
        parameters,
        flops: null,
        seconds: 0.02 + (genes[0] ?? 0) / 1000,
        extra: { worker: count % 2 },
      }
    },
  }
}

/** Rejects a first kernel larger than 40, so runs have invalid candidates too. */
export function syntheticValidate(descriptor: DescriptorJSON): Issue[] {
  const kernel = genesOf(descriptor)[1] ?? 0
  if (kernel <= 40) return []
  return [
    {
      path: 'layers[0].params.kernelSize',
      message: `must be at most 40, got ${kernel}`,
      code: 'NORD_ERR_SHAPE',
    },
  ]
}

export interface GaRunOptions {
  population?: number
  generations?: number
  seed?: number
  variant?: 'generational' | 'steady-state'
  /** Aborts the search as soon as this evaluation starts. */
  interruptAt?: number
}

/** Writes a GA run into `dir` with `runSearch`; returns `dir`. */
export async function writeGaRun(
  dir: string,
  options: GaRunOptions = {},
): Promise<string> {
  const population = options.population ?? 6
  const generations = options.generations ?? 4
  const seed = options.seed ?? 1
  const space = convNetSizeSpace()
  const optimizer = createOptimizer(options, population, generations, seed)
  const controller = new AbortController()
  const evaluator = syntheticEvaluator({
    onEvaluate: (count) => {
      if (count === options.interruptAt) controller.abort()
    },
  })

  const run = openRunDirectory(dir, { overwrite: true })
  try {
    await runSearch({
      optimizer,
      space,
      evaluator,
      seed,
      budget:
        options.variant === 'steady-state'
          ? { evaluations: population * generations }
          : { generations },
      run,
      validate: syntheticValidate,
      signal: controller.signal,
      config: {
        optimizer: {
          name: optimizer.name,
          options: { population, generations },
        },
        evaluator: { name: evaluator.name },
      },
    })
  } finally {
    run.close()
  }
  return dir
}

function createOptimizer(
  options: GaRunOptions,
  population: number,
  generations: number,
  seed: number,
) {
  const space = convNetSizeSpace()
  if (options.variant === 'steady-state') {
    return createGeneticOptimizer(
      { variant: 'steady-state', population, generations },
      { space, seed },
    )
  }
  return createGeneticOptimizer({ population, generations }, { space, seed })
}

/** Continues an interrupted run in `dir` to its budget of generations. */
export async function resumeGaRun(
  dir: string,
  options: GaRunOptions = {},
): Promise<void> {
  const population = options.population ?? 6
  const generations = options.generations ?? 4
  const seed = options.seed ?? 1
  const contents = readRunDirectory(dir)
  const run = openRunDirectory(dir, { resume: true })
  const optimizer = createOptimizer(options, population, generations, seed)
  try {
    await runSearch({
      optimizer,
      space: convNetSizeSpace(),
      evaluator: syntheticEvaluator(),
      seed,
      budget: { generations },
      run,
      resume: contents.journal,
      validate: syntheticValidate,
      config: contents.config ?? {},
    })
  } finally {
    run.close()
  }
}

/** Parses a journal line by line, skipping lines that are not JSON. */
export function journalEvents(dir: string): JournalEvent[] {
  return readFileSync(join(dir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as JournalEvent]
      } catch {
        return []
      }
    })
}

/** Returns the evaluation events of a journal. */
export function evaluationEvents(dir: string) {
  return journalEvents(dir).filter(
    (event): event is Extract<JournalEvent, { type: 'evaluation' }> =>
      event.type === 'evaluation',
  )
}

/**
 * Parses an SVG or XHTML document strictly: any well-formedness error
 * throws, so a test fails on a broken document.
 */
export function parseXml(text: string, type = 'image/svg+xml') {
  return new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`${level}: ${message}`)
    },
  }).parseFromString(text, type as 'image/svg+xml')
}

type XmlDocument = ReturnType<typeof parseXml>
type XmlElement = ReturnType<XmlDocument['getElementsByTagName']>[number]

function classOf(element: XmlElement): string {
  return element.getAttribute('class') ?? ''
}

/** Finds the groups that Vega draws for data marks of one type, such as `rect` or `line`. */
export function markGroups(doc: XmlDocument, type: string): XmlElement[] {
  return Array.from(doc.getElementsByTagName('g')).filter((group) =>
    classOf(group).startsWith(`mark-${type} role-mark`),
  )
}

/** Returns the item elements of a mark group (one per datum, or one path per line). */
export function markItems(group: XmlElement): XmlElement[] {
  return Array.from(group.childNodes).filter(
    (node): node is XmlElement => node.nodeType === 1,
  )
}

/** Returns the texts of the axis titles, x first. */
export function axisTitles(doc: XmlDocument): string[] {
  return Array.from(doc.getElementsByTagName('g'))
    .filter((group) => classOf(group).includes('role-axis-title'))
    .flatMap((group) => Array.from(group.getElementsByTagName('text')))
    .map((text) => text.textContent ?? '')
}

/** Returns the `aria-label` of every element that has one. */
export function ariaLabels(doc: XmlDocument): string[] {
  const labels: string[] = []
  for (const element of Array.from(doc.getElementsByTagName('*'))) {
    const label = element.getAttribute('aria-label')
    if (label !== null) labels.push(label)
  }
  return labels
}
