import type { Candidate, Evaluation, SearchProgress } from '@nord/core'
import cliProgress from 'cli-progress'

/** What the search command reports to a progress display. */
export interface ProgressDisplay {
  finished(
    candidate: Candidate,
    evaluation: Evaluation,
    cacheHit: boolean,
    progress: SearchProgress,
  ): void
  stop(): void
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
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined
  bar?.start(options.total, 0, { best: '-', elapsed: '0s', remaining: '?' })

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
      bar?.stop()
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
