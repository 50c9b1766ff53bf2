import type { Issue } from '../errors.js'
import { NordError, NordValidationError } from '../errors.js'
import type {
  DescriptorJSON,
  JsonValue,
  LayerSpec,
  MergeMode,
  NetworkSummary,
  Shape,
} from '../types.js'
import { DescriptorErrorCode } from './codes.js'
import { descriptorHash } from './hash.js'
import {
  summarizeNetwork,
  type ValidationOptions,
  validateDescriptor,
} from './inference.js'
import { checkLayerParams } from './layers.js'
import { checkStructure } from './structure.js'

/**
 * A network as data: layers with a type, Keras parameters and a unique name,
 * and directed connections between names. The layer added first receives the
 * network input and the layer added last feeds the classification head,
 * unless `setInput` or `setOutput` name other layers.
 *
 * `addLayer` rejects a bad name, type or parameter at once. `fromJSON` checks
 * only the format, so that stored descriptors with invalid parameters or
 * topology can still be loaded; `validate` reports every problem.
 *
 * @example
 * const network = new Descriptor()
 * network.addSequential('conv2d', { filters: 16, kernelSize: 3 })
 * network.addSequential('relu6')
 * network.summarize([28, 28, 1], 10).parameters // 108,330
 */
export class Descriptor {
  readonly #layers: LayerSpec[] = []
  readonly #connections: [string, string][] = []
  #input: string | undefined
  #output: string | undefined

