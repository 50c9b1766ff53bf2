import type { Issue } from '../errors.js'
import type {
  DescriptorJSON,
  JsonValue,
  LayerSpec,
  MergeMode,
} from '../types.js'
import { DescriptorErrorCode } from './codes.js'
import { describeValue } from './params.js'

/** The names of the layers that builders append as the classification head. */
export const HEAD_LAYER_NAMES = Object.freeze([
  'head_flatten',
  'head_dense',
  'head_softmax',
] as const)

/**
 * Layer names must be valid TensorFlow.js tensor names (tfjs-layers 4.22
 * accepts /^[A-Za-z0-9][-A-Za-z0-9._/]*$/) without `/`, which separates
 * name scopes in weight names.
 */
const LAYER_NAME = /^[A-Za-z0-9][-A-Za-z0-9._]*$/

const DESCRIPTOR_KEYS = ['layers', 'connections', 'input', 'output']
const LAYER_KEYS = ['name', 'type', 'params', 'merge']
const MERGE_MODES: readonly MergeMode[] = ['sum', 'concat']

/** The result of the structural checks of descriptor JSON. */
export interface StructureCheck {
  issues: Issue[]
  /** Layers with a well-formed type and params, which can be checked further. */
  layers: { index: number; spec: LayerSpec }[]
  /**
   * The descriptor with absent `params` and `connections` filled in as empty,
   * present only when there are no issues.
   */
  descriptor?: DescriptorJSON
}

/**
 * Checks that a value has the descriptor JSON format: known keys, well-typed
 * fields, unique and valid layer names, and connections, `input` and `output`
 * naming existing layers. Layer types, parameters and topology are checked
 * elsewhere.
 */
export function checkStructure(json: unknown): StructureCheck {
  const issues: Issue[] = []
  if (!isPlainObject(json)) {
    issues.push(
      formatIssue(
        'descriptor',
        `must be an object with layers and connections, got ${describeValue(json)}`,
      ),
    )
    return { issues, layers: [] }
  }

  issues.push(...unknownKeyIssues(json, DESCRIPTOR_KEYS, ''))
  const layers = checkLayers(json.layers, issues)
  const names = new Set(layers.named.map((layer) => layer.spec.name))
  const connections = checkConnections(json.connections, names, issues)
  checkEndpoint(json, 'input', names, issues)
  checkEndpoint(json, 'output', names, issues)

  if (issues.length > 0) return { issues, layers: layers.checkable }
  return {
    issues,
    layers: layers.checkable,
    descriptor: normalise(json, layers.named, connections),
  }
}

interface CheckedLayers {
  /** Layers with a valid, unique name, in declaration order. */
  named: { index: number; spec: LayerSpec }[]
  checkable: { index: number; spec: LayerSpec }[]
}

function checkLayers(value: unknown, issues: Issue[]): CheckedLayers {
  const result: CheckedLayers = { named: [], checkable: [] }
  if (!Array.isArray(value)) {
    issues.push(
      formatIssue('layers', `must be an array, got ${describeValue(value)}`),
    )
    return result
  }

  const firstIndexOf = new Map<string, number>()
  value.forEach((entry, index) => {
    const path = `layers[${index}]`
    const layer = checkLayer(entry, path, issues)
    if (layer === undefined) return

    if (layer.type !== undefined && layer.params !== undefined) {
      const spec = { ...layer, type: layer.type, params: layer.params }
      result.checkable.push({ index, spec: spec as LayerSpec })
    }
    if (layer.name === undefined) return

    const earlier = firstIndexOf.get(layer.name)
    if (earlier !== undefined) {
      issues.push({
        path: `${path}.name`,
        message: `'${layer.name}' is already the name of layers[${earlier}]`,
        code: DescriptorErrorCode.duplicateLayer,
      })
      return
    }
    firstIndexOf.set(layer.name, index)
    result.named.push({ index, spec: layer as LayerSpec })
  })
  return result
}

/** The fields of one layer entry that are well-formed; the rest are issues. */
interface PartialLayer {
  name?: string
  type?: string
  params?: Record<string, JsonValue>
  merge?: MergeMode
}

