import { createHash } from 'node:crypto'
import { NordValidationError } from '../errors.js'
import type { DescriptorJSON } from '../types.js'
import { analyzeDescriptor } from './inference.js'
import type { ResolvedParams } from './params.js'
import type { Topology } from './topology.js'

/** Names the canonical form, so that a future change of it changes every hash. */
const CANONICAL_FORMAT = 'nord-descriptor/1'

/**
 * Returns the canonical hash of a descriptor: the sha256 hex digest of a form
 * that is the same for descriptors that build the same network. The form
 * ignores layer names, the order of layers and connections, the order of the
 * inputs of a `sum` merge, and how defaults are spelled (`kernelSize: 3` is
 * `[3, 3]`, absent `padding` is `'valid'`, absent `merge` is `'sum'`). The
 * order of the inputs of a `concat` merge counts.
 *
 * Layers are identified by colour refinement (1-dimensional
 * Weisfeiler-Leman) over the graph, which starts from each layer's type and
 * resolved parameters and repeatedly mixes in the colours of its inputs and
 * consumers until no class of layers splits further.
 *
 * NOTE: colour refinement cannot tell apart some highly regular graphs, such
 * as identical branches wired to identical merges as one 8-cycle or as two
 * 4-cycles. Such different networks share a hash. Descriptors that search
 * spaces decode do not take that form.
 *
 * @throws NordValidationError when the structure, a layer's parameters or
 *   the topology is invalid. Shapes are not checked, so a network that does
 *   not fit an input shape still has a hash.
 */
export function descriptorHash(json: unknown): string {
  const analysis = analyzeDescriptor(json)
  const { descriptor, params, topology } = analysis
  if (
    analysis.issues.length > 0 ||
    descriptor === undefined ||
    params === undefined ||
    topology === undefined
  ) {
    throw new NordValidationError('descriptor', analysis.issues, {
      hint: 'Only a descriptor with a valid structure, valid parameters and a valid topology has a hash',
    })
  }

  const form = canonicalForm(descriptor, params, topology)
  return createHash('sha256').update(form).digest('hex')
}

/** The graph facts that colours are computed from. */
interface Graph {
  topology: Topology
  /** The merge mode of each layer with several inputs; null with one input. */
  modes: ReadonlyMap<string, 'sum' | 'concat' | null>
}

function canonicalForm(
  descriptor: DescriptorJSON,
  params: ReadonlyMap<string, ResolvedParams>,
  topology: Topology,
): string {
  const modes = new Map(
    descriptor.layers.map((layer) => {
      const merging = topology.inputs.get(layer.name)!.length > 1
      return [layer.name, merging ? (layer.merge ?? 'sum') : null]
    }),
  )
  const graph: Graph = { topology, modes }
  const colours = refineColours(descriptor, params, graph)

  const layers = [...colours.values()].sort()
  const connections = descriptor.connections
    .map(([from, to]) => {
      const position = inputPosition(graph, from, to)
      return `${colours.get(from)}>${colours.get(to)}${position}`
    })
    .sort()
  return JSON.stringify({ format: CANONICAL_FORMAT, layers, connections })
}

/** Refines layer colours until the number of distinct colours stops growing. */
function refineColours(
  descriptor: DescriptorJSON,
  params: ReadonlyMap<string, ResolvedParams>,
  graph: Graph,
): Map<string, string> {
  const names = descriptor.layers.map((layer) => layer.name)
  let colours = new Map(
    descriptor.layers.map((layer) => [
      layer.name,
      digest(initialLabel(layer.name, layer.type, params, graph)),
    ]),
  )
  let classes = countDistinct(colours)

  // A round that splits no class ends the loop, and n layers allow at most
  // n - 1 splits.
  for (let round = 0; round < names.length; round++) {
    const next = new Map(
      names.map((name) => [name, digest(neighbourhood(name, colours, graph))]),
    )
    const nextClasses = countDistinct(next)
    colours = next
    if (nextClasses === classes) break
    classes = nextClasses
  }
  return colours
}

function initialLabel(
  name: string,
  type: string,
  params: ReadonlyMap<string, ResolvedParams>,
  graph: Graph,
): string {
  return stableStringify({
    type,
    params: params.get(name)!,
    merge: graph.modes.get(name)!,
    input: name === graph.topology.input,
    output: name === graph.topology.output,
  })
}

/**
 * Serialises a layer's colour with its inputs' colours (in order for `concat`, sorted
 * otherwise) and its consumers' colours, each tagged with the layer's
 * position among a `concat` consumer's inputs.
 */
function neighbourhood(
  name: string,
  colours: ReadonlyMap<string, string>,
  graph: Graph,
): string {
  const { inputs, outputs } = graph.topology
  const inputColours = inputs.get(name)!.map((input) => colours.get(input)!)
  if (graph.modes.get(name) !== 'concat') inputColours.sort()

  const consumerColours = outputs
    .get(name)!
    .map(
      (consumer) =>
        colours.get(consumer)! + inputPosition(graph, name, consumer),
    )
    .sort()
  return JSON.stringify([colours.get(name), inputColours, consumerColours])
}

/** Returns `#i` when `to` concatenates its inputs and `from` is its input `i`, otherwise an empty string. */
function inputPosition(graph: Graph, from: string, to: string): string {
  if (graph.modes.get(to) !== 'concat') return ''
  return `#${graph.topology.inputs.get(to)!.indexOf(from)}`
}

function countDistinct(colours: ReadonlyMap<string, string>): number {
  return new Set(colours.values()).size
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** JSON with object keys sorted, so that key order does not change the text. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((item) => stableStringify(item)).join(',')}]`
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>
    const entries = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableStringify(record[key])}`)
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value)
}
