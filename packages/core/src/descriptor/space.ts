import type { Issue } from '../errors.js'
import { NordValidationError } from '../errors.js'
import type {
  DescriptorJSON,
  Genotype,
  IntegerGene,
  JsonValue,
  LayerSpec,
  Padding,
  SearchSpace,
} from '../types.js'
import { DescriptorErrorCode } from './codes.js'
import { describeValue } from './params.js'
import { isPlainObject } from './structure.js'

/** The definition that `integerSpace` turns into a `SearchSpace`. */
export interface IntegerSpaceDefinition {
  /** A stable name recorded in the run configuration. */
  name: string
  genes: readonly IntegerGene[]
  /** Builds the descriptor of a genotype that `checkGenotype` accepted. */
  decode(genotype: Genotype): DescriptorJSON
  /** The options that rebuild this space; `{}` when absent. */
  options?: Record<string, JsonValue>
}

/**
 * Returns every problem of a gene list: each gene needs a unique non-empty
 * name and safe-integer bounds with `min <= max`, and the list needs at least
 * one gene. Paths start with `path`, such as `genes[1].max`.
 */
export function validateGenes(genes: unknown, path = 'genes'): Issue[] {
  if (!Array.isArray(genes) || genes.length === 0) {
    return [
      optionIssue(
        path,
        `must be a non-empty array of genes, got ${describeValue(genes)}`,
      ),
    ]
  }

  const issues: Issue[] = []
  const firstIndexOf = new Map<string, number>()
  genes.forEach((gene, index) => {
    const genePath = `${path}[${index}]`
    if (!isPlainObject(gene)) {
      issues.push(
        optionIssue(
          genePath,
          `must be { name, min, max }, got ${describeValue(gene)}`,
        ),
      )
      return
    }

    issues.push(...geneIssues(gene, genePath))
    if (typeof gene.name !== 'string') return

    const earlier = firstIndexOf.get(gene.name)
    if (earlier === undefined) {
      firstIndexOf.set(gene.name, index)
    } else {
      issues.push(
        optionIssue(
          `${genePath}.name`,
          `'${gene.name}' is already the name of ${path}[${earlier}]`,
        ),
      )
    }
  })
  return issues
}

function geneIssues(gene: Record<string, unknown>, path: string): Issue[] {
  const issues: Issue[] = []
  if (typeof gene.name !== 'string' || gene.name.length === 0) {
    issues.push(
      optionIssue(
        `${path}.name`,
        `must be a non-empty string, got ${describeValue(gene.name)}`,
      ),
    )
  }

  for (const key of ['min', 'max'] as const) {
    if (Number.isSafeInteger(gene[key])) continue
    issues.push(
      optionIssue(
        `${path}.${key}`,
        `must be an integer, got ${describeValue(gene[key])}`,
      ),
    )
  }

  const { min, max } = gene
  const ordered =
    !Number.isSafeInteger(min) ||
    !Number.isSafeInteger(max) ||
    (min as number) <= (max as number)
  if (!ordered) {
    issues.push(
      optionIssue(
        path,
        `min must not exceed max, got min ${min} and max ${max}`,
      ),
    )
  }
  return issues
}

/**
 * Checks that a genotype fits the genes of a space: an array with one integer
 * per gene, each within the gene's inclusive bounds.
 *
 * @throws NordValidationError with code `NORD_ERR_GENOTYPE`, listing every
 *   problem with its path (`genotype[2]`).
 */
export function checkGenotype(
  space: Pick<SearchSpace, 'genes'>,
  genotype: unknown,
): asserts genotype is Genotype {
  const issues = genotypeIssues(space.genes, genotype)
  if (issues.length > 0) throw new NordValidationError('genotype', issues)
}