function checkLayer(
  entry: unknown,
  path: string,
  issues: Issue[],
): PartialLayer | undefined {
  if (!isPlainObject(entry)) {
    issues.push(
      formatIssue(path, `must be a layer object, got ${describeValue(entry)}`),
    )
    return undefined
  }

  issues.push(...unknownKeyIssues(entry, LAYER_KEYS, `${path}.`))
  const layer: PartialLayer = {}
  const name = checkLayerName(entry.name, `${path}.name`, issues)
  if (name !== undefined) layer.name = name

  if (typeof entry.type === 'string' && entry.type.length > 0) {
    layer.type = entry.type
  } else {
    issues.push(
      formatIssue(
        `${path}.type`,
        `must be a layer type such as 'conv2d', got ${describeValue(entry.type)}`,
      ),
    )
  }

  if (entry.params === undefined) {
    layer.params = {}
  } else if (isPlainObject(entry.params)) {
    layer.params = entry.params as Record<string, JsonValue>
  } else {
    issues.push(
      formatIssue(
        `${path}.params`,
        `must be an object of parameters, got ${describeValue(entry.params)}`,
      ),
    )
  }

  if (entry.merge !== undefined) {
    if (MERGE_MODES.includes(entry.merge as MergeMode)) {
      layer.merge = entry.merge as MergeMode
    } else {
      issues.push(
        formatIssue(
          `${path}.merge`,
          `must be 'sum' or 'concat', got ${describeValue(entry.merge)}`,
        ),
      )
    }
  }
  return layer
}

function checkLayerName(
  value: unknown,
  path: string,
  issues: Issue[],
): string | undefined {
  if (typeof value !== 'string' || !LAYER_NAME.test(value)) {
    issues.push(
      formatIssue(
        path,
        'must be a name of letters, digits, _, - and . that starts with a ' +
          `letter or digit, got ${describeValue(value)}`,
      ),
    )
    return undefined
  }

  if ((HEAD_LAYER_NAMES as readonly string[]).includes(value)) {
    issues.push({
      path,
      message: `'${value}' is reserved for the classification head that builders append`,
      code: DescriptorErrorCode.duplicateLayer,
    })
  }
  // A reserved name is still returned, so that connections to the layer do
  // not add issues of their own.
  return value
}

function checkConnections(
  value: unknown,
  names: ReadonlySet<string>,
  issues: Issue[],
): [string, string][] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    issues.push(
      formatIssue(
        'connections',
        `must be an array of [from, to] pairs, got ${describeValue(value)}`,
      ),
    )
    return []
  }

  const connections: [string, string][] = []
  const firstIndexOf = new Map<string, number>()
  value.forEach((entry, index) => {
    const path = `connections[${index}]`
    const isPair =
      Array.isArray(entry) &&
      entry.length === 2 &&
      entry.every((name) => typeof name === 'string')
    if (!isPair) {
      issues.push(
        formatIssue(
          path,
          `must be a [from, to] pair of layer names, got ${describeValue(entry)}`,
        ),
      )
      return
    }

    const [from, to] = entry as [string, string]
    let known = true
    for (const [end, name] of [
      [0, from],
      [1, to],
    ] as const) {
      if (names.has(name)) continue
      known = false
      issues.push({
        path: `${path}[${end}]`,
        message: `no layer is named '${name}'`,
        code: DescriptorErrorCode.unknownLayer,
      })
    }

    const key = JSON.stringify([from, to])
    const earlier = firstIndexOf.get(key)
    if (earlier !== undefined) {
      issues.push({
        path,
        message: `repeats connections[${earlier}] ('${from}' -> '${to}'). Remove one of them`,
        code: DescriptorErrorCode.topology,
      })
      return
    }
    firstIndexOf.set(key, index)
    if (known) connections.push([from, to])
  })
  return connections
}

function checkEndpoint(
  json: Record<string, unknown>,
  key: 'input' | 'output',
  names: ReadonlySet<string>,
  issues: Issue[],
): void {
  const value = json[key]
  if (value === undefined) return

  if (typeof value !== 'string') {
    issues.push(
      formatIssue(key, `must be a layer name, got ${describeValue(value)}`),
    )
    return
  }
  if (!names.has(value)) {
    issues.push({
      path: key,
      message: `no layer is named '${value}'`,
      code: DescriptorErrorCode.unknownLayer,
    })
  }
}

function normalise(
  json: Record<string, unknown>,
  layers: { spec: LayerSpec }[],
  connections: [string, string][],
): DescriptorJSON {
  const descriptor: DescriptorJSON = {
    layers: layers.map(({ spec }) => {
      const layer: LayerSpec = {
        name: spec.name,
        type: spec.type,
        params: spec.params,
      }
      if (spec.merge !== undefined) layer.merge = spec.merge
      return layer
    }),
    connections,
  }
  if (typeof json.input === 'string') descriptor.input = json.input
  if (typeof json.output === 'string') descriptor.output = json.output
  return descriptor
}

function unknownKeyIssues(
  value: Record<string, unknown>,
  allowed: readonly string[],
  prefix: string,
): Issue[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) =>
      formatIssue(
        `${prefix}${key}`,
        `unknown key, the allowed keys are ${allowed.join(', ')}`,
      ),
    )
}

function formatIssue(path: string, message: string): Issue {
  return { path, message, code: DescriptorErrorCode.format }
}

export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
