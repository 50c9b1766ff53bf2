#!/usr/bin/env node
/**
 * Measures the training throughput of nord (TensorFlow.js) against PyTorch on
 * the CPU.
 *
 * Trains three networks of the search space of the NORD paper (Kyriakides and
 * Margaritis, 2018): two convolutions with ReLU6, then the classification
 * head. Each trains on Fashion-MNIST for a fixed number of samples (fewer on
 * the slow `cpu` backend): with nord on the default backend and on `cpu`, and
 * with PyTorch through throughput-torch.py when `/usr/bin/python3` can import
 * torch. Prints samples per second and the nord / PyTorch ratio, and writes
 * the numbers to results/throughput.json. It asserts nothing.
 *
 * Plain JavaScript over the built packages, because Node 20 cannot run
 * TypeScript directly. Build first: `pnpm --filter @nord/benchmarks... build`
 * or `pnpm build`, then `node benchmarks/throughput.mjs [options]`.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { convNetSizeSpace } from '@nord/core'
import { createIdxCurator } from '@nord/curators'
import { selectBackend, trainAndScore } from '@nord/tfjs'

const HERE = dirname(fileURLToPath(import.meta.url))

/** Filters and kernel sizes of the two convolutions, as in the paper's space. */
const NETWORKS = [
  { name: '8k3-16k3', genotype: [8, 3, 16, 3] },
  { name: '32k5-32k5', genotype: [32, 5, 32, 5] },
  { name: '50k14-50k10', genotype: [50, 14, 50, 10] },
]

const HELP = `Usage: node benchmarks/throughput.mjs [options]

  --samples N       training samples per measurement (default 1024)
  --cpu-samples N   the same on the cpu backend, which trained 140 to 600
                    times slower than wasm here (default 64)
  --warmup N        samples trained before each measurement (default 64)
  --batch-size N    samples per optimizer step (default 64)
  --backends LIST   nord backends, comma-separated (default "auto,cpu")
  --networks LIST   networks to train, comma-separated (default all:
                    ${NETWORKS.map((network) => network.name).join(', ')})
  --no-torch        skip PyTorch
  --python PATH     the Python with torch (default /usr/bin/python3)
  --out FILE        the JSON report (default benchmarks/results/throughput.json)
  --help            print this help
`

