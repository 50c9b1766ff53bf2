import { createRequire } from 'node:module'
import { isNordError } from '@nord/core'
import { Command, CommanderError } from 'commander'
import { inspectCommand } from './inspect.js'
import { searchCommand } from './search.js'

const { version } = createRequire(import.meta.url)('../package.json') as {
  version: string
}

/** Builds the `nord` program; `main` runs it. */
export function createProgram(): Command {
  const program = new Command('nord')
    .description('Neural architecture search research toolkit')
    .version(version)
    .showHelpAfterError()
    .exitOverride()

  program
    .command('search')
    .description(
      "Run an architecture search. With no options, the NORD paper's first " +
        'experiment: a local genetic algorithm over two-layer conv nets',
    )
    .option(
      '--config <file>',
      'JSON configuration; options given here override it',
    )
    .option(
      '--optimizer <name>',
      'optimizer plugin: a short name (ga) or a package',
    )
    .option(
      '--evaluator <name>',
      'evaluator plugin: a short name (local) or a package',
    )
    .option('--dataset <name>', 'fashion-mnist, mnist or cifar10')
    .option('--data-dir <dir>', 'folder holding the dataset files')
    .option('--population <n>', 'individuals per generation')
    .option('--generations <n>', 'generations to run')
    .option('--epochs <n>', 'training epochs per candidate')
    .option('--batch-size <n>', 'samples per training step')
    .option('--train-size <n>', 'training samples (stratified seeded subset)')
    .option('--test-size <n>', 'test samples (stratified seeded subset)')
    .option('--seed <n>', 'run seed; the same seed gives the same search')
    .option(
      '--out <dir>',
      'run directory for journal.jsonl, summary.json, config.json',
    )
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .option('--no-progress', 'plain log lines even on a terminal')
    .action(async (options) => {
      program.setOptionValue('exitCode', await searchCommand(options))
    })

  program
    .command('inspect')
    .description(
      'Validate a descriptor and print each layer with its output shape and ' +
        'parameter count, then the totals',
    )
    .argument('<file>', 'descriptor JSON file')
    .requiredOption('--input <HxWxC>', 'input shape, such as 28x28x1')
    .requiredOption('--classes <n>', 'number of classes of the head')
    .option('--json', 'print the summary as JSON')
    .action(async (file, options) => {
      program.setOptionValue('exitCode', await inspectCommand(file, options))
    })

  return program
}

/** Runs `nord` with Node's `argv`; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram()
  try {
    await program.parseAsync(argv)
    return (program.getOptionValue('exitCode') as number | undefined) ?? 0
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode
    if (isNordError(error)) {
      process.stderr.write(`nord: ${error.message} [${error.code}]\n`)
      return 1
    }
    throw error
  }
}
