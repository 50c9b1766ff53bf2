/**
 * Declares two networks as descriptors: a sequential one, and a branching
 * one whose two convolution branches of different kernel sizes merge into a
 * third convolution, in the manner of the NORD paper's figure 2. Prints each
 * layer's output shape and parameters, saves both as JSON, loads them back
 * and checks that the canonical hash survives the round trip.
 *
 * Run: pnpm --filter @nord/examples descriptors [OUTPUT_DIR]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Descriptor } from '@nord/core'

const inputShape = [28, 28, 1]
const classes = 10

// Sequential: each layer added with addSequential is connected to the one
// added before it.
const sequential = new Descriptor()
sequential.addSequential('conv2d', { filters: 16, kernelSize: 5 }, 'conv1')
sequential.addSequential('relu6', {}, 'relu6_1')
sequential.addSequential('maxPooling2d', { poolSize: 2 }, 'pool1')
sequential.addSequential('conv2d', { filters: 32, kernelSize: 3 }, 'conv2')
sequential.addSequential('relu6', {}, 'relu6_2')

// Branching: layers are declared by name, then connected by name. `merge`
// sets how a layer with several inputs combines them; the inputs are first
// zero-padded to one height and width.
const branching = new Descriptor()
branching.addLayer('conv2d', { filters: 8, kernelSize: 3 }, 'stem')
branching.addLayer('conv2d', { filters: 16, kernelSize: 5 }, 'wide')
branching.addLayer('conv2d', { filters: 16, kernelSize: 3 }, 'narrow')
branching.addLayer('relu6', {}, 'merged')
branching.addLayer('conv2d', { filters: 32, kernelSize: 3 }, 'conv3')
branching.connect('stem', 'wide')
branching.connect('stem', 'narrow')
branching.connect('wide', 'merged')
branching.connect('narrow', 'merged')
branching.connect('merged', 'conv3')

const outputDir = process.argv[2] ?? join(tmpdir(), 'nord-descriptors')
mkdirSync(outputDir, { recursive: true })

for (const [name, descriptor] of Object.entries({ sequential, branching })) {
  const summary = descriptor.summarize(inputShape, classes)
  console.log(`\n${name} network`)
  for (const layer of summary.layers) {
    const shape = `[${layer.outputShape.join(', ')}]`
    console.log(
      `  ${layer.name.padEnd(14)} ${shape.padEnd(16)} ${layer.parameters}`,
    )
  }
  console.log(`  trainable parameters: ${summary.parameters}`)
  console.log(`  FLOPs per sample: ${summary.flops}`)

  const file = join(outputDir, `${name}.json`)
  writeFileSync(file, `${JSON.stringify(descriptor.toJSON(), null, 2)}\n`)
  const loaded = Descriptor.fromJSON(JSON.parse(readFileSync(file, 'utf8')))
  const same = loaded.hash() === descriptor.hash()
  console.log(`  saved to ${file}; hash ${descriptor.hash().slice(0, 16)}…`)
  console.log(`  hash after loading it back: ${same ? 'equal' : 'DIFFERENT'}`)
  if (!same) process.exitCode = 1
}
