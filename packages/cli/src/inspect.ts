import { readFileSync } from 'node:fs'
import {
  Descriptor,
  type Issue,
  type NetworkSummary,
  NordError,
  type Shape,
  summarizeNetwork,
  validateDescriptor,
} from '@nord/core'

export interface InspectFlags {
  input: string
  classes: string
  json?: boolean
}

/** `nord inspect`: validates a descriptor and prints its layer summary. */
export async function inspectCommand(
  file: string,
  flags: InspectFlags,
): Promise<number> {
  const inputShape = parseShape(flags.input)
  const classes = Number(flags.classes)
  if (!Number.isSafeInteger(classes) || classes < 1) {
    throw new NordError(
      'NORD_ERR_CONFIG',
      `--classes must be a positive integer, got ${JSON.stringify(flags.classes)}`,
      { value: flags.classes },
    )
  }

  const json = readDescriptorFile(file)
  const issues = validateDescriptor(json as never, { inputShape, classes })
  if (issues.length > 0) {
    printIssues(file, issues, flags.json === true)
    return 1
  }
  const descriptor = Descriptor.fromJSON(json)

  const summary = summarizeNetwork(descriptor.toJSON(), inputShape, classes)
  if (flags.json) {
    const out = { file, valid: true, hash: descriptor.hash(), ...summary }
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
  } else {
    process.stdout.write(formatSummary(summary, descriptor.hash()))
  }
  return 0
}

function readDescriptorFile(file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new NordError('NORD_ERR_CONFIG', `cannot read ${file}`, {
      value: file,
      hint: 'Pass the path of a descriptor JSON file',
      cause: error,
    })
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new NordError(
      'NORD_ERR_CONFIG',
      `${file} is not valid JSON: ${reason}`,
      {
        value: file,
      },
    )
  }
}

/** Parses `28x28x1` into `[28, 28, 1]`, and a bare number into a vector shape. */
export function parseShape(text: string): Shape {
  const parts = text.toLowerCase().split('x')
  const shape = parts.map(Number)
  const valid =
    (shape.length === 3 || shape.length === 1) &&
    shape.every((size) => Number.isSafeInteger(size) && size > 0)
  if (!valid) {
    throw new NordError(
      'NORD_ERR_CONFIG',
      `--input must be HxWxC (such as 28x28x1) or a feature count, got ${JSON.stringify(text)}`,
      { value: text },
    )
  }
  return shape
}

function printIssues(file: string, issues: Issue[], json: boolean) {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ file, valid: false, issues }, null, 2)}\n`,
    )
    return
  }
  const lines = issues.map(
    (issue) => `  ${issue.path}: ${issue.message} [${issue.code}]`,
  )
  process.stderr.write(
    `${file} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}\n`,
  )
}

/** Formats a summary as a table in the manner of Keras' `model.summary()`. */
export function formatSummary(summary: NetworkSummary, hash: string): string {
  const rows = summary.layers.map((layer) => [
    `${layer.name} (${layer.type})${layer.head ? ' *' : ''}`,
    `[${layer.outputShape.join(', ')}]`,
    layer.parameters.toLocaleString('en-US'),
    layer.flops.toLocaleString('en-US'),
    layer.inputs.join(', '),
  ])
  const header = ['Layer (type)', 'Output shape', 'Params', 'FLOPs', 'Inputs']
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  )
  const format = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 2 || column === 3
          ? cell.padStart(widths[column]!)
          : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd()
  const rule = '-'.repeat(widths.reduce((sum, width) => sum + width + 2, -2))
  return [
    `Input: [${summary.inputShape.join(', ')}], classes: ${summary.classes}`,
    rule,
    format(header),
    rule,
    ...rows.map(format),
    rule,
    `Trainable parameters: ${summary.parameters.toLocaleString('en-US')}`,
    `FLOPs per sample (forward): ${summary.flops.toLocaleString('en-US')}`,
    `Hash: ${hash}`,
    '* the classification head that the builder appends',
    '',
  ].join('\n')
}