function genotypeIssues(
  genes: readonly IntegerGene[],
  genotype: unknown,
): Issue[] {
  const expected = `${genes.length} integer${genes.length === 1 ? '' : 's'}`
  if (!Array.isArray(genotype)) {
    const message = `must be an array of ${expected}, got ${describeValue(genotype)}`
    return [genotypeIssue('genotype', message)]
  }

  const issues: Issue[] = []
  if (genotype.length !== genes.length) {
    const names = genes.map((gene) => gene.name).join(', ')
    issues.push(
      genotypeIssue(
        'genotype',
        `has ${genotype.length} genes, expected ${expected} (${names})`,
      ),
    )
  }

  genes.forEach((gene, index) => {
    if (index >= genotype.length) return

    const value = genotype[index]
    const fits =
      Number.isSafeInteger(value) && value >= gene.min && value <= gene.max
    if (fits) return

    issues.push(
      genotypeIssue(
        `genotype[${index}]`,
        `${gene.name} must be an integer in [${gene.min}, ${gene.max}], ` +
          `got ${describeValue(value)}`,
      ),
    )
  })
  return issues
}

/**
 * Creates a search space of integer genes. The genes are validated and
 * copied, and `decode` checks each genotype with `checkGenotype` before
 * calling the definition's `decode`.
 *
 * @throws NordValidationError listing every problem of the name and genes.
 */
export function integerSpace(definition: IntegerSpaceDefinition): SearchSpace {
  const issues = validateGenes(definition.genes)
  if (typeof definition.name !== 'string' || definition.name.length === 0) {
    issues.unshift(
      optionIssue(
        'name',
        `must be a non-empty string, got ${describeValue(definition.name)}`,
      ),
    )
  }
  if (issues.length > 0) {
    throw new NordValidationError('search space', issues)
  }

  const genes = Object.freeze(
    definition.genes.map((gene) =>
      Object.freeze({ name: gene.name, min: gene.min, max: gene.max }),
    ),
  )
  const space: SearchSpace = {
    name: definition.name,
    genes,
    options: structuredClone(definition.options ?? {}),
    decode(genotype) {
      checkGenotype(space, genotype)
      return definition.decode([...genotype])
    },
  }
  return Object.freeze(space)
}

// ---------------------------------------------------------------------------
// The conv-net-size space

/** Options of `convNetSizeSpace`, as the user writes them. */
export interface ConvNetSizeOptions {
  /** Convolutional layers, each with a filters gene and a kernel-size gene. Default 2. */
  layers?: number
  /** Inclusive bounds of every filters gene. Default `[1, 50]`. */
  filters?: [number, number]
  /** Inclusive bounds of every kernel-size gene (square kernels). Default `[1, 50]`. */
  kernelSize?: [number, number]
  /**
   * Padding of every convolution. Default `'valid'`, so a kernel larger than
   * its input makes the network invalid. The original NORD code
   * (ConvNetSizeProblem in github.com/GeorgeKyriakides/nord) uses PyTorch's
   * `nn.Conv2d` with its default padding of 0, which is `'valid'`.
   */
  padding?: Padding
}

/** `ConvNetSizeOptions` with every default applied. */
export interface ResolvedConvNetSizeOptions {
  layers: number
  filters: [number, number]
  kernelSize: [number, number]
  padding: Padding
}

const CONV_NET_SIZE_DEFAULTS: ResolvedConvNetSizeOptions = {
  layers: 2,
  filters: [1, 50],
  kernelSize: [1, 50],
  padding: 'valid',
}

/**
 * Creates the space of the NORD paper's experiments (Kyriakides and Margaritis,
 * 2018), named `conv-net-size`: a chain of `layers` convolutions, each
 * followed by ReLU6, with the number of filters and the square kernel size of
 * each convolution as genes. Genes come in the order `filters_1`,
 * `kernelSize_1`, `filters_2`, and so on. Layers are named `conv_i` and
 * `relu6_i`; the classification head comes from the builder.
 *
 * @throws NordValidationError listing every invalid option with its path.
 */
