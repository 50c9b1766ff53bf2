import type { Issue } from '../errors.js'
import type { DescriptorJSON } from '../types.js'
import { DescriptorErrorCode } from './codes.js'

/** The graph of a descriptor whose topology is valid. */
export interface Topology {
  /** The layer that receives the network input. */
  input: string
  /** The layer whose output feeds the head. */
  output: string
  /** Layer names in topological order, ties broken by declaration order. */
  order: string[]
  /** The inputs of each layer, in the order their connections were declared. */
  inputs: ReadonlyMap<string, readonly string[]>
  /** The consumers of each layer, in the order their connections were declared. */
  outputs: ReadonlyMap<string, readonly string[]>
}

/**
 * Checks the graph of a structurally valid descriptor: it has layers, no
 * connection leads into the input layer, there are no cycles, and every layer
 * lies on a path from the input layer to the output layer.
 */
export function checkTopology(descriptor: DescriptorJSON): {
  issues: Issue[]
  topology?: Topology
} {
  const { layers, connections } = descriptor
  if (layers.length === 0) {
    const message = 'is empty. Add at least one layer'
    return { issues: [topologyIssue('layers', message)] }
  }

  const graph = buildGraph(descriptor)
  const issues = [
    ...inboundToInputIssues(descriptor, graph.input),
    ...cycleIssues(descriptor, graph.outputs),
    ...pathIssues(descriptor, graph),
  ]
  if (issues.length > 0) return { issues }

  const order = topologicalOrder(
    layers.map((layer) => layer.name),
    connections,
  )
  return { issues, topology: { ...graph, order } }
}

function buildGraph(descriptor: DescriptorJSON): Omit<Topology, 'order'> {
  const { layers, connections } = descriptor
  const inputs = new Map<string, string[]>()
  const outputs = new Map<string, string[]>()
  for (const layer of layers) {
    inputs.set(layer.name, [])
    outputs.set(layer.name, [])
  }
  for (const [from, to] of connections) {
    outputs.get(from)!.push(to)
    inputs.get(to)!.push(from)
  }

  return {
    input: descriptor.input ?? layers[0]!.name,
    output: descriptor.output ?? layers[layers.length - 1]!.name,
    inputs,
    outputs,
  }
}

function inboundToInputIssues(
  descriptor: DescriptorJSON,
  input: string,
): Issue[] {
  const issues: Issue[] = []
  descriptor.connections.forEach(([from, to], index) => {
    if (to !== input || from === to) return

    issues.push(
      topologyIssue(
        `connections[${index}]`,
        `'${from}' -> '${to}' leads into the input layer '${input}', ` +
          'which takes only the network input',
      ),
    )
  })
  return issues
}

/** Returns one issue per cycle, that is per strongly connected component with a cycle. */
function cycleIssues(
  descriptor: DescriptorJSON,
  outputs: ReadonlyMap<string, readonly string[]>,
): Issue[] {
  const names = descriptor.layers.map((layer) => layer.name)
  const components = stronglyConnectedComponents(names, outputs)
  const issues: Issue[] = []

  for (const component of components) {
    const start = component[0]!
    const selfLoop = outputs.get(start)!.includes(start)
    if (component.length === 1 && !selfLoop) continue

    const cycle = findCycle(start, new Set(component), outputs)
    issues.push(
      topologyIssue(
        'connections',
        `${cycle.map((name) => `'${name}'`).join(' -> ')} form a cycle. ` +
          'Remove one of these connections',
      ),
    )
  }
  return issues
}

/**
 * Reports each layer that is not on a path from the input to the output.
 * When the output layer itself is not reachable, only that is reported about
 * it, because every other layer would then fail to lead to the output.
 */
function pathIssues(
  descriptor: DescriptorJSON,
  graph: Omit<Topology, 'order'>,
): Issue[] {
  const fromInput = reachable(graph.input, graph.outputs)
  const toOutput = reachable(graph.output, graph.inputs)
  const outputReachable = fromInput.has(graph.output)
  const issues: Issue[] = []

  descriptor.layers.forEach(({ name }, index) => {
    const path = `layers[${index}]`
    if (name === graph.output && !outputReachable) {
      issues.push(
        topologyIssue(path, unreachableOutputMessage(descriptor, graph)),
      )
    } else if (!fromInput.has(name)) {
      const message =
        `'${name}' is not reachable from the input layer '${graph.input}'. ` +
        'Connect it or remove it'
      issues.push(topologyIssue(path, message))
    } else if (outputReachable && !toOutput.has(name)) {
      const message =
        `'${name}' does not lead to the output layer '${graph.output}'. ` +
        'Connect it or remove it'
      issues.push(topologyIssue(path, message))
    }
  })
  return issues
}

