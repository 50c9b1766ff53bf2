import { join, resolve } from 'node:path'
import { loadRun, runReport, writeReport } from '@nord/report'

export interface ReportFlags {
  /** The report folder; default `RUN_DIR/report`. */
  out?: string
}

/**
 * `nord report`: writes the HTML report of one run folder and prints the
 * path of its `index.html`. Errors (a missing folder, a folder without a
 * journal, a journal without evaluations) are coded `NordError`s that
 * `main` prints.
 */
export async function reportCommand(
  runDir: string,
  flags: ReportFlags,
): Promise<number> {
  const run = await loadRun(runDir)
  const outDir = resolve(flags.out ?? join(run.path, 'report'))
  const files = await writeReport(outDir, await runReport(run))
  process.stdout.write(`${files.index}\n`)
  return 0
}
