import type {
  DescriptorJSON,
  Evaluation,
  EvaluationRequest,
  Evaluator,
  Genotype,
  SearchSpace,
} from '@nord/core'
import { runSearch } from '@nord/core'
import { describe, expect, it } from 'vitest'
import { createOptimizer, GENES, normalizedSum } from './helpers.js'

/** Decodes each genotype into dense layers with one layer per gene. */
const SPACE: SearchSpace = {
  name: 'dense-widths',
  genes: GENES,
  options: {},
  decode(genotype: Genotype): DescriptorJSON {
    const layers = genotype.map((units, index) => ({
      name: `dense${index}`,
      type: 'dense',
      params: { units },
    }))
    const connections = layers
      .slice(1)
      .map((layer, index): [string, string] => [
        layers[index]!.name,
        layer.name,
      ])
    return { layers, connections }
  },
}

/** Scores the genotype directly and trains nothing. */
class SyntheticEvaluator implements Evaluator {
  readonly name = 'test:synthetic'

  async evaluate(request: EvaluationRequest): Promise<Evaluation> {
    const fitness = normalizedSum(request.candidate.genotype)
    return {
      status: 'ok',
      fitness,
      accuracy: fitness,
      loss: null,
      parameters: null,
      flops: null,
      seconds: 0,
    }
  }
}

/** Rejects genotypes whose first layer has no units, as an invalid descriptor. */
function validate(descriptor: DescriptorJSON) {
  if (descriptor.layers[0]!.params.units !== 0) return []
  return [
    {
      path: 'layers[0].params.units',
      message: 'must be at least 1, got 0',
      code: 'NORD_ERR_INVALID_PARAM',
    },
  ]
}

describe('search loop', () => {
  it('runs the optimizer with parallel evaluations', async () => {
    const optimizer = await createOptimizer({ batchSize: 4 }, 3)
    const evaluator = new SyntheticEvaluator()

    const summary = await runSearch({
      optimizer,
      space: SPACE,
      evaluator,
      seed: 3,
      budget: { evaluations: 40 },
      concurrency: 3,
      validate,
      hash: (descriptor) => JSON.stringify(descriptor.layers),
    })

    expect(summary.stopReason).toBe('evaluations')
    expect(summary.counts.evaluated).toBe(40)
    expect(optimizer.state().proposed).toBe(40)
    expect(optimizer.state().updates).toBe(10)
    expect(optimizer.state().pending).toEqual([])
    expect(summary.best?.evaluation.fitness).toBeGreaterThan(0.5)
  })
})
