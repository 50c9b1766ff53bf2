import { benchMain } from '@nord/benchmarks'

/**
 * `nord bench`: hands its arguments to the suite's own command line in
 * `@nord/benchmarks`, which parses them, prints its help with `--help` and
 * returns the exit code.
 */
export async function benchCommand(args: string[]): Promise<number> {
  return benchMain(args, 'nord bench')
}
