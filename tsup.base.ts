import type { Options } from 'tsup'

/** The one build every nord package shares: ESM for Node 20 with type declarations. */
export function nordBuild(entry: string[] = ['src/index.ts']): Options {
  return {
    entry,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: false,
  }
}