function unreachableOutputMessage(
  descriptor: DescriptorJSON,
  graph: Omit<Topology, 'order'>,
): string {
  const role =
    descriptor.output === undefined
      ? 'the output layer (the last layer, because output is not set)'
      : 'the output layer'
  return (
    `'${graph.output}' is ${role} but is not reachable from the input ` +
    `layer '${graph.input}'. Connect it, or set output to another layer`
  )
}

function reachable(
  start: string,
  edges: ReadonlyMap<string, readonly string[]>,
): Set<string> {
  const seen = new Set([start])
  const queue = [start]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const neighbour of edges.get(next)!) {
      if (seen.has(neighbour)) continue
      seen.add(neighbour)
      queue.push(neighbour)
    }
  }
  return seen
}

/**
 * Tarjan's algorithm. Each component lists its members in declaration order;
 * the components come in reverse topological order.
 */
function stronglyConnectedComponents(
  names: readonly string[],
  outputs: ReadonlyMap<string, readonly string[]>,
): string[][] {
  const position = new Map(names.map((name, index) => [name, index]))
  const indexOf = new Map<string, number>()
  const lowLink = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const components: string[][] = []

  const visit = (name: string): void => {
    indexOf.set(name, indexOf.size)
    lowLink.set(name, indexOf.get(name)!)
    stack.push(name)
    onStack.add(name)

    for (const next of outputs.get(name)!) {
      if (!indexOf.has(next)) {
        visit(next)
        lowLink.set(name, Math.min(lowLink.get(name)!, lowLink.get(next)!))
      } else if (onStack.has(next)) {
        lowLink.set(name, Math.min(lowLink.get(name)!, indexOf.get(next)!))
      }
    }
    if (lowLink.get(name) !== indexOf.get(name)) return

    const component: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== name)
    components.push(
      component.sort((a, b) => position.get(a)! - position.get(b)!),
    )
  }

  for (const name of names) {
    if (!indexOf.has(name)) visit(name)
  }
  return components
}

/** Finds a closed path `start -> ... -> start` inside one strongly connected component. */
function findCycle(
  start: string,
  members: ReadonlySet<string>,
  outputs: ReadonlyMap<string, readonly string[]>,
): string[] {
  const parent = new Map<string, string>()
  const queue = [start]
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    for (const next of outputs.get(name)!) {
      if (next === start) return [...pathTo(name, parent), start]
      if (!members.has(next) || parent.has(next)) continue

      parent.set(next, name)
      queue.push(next)
    }
  }
  return [start, start]
}

function pathTo(name: string, parent: ReadonlyMap<string, string>): string[] {
  const path = [name]
  for (
    let step = parent.get(name);
    step !== undefined;
    step = parent.get(step)
  ) {
    path.unshift(step)
  }
  return path
}

/** Kahn's algorithm, taking the earliest declared layer among the ready ones. */
function topologicalOrder(
  names: readonly string[],
  connections: readonly [string, string][],
): string[] {
  const pending = new Map(names.map((name) => [name, 0]))
  const consumers = new Map<string, string[]>(names.map((name) => [name, []]))
  for (const [from, to] of connections) {
    pending.set(to, pending.get(to)! + 1)
    consumers.get(from)!.push(to)
  }

  const order: string[] = []
  const done = new Set<string>()
  while (order.length < names.length) {
    const next = names.find(
      (name) => !done.has(name) && pending.get(name) === 0,
    )
    if (next === undefined) break

    order.push(next)
    done.add(next)
    for (const consumer of consumers.get(next)!) {
      pending.set(consumer, pending.get(consumer)! - 1)
    }
  }
  return order
}

function topologyIssue(path: string, message: string): Issue {
  return { path, message, code: DescriptorErrorCode.topology }
}
