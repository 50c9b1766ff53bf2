import { createRequire } from 'node:module'
import { isNordError } from '@nord/core'
import { Command, CommanderError, Option } from 'commander'
import { benchCommand } from './bench.js'
import { coordinatorCommand, DEFAULT_PORT, workerCommand } from './cluster.js'
import { inspectCommand } from './inspect.js'
import { reportCommand } from './report.js'
import { searchCommand } from './search.js'

const { version } = createRequire(import.meta.url)('../package.json') as {
  version: string
}

/** `--log-level`, shared by the commands; commander rejects other values. */
function logLevelOption(): Option {
  return new Option('--log-level <level>', 'lowest level of log lines shown')
    .choices(['debug', 'info', 'warn', 'error', 'silent'])
    .default('info')
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
      'optimizer plugin: ga, random, rl, evolution or a package name',
    )
    .option(
      '--evaluator <name>',
      'evaluator plugin: local, async (whole networks on workers), data-parallel (each network on all workers) or a package name',
    )
    .option('--dataset <name>', 'fashion-mnist, mnist or cifar10')
    .option('--data-dir <dir>', 'folder holding the dataset files')
    .option('--population <n>', 'individuals per generation')
    .option(
      '--generations <n>',
      "generations (ask/tell rounds) to run; also sets the GA's own generations option",
    )
    .option(
      '--evaluations <n>',
      'candidates to evaluate at most (cache hits and invalid ones count)',
    )
    .option(
      '--workers <n>',
      'worker processes of --evaluator async or data-parallel on this machine (default 2)',
    )
    .option(
      '--external-workers <n>',
      'worker ranks of --evaluator async or data-parallel kept for `nord worker` processes you start; the search waits until they joined (default 0)',
    )
    .option(
      '--port <n>',
      'TCP port of the cluster coordinator of --evaluator async or data-parallel (default 0: a free port)',
    )
    .option(
      '--host <address>',
      'address the cluster coordinator listens on (default 127.0.0.1: this machine only)',
    )
    .option(
      '--token <secret>',
      'token the cluster workers must send; generated and printed if absent',
    )
    .option('--epochs <n>', 'training epochs per candidate')
    .option('--batch-size <n>', 'samples per training step')
    .option('--train-size <n>', 'training samples (stratified seeded subset)')
    .option('--test-size <n>', 'test samples (stratified seeded subset)')
    .option('--seed <n>', 'run seed; the same seed gives the same search')
    .option(
      '--out <dir>',
      'run directory for journal.jsonl, summary.json, config.json',
    )
    .option(
      '--resume <dir>',
      'continue the interrupted run in this run directory with its recorded configuration; only --generations and --evaluations may raise its budget',
    )
    .addOption(logLevelOption())
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

  program
    .command('report')
    .description(
      'Write an HTML report of a run folder: figures (SVG), their data (CSV, ' +
        'JSON) and tables; prints the path of index.html',
    )
    .argument('<run-dir>', 'run folder that nord search wrote with --out')
    .option('--out <dir>', 'report folder (default: <run-dir>/report)')
    .action(async (runDir, options) => {
      program.setOptionValue('exitCode', await reportCommand(runDir, options))
    })

  program
    .command('bench')
    .description(
      'Compare the NORD experiments and other design methods under the same ' +
        'budget, data and seeds, with statistics and an HTML report; ' +
        '`nord bench --help` lists its options',
    )
    .argument('[args...]', 'perf, report, or the suite options')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (args: string[]) => {
      program.setOptionValue('exitCode', await benchCommand(args))
    })

  program
    .command('coordinator')
    .description(
      'Start a cluster coordinator (rank 0), wait until workers hold every ' +
        'other rank, run a collective check and print its result',
    )
    .option('--port <n>', 'TCP port to listen on', String(DEFAULT_PORT))
    .option(
      '--host <address>',
      'address to listen on (default 127.0.0.1: this machine only)',
    )
    .option('--token <secret>', 'shared token; generated and printed if absent')
    .option(
      '--world <n>',
      'world size: the coordinator plus n - 1 workers',
      '3',
    )
    .option('--cert <file>', 'PEM certificate, to serve wss:// (needs --key)')
    .option('--key <file>', 'PEM private key of --cert')
    .addOption(logLevelOption())
    .action(async (options) => {
      program.setOptionValue('exitCode', await coordinatorCommand(options))
    })

  program
    .command('worker')
    .description('Join a coordinator and run its tasks until it stops')
    .requiredOption('--connect <url>', 'coordinator address, ws:// or wss://')
    .option('--token <secret>', 'the coordinator token (default: $NORD_TOKEN)')
    .option('--ca <file>', 'PEM certificate to trust for wss://')
    .option(
      '--data-dir <dir>',
      'dataset folder on this machine for nord search --evaluator async or data-parallel; replaces the folder the search sends',
    )
    .option(
      '--backend <name>',
      'TensorFlow.js backend to announce: auto, tensorflow, wasm, cpu or none',
    )
    .addOption(logLevelOption())
    .action(async (options) => {
      program.setOptionValue('exitCode', await workerCommand(options))
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
