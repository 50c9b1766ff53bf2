/**
 * The run directory: `config.json` (the resolved configuration),
 * `journal.jsonl` (one event per line, appended as the run goes) and
 * `summary.json` (rewritten after every generation).
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { NordError } from '../errors.js'
import type { JournalEvent, JsonValue, RunEndReason } from '../types.js'
import { isPlainObject } from './options.js'

export const JOURNAL_FILE = 'journal.jsonl'
export const CONFIG_FILE = 'config.json'
export const SUMMARY_FILE = 'summary.json'

export interface RunDirectoryOptions {
  /**
   * Replace the journal, configuration and summary of an earlier run in the
   * same folder (other files stay). Default false: such a folder is rejected.
   */
  overwrite?: boolean
  /**
   * Open the journal of an existing run to append to it, for `runSearch`'s
   * `resume`. An incomplete last line (left by a killed process) is removed
   * first, so the next event starts on a line of its own. Default false.
   */
  resume?: boolean
}

/** An open run directory. It owns a file descriptor until `close()`. */
export interface RunDirectory {
  /** The absolute path of the folder. */
  readonly path: string
  readonly journalPath: string
  readonly configPath: string
  readonly summaryPath: string
  /** Writes `config.json`, pretty-printed. */
  writeConfig(config: JsonValue): void
  /**
   * Appends one event as a JSON line and flushes it to disk (fsync) before
   * returning, so a killed process loses at most the line being written.
   */
  append(event: JournalEvent): void
  /** Replaces `summary.json` atomically (a temporary file, then a rename). */
  writeSummary(summary: unknown): void
  /** Flushes and closes the journal; later calls do nothing. */
  close(): void
}

/**
 * Creates the folder (with its parents) and a new, empty journal in it, or
 * with `resume` opens the journal of an existing run for appending.
 *
 * @throws NordError `NORD_ERR_RUN_EXISTS` when the folder already contains a
 *   journal and neither `overwrite` nor `resume` is set,
 *   `NORD_ERR_NOT_A_RUN` with `resume` when the folder has no journal,
 *   `NORD_ERR_RUN_DIRECTORY` when the folder or the journal cannot be
 *   created or opened, `NORD_ERR_INVALID_OPTION` when both options are set.
 */