  /**
   * Adds an unconnected layer and returns its name. Without `name`, the
   * layer is named after its type with the first free number: `conv2d_1`.
   *
   * @throws NordValidationError for an invalid name, type or parameter.
   * @throws NordError `NORD_ERR_DUPLICATE_LAYER` when the name is taken.
   */
  addLayer(
    type: string,
    params: Record<string, JsonValue> = {},
    name?: string,
  ): string {
    const path = `layers[${this.#layers.length}]`
    const layerName = name ?? this.#freeName(type)
    this.#checkNewLayer(type, params, layerName, path)

    this.#layers.push({
      name: layerName,
      type,
      params: structuredClone(params),
    })
    return layerName
  }

  /**
   * Adds a layer and connects the previously added layer to it. The first
   * layer added this way is not connected to anything.
   */
  addSequential(
    type: string,
    params: Record<string, JsonValue> = {},
    name?: string,
  ): string {
    const previous = this.#layers[this.#layers.length - 1]?.name
    const added = this.addLayer(type, params, name)
    if (previous !== undefined) this.connect(previous, added)
    return added
  }

  /**
   * Connects the output of `from` to an input of `to`. For a layer that
   * concatenates its inputs, connections are taken in the order they were made.
   *
   * @throws NordError `NORD_ERR_UNKNOWN_LAYER` or, for a connection that
   *   exists already, `NORD_ERR_TOPOLOGY`.
   */
  connect(from: string, to: string): this {
    this.#requireLayer(from)
    this.#requireLayer(to)
    if (this.#indexOfConnection(from, to) >= 0) {
      throw new NordError(
        DescriptorErrorCode.topology,
        `'${from}' is already connected to '${to}'`,
        { value: [from, to], hint: 'Connect each pair of layers once' },
      )
    }

    this.#connections.push([from, to])
    return this
  }

  /** Removes the connection from `from` to `to`; returns false if there was none. */
  disconnect(from: string, to: string): boolean {
    const index = this.#indexOfConnection(from, to)
    if (index < 0) return false

    this.#connections.splice(index, 1)
    return true
  }

  /** Makes `name` the layer that receives the network input. */
  setInput(name: string): this {
    this.#requireLayer(name)
    this.#input = name
    return this
  }

  /** Makes `name` the layer whose output feeds the classification head. */
  setOutput(name: string): this {
    this.#requireLayer(name)
    this.#output = name
    return this
  }

  /** Sets how the layer `name` combines several inputs (`sum` by default). */
  setMerge(name: string, mode: MergeMode): this {
    const layer = this.#requireLayer(name)
    if (mode !== 'sum' && mode !== 'concat') {
      throw new NordError(
        DescriptorErrorCode.format,
        `merge mode must be 'sum' or 'concat', got ${JSON.stringify(mode)}`,
        { value: mode },
      )
    }

    layer.merge = mode
    return this
  }

  /** A copy of the layers in the order they were added. */
  get layers(): LayerSpec[] {
    return structuredClone(this.#layers)
  }

  /** A copy of the connections in the order they were made. */
  get connections(): [string, string][] {
    return this.#connections.map(([from, to]) => [from, to])
  }

  /** The layer that receives the network input, or undefined when there are no layers. */
  get input(): string | undefined {
    return this.#input ?? this.#layers[0]?.name
  }

  /** The layer that feeds the head, or undefined when there are no layers. */
  get output(): string | undefined {
    return this.#output ?? this.#layers[this.#layers.length - 1]?.name
  }

  /** Returns the descriptor JSON, with `input` and `output` only when set. */
  toJSON(): DescriptorJSON {
    const json: DescriptorJSON = {
      layers: this.layers,
      connections: this.connections,
    }
    if (this.#input !== undefined) json.input = this.#input
    if (this.#output !== undefined) json.output = this.#output
    return json
  }

  /**
   * Loads descriptor JSON after checking its format: known keys, field
   * types, unique layer names, and connections, `input` and `output` that
   * name existing layers. Absent `params` and `connections` count as empty.
   *
   * @throws NordValidationError listing every format problem with its path.
   */
  static fromJSON(json: unknown): Descriptor {
    const { issues, descriptor } = checkStructure(json)
    if (descriptor === undefined) {
      throw new NordValidationError('descriptor', issues)
    }

    const loaded = new Descriptor()
    loaded.#layers.push(...structuredClone(descriptor.layers))
    loaded.#connections.push(...descriptor.connections.map(copyPair))
    loaded.#input = descriptor.input
    loaded.#output = descriptor.output
    return loaded
  }

  /** Returns every problem at once; shapes are checked when `inputShape` is given. */
  validate(options: ValidationOptions = {}): Issue[] {
    return validateDescriptor(this.toJSON(), options)
  }

  /**
   * Infers shapes, trainable parameters and FLOPs, head included.
   *
   * @throws NordValidationError when the descriptor is invalid.
   */
  summarize(inputShape: Shape, classes: number): NetworkSummary {
    return summarizeNetwork(this.toJSON(), inputShape, classes)
  }

  /**
   * Returns the canonical hash, equal for descriptors that build the same network.
   *
   * @throws NordValidationError when the format, parameters or topology is invalid.
   */
  hash(): string {
    return descriptorHash(this.toJSON())
  }

  #checkNewLayer(
    type: string,
    params: Record<string, JsonValue>,
    name: string,
    path: string,
  ): void {
    if (this.#findLayer(name) !== undefined) {
      throw new NordError(
        DescriptorErrorCode.duplicateLayer,
        `a layer named '${name}' exists already`,
        {
          value: name,
          hint: 'Choose another name, or omit it for a generated one',
        },
      )
    }

    const candidate = { layers: [{ name, type, params }] }
    const structureIssues = checkStructure(candidate).issues
    const issues =
      structureIssues.length > 0
        ? structureIssues
        : checkLayerParams(type, params, 'layers[0]').issues
    if (issues.length === 0) return

    const located = issues.map((issue) => ({
      ...issue,
      path: issue.path.replace('layers[0]', path),
    }))
    throw new NordValidationError(`layer '${name}'`, located)
  }

  #freeName(type: string): string {
    const sameType = this.#layers.filter((layer) => layer.type === type).length
    let number = sameType + 1
    while (this.#findLayer(`${type}_${number}`) !== undefined) number++
    return `${type}_${number}`
  }

  #findLayer(name: string): LayerSpec | undefined {
    return this.#layers.find((layer) => layer.name === name)
  }

  #requireLayer(name: string): LayerSpec {
    const layer = this.#findLayer(name)
    if (layer !== undefined) return layer

    const known = this.#layers.map((entry) => entry.name).join(', ')
    throw new NordError(
      DescriptorErrorCode.unknownLayer,
      `no layer is named ${JSON.stringify(name)}`,
      { value: name, hint: `The layers are: ${known || 'none yet'}` },
    )
  }

  #indexOfConnection(from: string, to: string): number {
    return this.#connections.findIndex(
      ([start, end]) => start === from && end === to,
    )
  }
}

function copyPair([from, to]: [string, string]): [string, string] {
  return [from, to]
}