async function main() {
  const options = parseOptions()
  if (options.help) {
    process.stdout.write(HELP)
    return
  }

  // This script chooses the backends, and NORD_BACKEND would override every
  // choice, so it only replaces `auto`.
  const envBackend = process.env.NORD_BACKEND
  delete process.env.NORD_BACKEND
  const backends = options.backends.map((name) =>
    name === 'auto' && envBackend ? envBackend : name,
  )

  const networks = NETWORKS.filter((network) =>
    options.networks.includes(network.name),
  )
  const dataset = await loadData(
    Math.max(options.samples, options.cpuSamples) + options.warmup,
  )
  const rows = networks.map((network) => ({ network: network.name }))

  for (const backend of backends) {
    const selection = await selectBackend({ backend })
    const column =
      backend === 'auto'
        ? `nord ${selection.name} (auto)`
        : `nord ${selection.name}`
    const samples =
      selection.name === 'cpu' ? options.cpuSamples : options.samples
    for (const [index, network] of networks.entries()) {
      const result = await measureNord(network, dataset, samples, options)
      rows[index].parameters = result.parameters
      rows[index][column] = result.samplesPerSecond
      log(
        `${column} ${network.name}: ${result.samplesPerSecond.toFixed(1)} samples/s`,
      )
    }
  }

  const torch = options.torch ? measureTorch(networks, options) : undefined
  if (torch) {
    for (const [index, network] of networks.entries()) {
      rows[index].pytorch = torch.results[network.name]
    }
  }

  const report = {
    time: new Date().toISOString(),
    command: process.argv.slice(1).join(' '),
    settings: {
      samples: options.samples,
      cpuSamples: options.cpuSamples,
      warmup: options.warmup,
      batchSize: options.batchSize,
      optimizer: 'adam',
      learningRate: 0.001,
      inputShape: dataset.inputShape,
    },
    machine: machineInfo(),
    torch: torch ? { version: torch.version, threads: torch.threads } : null,
    rows,
  }
  printTable(rows, torch)
  mkdirSync(dirname(options.out), { recursive: true })
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`)
  log(`wrote ${options.out}`)
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      samples: { type: 'string', default: '1024' },
      'cpu-samples': { type: 'string', default: '64' },
      warmup: { type: 'string', default: '64' },
      'batch-size': { type: 'string', default: '64' },
      backends: { type: 'string', default: 'auto,cpu' },
      networks: {
        type: 'string',
        default: NETWORKS.map((network) => network.name).join(','),
      },
      'no-torch': { type: 'boolean', default: false },
      python: { type: 'string', default: '/usr/bin/python3' },
      out: {
        type: 'string',
        default: join(HERE, 'results', 'throughput.json'),
      },
      help: { type: 'boolean', default: false },
    },
  })

  const positive = (key) => {
    const value = Number(values[key])
    if (!Number.isInteger(value) || value < 1) {
      throw new UsageError(
        `--${key} must be a positive integer, got ${values[key]}`,
      )
    }
    return value
  }
  const networks = values.networks.split(',').map((name) => name.trim())
  const unknown = networks.filter(
    (name) => !NETWORKS.some((network) => network.name === name),
  )
  if (unknown.length > 0) {
    const known = NETWORKS.map((network) => network.name).join(', ')
    throw new UsageError(
      `--networks: unknown network ${unknown.join(', ')}, choose from ${known}`,
    )
  }

  return {
    help: values.help,
    samples: positive('samples'),
    cpuSamples: positive('cpu-samples'),
    warmup: positive('warmup'),
    batchSize: positive('batch-size'),
    backends: values.backends.split(',').map((name) => name.trim()),
    networks,
    torch: !values['no-torch'],
    python: values.python,
    out: values.out,
  }
}

/** Loads Fashion-MNIST training samples through @nord/curators, with a small test split. */
async function loadData(trainSize) {
  const curator = createIdxCurator({
    name: 'fashion-mnist',
    seed: 1,
    trainSize,
    testSize: 100,
  })
  return curator.load()
}

/** Trains one network for `warmup` samples, then for `samples` samples, and times the second run. */
async function measureNord(network, dataset, samples, options) {
  const descriptor = convNetSizeSpace().decode(network.genotype)
  const trainOptions = { seed: 1, batchSize: options.batchSize, epochs: 1 }

  await trainAndScore(descriptor, subset(dataset, options.warmup), trainOptions)
  const result = await trainAndScore(
    descriptor,
    subset(dataset, samples),
    trainOptions,
  )
  return {
    parameters: result.parameters,
    samplesPerSecond: result.trainedSamples / result.trainingSeconds,
  }
}

function subset(dataset, count) {
  const pixels = dataset.inputShape.reduce((product, size) => product * size, 1)
  const train = {
    images: dataset.train.images.subarray(0, count * pixels),
    labels: dataset.train.labels.subarray(0, count),
    count,
  }
  return { ...dataset, train }
}

/** Runs throughput-torch.py. Returns undefined when torch cannot be imported. */
function measureTorch(networks, options) {
  const script = join(HERE, 'throughput-torch.py')
  const config = {
    networks: networks.map((network) => ({
      name: network.name,
      genotype: network.genotype,
    })),
    samples: options.samples,
    warmup: options.warmup,
    batchSize: options.batchSize,
    learningRate: 0.001,
  }
  try {
    const output = execFileSync(
      options.python,
      [script, JSON.stringify(config)],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    const report = JSON.parse(output)
    if (report.error) {
      log(`PyTorch skipped: ${report.error}`)
      return undefined
    }
    for (const [name, value] of Object.entries(report.results)) {
      log(
        `pytorch ${name}: ${value.toFixed(1)} samples/s (${report.threads} threads)`,
      )
    }
    return report
  } catch (error) {
    log(`PyTorch skipped: ${error.message}`)
    return undefined
  }
}

function machineInfo() {
  const processors = cpus()
  return {
    cpu: processors[0]?.model ?? 'unknown',
    cores: processors.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  }
}

function printTable(rows, torch) {
  const columns = Object.keys(rows[0] ?? {}).filter(
    (key) => key !== 'network' && key !== 'parameters',
  )
  const nordColumns = columns.filter((key) => key.startsWith('nord'))
  const header = [
    'network',
    'parameters',
    ...columns.map((key) => `${key} samples/s`),
  ]
  if (torch) header.push(...nordColumns.map((key) => `${key} / pytorch`))

  const lines = rows.map((row) => {
    const cells = [row.network, String(row.parameters)]
    cells.push(...columns.map((key) => format(row[key])))
    if (torch)
      cells.push(...nordColumns.map((key) => ratio(row[key], row.pytorch)))
    return cells
  })
  const widths = header.map((title, index) =>
    Math.max(title.length, ...lines.map((cells) => cells[index].length)),
  )
  const render = (cells) =>
    cells.map((cell, index) => cell.padStart(widths[index])).join('  ')

  process.stdout.write(`${render(header)}\n`)
  for (const cells of lines) process.stdout.write(`${render(cells)}\n`)
  if (torch) {
    process.stdout.write(
      `PyTorch ${torch.version} on ${torch.threads} thread(s)\n`,
    )
  }
}

/** Formats a ratio with two significant digits, so that small ones stay readable. */
function ratio(value, reference) {
  const result = value / reference
  return Number.isFinite(result) ? result.toPrecision(2) : '-'
}

function format(value, digits = 1) {
  return typeof value === 'number' && Number.isFinite(value)
    ? value.toFixed(digits)
    : '-'
}

function log(message) {
  process.stderr.write(`${message}\n`)
}

/** An invalid command-line option, reported without a stack trace. */
class UsageError extends Error {}

main().catch((error) => {
  const text =
    error instanceof UsageError
      ? `${error.message}. Run with --help for the options.`
      : (error.stack ?? String(error))
  process.stderr.write(`${text}\n`)
  process.exitCode = 1
})