export function openRunDirectory(
  dir: string,
  options: RunDirectoryOptions = {},
): RunDirectory {
  const path = resolve(dir)
  const journalPath = join(path, JOURNAL_FILE)
  const configPath = join(path, CONFIG_FILE)
  const summaryPath = join(path, SUMMARY_FILE)

  let fd: number | undefined
  if (options.resume === true) {
    if (options.overwrite === true) {
      throw new NordError(
        'NORD_ERR_INVALID_OPTION',
        `openRunDirectory(${JSON.stringify(dir)}): overwrite and resume exclude each other`,
        { value: options, hint: 'Set one of them' },
      )
    }
    fd = openJournalToResume(path, journalPath)
  } else {
    createFolder(path)
    if (options.overwrite === true) {
      rmSync(configPath, { force: true })
      rmSync(summaryPath, { force: true })
    }
    fd = openJournal(journalPath, options.overwrite)
  }

  return {
    path,
    journalPath,
    configPath,
    summaryPath,

    writeConfig(config) {
      writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`)
    },

    append(event) {
      if (fd === undefined) {
        throw new NordError(
          'NORD_ERR_RUN_CLOSED',
          `cannot append a '${event.type}' event: the journal ${journalPath} is closed`,
          { value: event, hint: 'Append events before calling close()' },
        )
      }
      writeAll(fd, `${JSON.stringify(event)}\n`)
      fsyncSync(fd)
    },

    writeSummary(summary) {
      writeAtomically(summaryPath, `${JSON.stringify(summary, null, 2)}\n`)
    },

    close() {
      if (fd === undefined) return
      const open = fd
      fd = undefined
      fsyncSync(open)
      closeSync(open)
    },
  }
}

function createFolder(path: string): void {
  try {
    mkdirSync(path, { recursive: true })
  } catch (error) {
    throw new NordError(
      'NORD_ERR_RUN_DIRECTORY',
      `cannot create the run directory ${path}: ${messageOf(error)}`,
      { value: path, hint: 'Choose another --out folder', cause: error },
    )
  }
}

function openJournal(journalPath: string, overwrite?: boolean): number {
  // 'wx' fails if the file exists, so two runs started at once into the same
  // folder cannot both write one journal.
  // An empty journal belongs to a run that failed before its first event,
  // so nothing recorded is lost by starting again in it.
  const empty = existsSync(journalPath) && statSync(journalPath).size === 0
  const flags = overwrite === true || empty ? 'w' : 'wx'
  try {
    return openSync(journalPath, flags)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new NordError(
        'NORD_ERR_RUN_EXISTS',
        `the folder ${resolve(journalPath, '..')} already contains a run (${JOURNAL_FILE})`,
        {
          value: journalPath,
          hint: 'Choose another output folder (--out), continue the run with --resume, or remove the folder',
        },
      )
    }
    throw new NordError(
      'NORD_ERR_RUN_DIRECTORY',
      `cannot create the journal ${journalPath}: ${messageOf(error)}`,
      { value: journalPath, cause: error },
    )
  }
}

function openJournalToResume(path: string, journalPath: string): number {
  if (!existsSync(journalPath)) throw notARun(path)
  dropIncompleteLine(journalPath)
  try {
    return openSync(journalPath, 'a')
  } catch (error) {
    throw new NordError(
      'NORD_ERR_RUN_DIRECTORY',
      `cannot open the journal ${journalPath} to resume: ${messageOf(error)}`,
      { value: journalPath, cause: error },
    )
  }
}

/**
 * Makes the journal end with a newline: a last line without one is kept
 * (with a newline added) when it is a complete event, and cut off otherwise.
 */
function dropIncompleteLine(journalPath: string): void {
  const bytes = readFileSync(journalPath)
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return

  const start = bytes.lastIndexOf(0x0a) + 1
  const last = parseLine(bytes.subarray(start).toString('utf8'))
  if (last !== undefined && isJournalEvent(last)) {
    const fd = openSync(journalPath, 'a')
    try {
      writeAll(fd, '\n')
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    return
  }
  truncateSync(journalPath, start)
}

function notARun(path: string): NordError {
  return new NordError(
    'NORD_ERR_NOT_A_RUN',
    `${path} is not a run directory: it has no ${JOURNAL_FILE}`,
    {
      value: path,
      hint: 'Pass the folder that a search wrote with --out (it holds journal.jsonl, config.json and summary.json)',
    },
  )
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text)
  let offset = 0
  while (offset < bytes.length) {
    offset += writeSync(fd, bytes, offset, bytes.length - offset)
  }
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`
  const fd = openSync(temporary, 'w')
  try {
    writeAll(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temporary, path)
}

/** The events of a journal and what was dropped from its end. */
export interface JournalContents {
  events: JournalEvent[]
  /**
   * The last line when it is incomplete: no newline and not valid JSON, as
   * left by a process killed while writing it. Null when the file ends cleanly.
   */
  truncated: { line: number; text: string } | null
}

/**
 * Reads a journal. An incomplete last line is dropped and reported in
 * `truncated`.
 *
 * @throws NordError `NORD_ERR_JOURNAL` naming the file and line for any other
 *   line that is not a JSON object with a string `type` and `time`, and when
 *   the file cannot be read.
 */
export function readJournal(path: string): JournalContents {
  const text = readJournalText(path)
  const lines = text.split('\n')
  // A file that ends with a newline splits into a last empty string.
  const lastComplete = text.endsWith('\n') || text === ''
  if (lastComplete) lines.pop()

  const events: JournalEvent[] = []
  let truncated: JournalContents['truncated'] = null
  for (const [index, line] of lines.entries()) {
    const number = index + 1
    const isLast = index === lines.length - 1
    const parsed = parseLine(line)
    if (parsed !== undefined && isJournalEvent(parsed)) {
      events.push(parsed)
    } else if (isLast && !lastComplete && parsed === undefined) {
      truncated = { line: number, text: line }
    } else {
      throw malformedLine(path, number, line, parsed !== undefined)
    }
  }
  return { events, truncated }
}

/** The contents of a run directory, as `readRunDirectory` reads them. */
export interface RunContents {
  /** The absolute path of the folder. */
  path: string
  journal: JournalContents
  /** The run seed from the `run-start` event; null when the journal is empty. */
  seed: number | null
  /**
   * The resolved configuration of the latest session: from the last
   * `run-start` or `run-resume` event, else from `config.json`, else null.
   */
  config: Record<string, JsonValue> | null
  /**
   * The `run-end` event that closes the journal, or null when the last event
   * is another one: the process was killed, the machine was lost, or the run
   * is still going.
   */
  ended: { reason: RunEndReason; message?: string } | null
}

/**
 * Reads the journal and configuration of a run directory, for example to
 * decide whether and how to resume it.
 *
 * @throws NordError `NORD_ERR_NOT_A_RUN` when the folder has no journal,
 *   `NORD_ERR_JOURNAL` when the journal is damaged (see `readJournal`).
 */
export function readRunDirectory(dir: string): RunContents {
  const path = resolve(dir)
  const journalPath = join(path, JOURNAL_FILE)
  if (!isFile(journalPath)) throw notARun(path)

  const journal = readJournal(journalPath)
  const { events } = journal
  const start = events[0]?.type === 'run-start' ? events[0] : null
  const last = events.at(-1)
  const ended =
    last?.type === 'run-end'
      ? {
          reason: last.reason,
          ...(last.message === undefined ? {} : { message: last.message }),
        }
      : null
  return {
    path,
    journal,
    seed: start?.seed ?? null,
    config: latestConfig(events) ?? readConfigFile(join(path, CONFIG_FILE)),
    ended,
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

function latestConfig(
  events: JournalEvent[],
): Record<string, JsonValue> | undefined {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index]!
    if (event.type === 'run-start' || event.type === 'run-resume') {
      return event.config
    }
  }
  return undefined
}

function readConfigFile(path: string): Record<string, JsonValue> | null {
  if (!existsSync(path)) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new NordError(
      'NORD_ERR_JOURNAL',
      `cannot read the configuration ${path}: ${messageOf(error)}`,
      { value: path, hint: 'Repair config.json or remove it' },
    )
  }
  return isPlainObject(parsed) ? (parsed as Record<string, JsonValue>) : null
}

function readJournalText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new NordError(
      'NORD_ERR_JOURNAL',
      `cannot read the journal ${path}: ${messageOf(error)}`,
      { value: path, hint: 'Check the path of the run folder', cause: error },
    )
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line)
  } catch {
    return undefined
  }
}

function isJournalEvent(value: unknown): value is JournalEvent {
  return (
    isPlainObject(value) &&
    typeof value.type === 'string' &&
    typeof value.time === 'string'
  )
}

function malformedLine(
  path: string,
  number: number,
  line: string,
  parsed: boolean,
): NordError {
  const problem = parsed
    ? 'is JSON but not a journal event (an object with a string type and time)'
    : 'is not valid JSON'
  const excerpt = line.length > 80 ? `${line.slice(0, 77)}...` : line
  return new NordError(
    'NORD_ERR_JOURNAL',
    `${path}:${number} ${problem}: ${excerpt}`,
    {
      value: line,
      hint: 'The journal was edited or damaged; restore it or remove the line',
    },
  )
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