export function convNetSizeSpace(
  options: ConvNetSizeOptions = {},
): SearchSpace {
  const resolved = resolveConvNetSizeOptions(options)
  const genes: IntegerGene[] = []
  for (let layer = 1; layer <= resolved.layers; layer++) {
    const [minFilters, maxFilters] = resolved.filters
    const [minKernel, maxKernel] = resolved.kernelSize
    genes.push(
      { name: `filters_${layer}`, min: minFilters, max: maxFilters },
      { name: `kernelSize_${layer}`, min: minKernel, max: maxKernel },
    )
  }

  return integerSpace({
    name: 'conv-net-size',
    genes,
    options: {
      layers: resolved.layers,
      filters: [...resolved.filters],
      kernelSize: [...resolved.kernelSize],
      padding: resolved.padding,
    },
    decode: (genotype) => decodeConvNet(genotype, resolved.padding),
  })
}

function decodeConvNet(genotype: Genotype, padding: Padding): DescriptorJSON {
  const layers: LayerSpec[] = []
  for (let index = 0; index < genotype.length / 2; index++) {
    const number = index + 1
    layers.push(
      {
        name: `conv_${number}`,
        type: 'conv2d',
        params: {
          filters: genotype[2 * index]!,
          kernelSize: genotype[2 * index + 1]!,
          padding,
        },
      },
      { name: `relu6_${number}`, type: 'relu6', params: {} },
    )
  }

  const connections = layers
    .slice(1)
    .map((layer, index): [string, string] => [layers[index]!.name, layer.name])
  return { layers, connections }
}

/**
 * Applies the defaults of `convNetSizeSpace` options.
 *
 * @throws NordValidationError listing every invalid option with its path.
 */
export function resolveConvNetSizeOptions(
  options: unknown = {},
): ResolvedConvNetSizeOptions {
  if (!isPlainObject(options)) {
    const message = `must be an object, got ${describeValue(options)}`
    throw new NordValidationError('conv-net-size options', [
      optionIssue('options', message),
    ])
  }

  const issues: Issue[] = []
  const allowed = Object.keys(CONV_NET_SIZE_DEFAULTS)
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue
    const message = `unknown option, the options are ${allowed.join(', ')}`
    issues.push(optionIssue(key, message))
  }

  const layers = options.layers ?? CONV_NET_SIZE_DEFAULTS.layers
  if (!Number.isSafeInteger(layers) || (layers as number) < 1) {
    const message = `must be a positive integer, got ${describeValue(layers)}`
    issues.push(optionIssue('layers', message))
  }

  const filters = options.filters ?? CONV_NET_SIZE_DEFAULTS.filters
  issues.push(...boundsIssues(filters, 'filters'))
  const kernelSize = options.kernelSize ?? CONV_NET_SIZE_DEFAULTS.kernelSize
  issues.push(...boundsIssues(kernelSize, 'kernelSize'))

  const padding = options.padding ?? CONV_NET_SIZE_DEFAULTS.padding
  if (padding !== 'valid' && padding !== 'same') {
    const message = `must be 'valid' or 'same', got ${describeValue(padding)}`
    issues.push(optionIssue('padding', message))
  }

  if (issues.length > 0) {
    throw new NordValidationError('conv-net-size options', issues)
  }
  return {
    layers: layers as number,
    filters: [...(filters as [number, number])],
    kernelSize: [...(kernelSize as [number, number])],
    padding: padding as Padding,
  }
}

/** Issues of a `[min, max]` pair of positive integers. */
function boundsIssues(value: unknown, path: string): Issue[] {
  const isPair = Array.isArray(value) && value.length === 2
  if (!isPair) {
    const message = `must be a [min, max] pair of positive integers, got ${describeValue(value)}`
    return [optionIssue(path, message)]
  }

  const issues: Issue[] = []
  value.forEach((bound, index) => {
    if (Number.isSafeInteger(bound) && bound >= 1) return
    const message = `must be a positive integer, got ${describeValue(bound)}`
    issues.push(optionIssue(`${path}[${index}]`, message))
  })
  if (issues.length === 0 && value[0] > value[1]) {
    const message = `min must not exceed max, got [${value[0]}, ${value[1]}]`
    issues.push(optionIssue(path, message))
  }
  return issues
}

function optionIssue(path: string, message: string): Issue {
  return { path, message, code: DescriptorErrorCode.invalidOption }
}

function genotypeIssue(path: string, message: string): Issue {
  return { path, message, code: DescriptorErrorCode.genotype }
}
