import type { Candidate, Evaluation, SearchProgress } from '@nord/core'
import cliProgress from 'cli-progress'

/** A progress display, fed by the search command. */
export interface ProgressDisplay {
  finished(
    candidate: Candidate,
    evaluation: Evaluation,
    cacheHit: boolean,
    progress: SearchProgress,
  ): void
  stop(): void
}

/** The bar on the terminal now, which log lines must not run into. */
let activeBar: cliProgress.SingleBar | undefined

/**
 * Writes one log line to stderr. While a progress bar is drawn, the line
 * replaces the bar and the bar is drawn again below it, so the two never
 * share a line.
 */
export function writeStderrLine(line: string): void {
  if (activeBar === undefined) {
    process.stderr.write(`${line}\n`)
    return
  }
  process.stderr.write(`\r\x1b[2K${line}\n`)
  // SingleBar's typings omit render's force flag; without it the unchanged
  // bar is not drawn again.
  ;(activeBar as unknown as { render(force: boolean): void }).render(true)
}

/**
 * Creates the display: a bar on a terminal (candidates done, best so far,
 * elapsed and remaining time), one plain line per candidate otherwise.
 */
export function createProgressDisplay(options: {
  total: number
  bar: boolean
  write: (line: string) => void
}): ProgressDisplay {
  const bar = options.bar
    ? new cliProgress.SingleBar(
        {
          format:
            'search |{bar}| {value}/{total} candidates | best {best} | ' +
            'elapsed {elapsed} | remaining {remaining}',
          hideCursor: true,
          stopOnComplete: false,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined
  bar?.start(options.total, 0, { best: '-', elapsed: '0s', remaining: '?' })
  activeBar = bar

  return {
    finished(candidate, evaluation, cacheHit, progress) {
      const total = progress.total ?? options.total
      const bestText = progress.best ? progress.best.fitness.toFixed(4) : '-'
      const elapsed = formatSeconds(progress.elapsedSeconds)
      const remaining =
        progress.remainingSeconds === null
          ? '?'
          : formatSeconds(progress.remainingSeconds)
      if (bar) {
        bar.setTotal(total)
        bar.update(progress.done, { best: bestText, elapsed, remaining })
        return
      }
      options.write(
        `[${progress.done}/${total}] ${candidate.id} ` +
          `${describeEvaluation(evaluation, cacheHit)} | best ${bestText} | ` +
          `elapsed ${elapsed} | remaining ~${remaining}`,
      )
    },
    stop() {
      if (bar === undefined) return
      bar.stop()
      activeBar = undefined
    },
  }
}

function describeEvaluation(evaluation: Evaluation, cacheHit: boolean): string {
  const reuse = cacheHit ? ' (cached)' : ''
  if (evaluation.status !== 'ok') {
    const reason = (evaluation.reason ?? '').split('\n')[0]
    return `${evaluation.status}${reuse}: ${reason}`
  }
  return (
    `ok${reuse} accuracy ${evaluation.accuracy?.toFixed(4)} ` +
    `params ${evaluation.parameters} in ${evaluation.seconds.toFixed(1)}s`
  )
}

/** Formats seconds as `42s`, `3m05s` or `1h02m`. */
export function formatSeconds(seconds: number): string {
  const whole = Math.round(seconds)
  if (whole < 60) return `${whole}s`
  const minutes = Math.floor(whole / 60)
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`
}
