/**
 * The checks of the optimizer conformance suite. Each check drives one or
 * more fresh optimizers through `Session` and files what it finds under its
 * own name, so one broken rule fails one check.
 */
import { isDeepStrictEqual } from 'node:util'
import { isNordError } from '../errors.js'
import type {
  Candidate,
  IntegerGene,
  MaybePromise,
  Optimizer,
  Result,
} from '../types.js'
import {
  type AskRecord,
  DriveStop,
  describe,
  messageOf,
  resultOf,
  Session,
  type SessionOptions,
} from './conformance-driver.js'

/** The names of the checks, in the order they run and are reported. */
export const CHECK_NAMES = [
  'ask-contract',
  'genes-in-bounds',
  'tell-order',
  'unknown-candidate',
  'determinism',
  'seed-sensitivity',
  'state-round-trip',
  'genotype-values',
  'options-validation',
] as const

export type CheckName = (typeof CHECK_NAMES)[number]

/** The outcome of one check. */
export interface ConformanceCheck {
  name: CheckName
  passed: boolean
  /** The problems found, one per line; empty when the check passed. */
  message: string
}

/** The suite's options after validation, with the factory bound to the space. */
export interface SuiteSetup {
  /** Creates an optimizer; `options` defaults to the suite's valid options. */
  create(seed: number, options?: unknown): MaybePromise<Optimizer>
  genes: readonly IntegerGene[]
  seeds: [number, number]
  budget: number
  batchSize: number
  invalid: { options: unknown; paths: readonly string[] }
}

type Report = (check: CheckName, message: string) => void

/** Problems kept per check; the rest are counted. */
const MAX_PROBLEMS = 5

/** Runs every check and returns one result per check name. */
export async function runChecks(
  setup: SuiteSetup,
): Promise<ConformanceCheck[]> {
  const problems = new Map<CheckName, string[]>(
    CHECK_NAMES.map((name) => [name, []]),
  )
  const report: Report = (check, message) => {
    problems.get(check)!.push(message)
  }

  const reference = await referenceRun(setup, report)
  await checkUnknownCandidate(setup, report)
  await checkDeterminism(setup, reference, report)
  await checkSeedSensitivity(setup, reference, report)
  await checkStateRoundTrip(setup, reference, report)
  await checkGenotypeValues(setup, report)
  await checkOptionsValidation(setup, report)

  return CHECK_NAMES.map((name) => {
    const found = problems.get(name)!
    return { name, passed: found.length === 0, message: summarize(found) }
  })
}

/**
 * Drives one optimizer over the whole budget and files the problems of
 * `ask-contract`, `genes-in-bounds` and `tell-order`. Returns its asks, or
 * null when the run broke off.
 */
async function referenceRun(
  setup: SuiteSetup,
  report: Report,
): Promise<AskRecord[] | null> {
  let session: Session | undefined
  try {
    const optimizer = await setup.create(setup.seeds[0])
    checkMetadata(optimizer, report)
    session = Session.start(optimizer, sessionOptions(setup))
    await session.runToEnd()
  } catch (error) {
    if (error instanceof DriveStop) {
      report(error.check as CheckName, error.message)
    } else {
      report('ask-contract', `the run failed: ${messageOf(error)}`)
    }
  }

  for (const problem of session?.problems ?? []) {
    report(problem.check as CheckName, problem.message)
  }
  if (session === undefined || !session.isFinished) return null
  if (session.toldCount === 0) {
    report('ask-contract', 'the optimizer proposed no candidate at all')
  }
  return session.asks
}

function checkMetadata(optimizer: Optimizer, report: Report): void {
  if (typeof optimizer.name !== 'string' || optimizer.name === '') {
    report('ask-contract', `name is ${describe(optimizer.name)}`)
  }
  if (typeof optimizer.version !== 'string') {
    report('ask-contract', `version is ${describe(optimizer.version)}`)
  }
  const mode: unknown = optimizer.mode
  if (mode !== 'generational' && mode !== 'steady-state') {
    throw new DriveStop(
      'ask-contract',
      `mode is ${describe(mode)}, not 'generational' or 'steady-state'`,
    )
  }
}

/**
 * Tells an id that was never proposed and one that was already told, each
 * of which must raise a nord error, then checks that the optimizer goes on
 * exactly like a twin that received neither.
 */
async function checkUnknownCandidate(
  setup: SuiteSetup,
  report: Report,
): Promise<void> {
  const check = 'unknown-candidate'
  await attempt(check, report, async () => {
    const tested = await start(setup, setup.seeds[0])
    const twin = await start(setup, setup.seeds[0])
    for (let step = 0; step < 2; step++) {
      await tested.step()
      await twin.step()
    }

    const never: Candidate = {
      id: 'conformance-never-proposed',
      genotype: setup.genes.map((gene) => gene.min),
    }
    await expectRejection(
      tested.optimizer,
      [resultOf(never, setup.genes)],
      `the id '${never.id}', which it never proposed`,
      report,
    )
    const told = tested.lastTold
    if (told !== undefined) {
      await expectRejection(
        tested.optimizer,
        [resultOf(told, setup.genes)],
        `candidate '${told.id}' a second time`,
        report,
      )
    }

    await tested.runToEnd()
    await twin.runToEnd()
    const difference = firstDifference(twin.asks, tested.asks)
    if (difference !== null) {
      report(check, `a rejected tell() changed later asks: ${difference}`)
    }
  })
}

async function expectRejection(
  optimizer: Optimizer,
  results: Result[],
  what: string,
  report: Report,
): Promise<void> {
  try {
    await optimizer.tell(results)
  } catch (error) {
    if (!isNordError(error)) {
      report(
        'unknown-candidate',
        `tell() rejected ${what} with an error that has no NORD_ERR_ code: ${messageOf(error)}`,
      )
    }
    return
  }
  report('unknown-candidate', `tell() accepted ${what}`)
}

async function checkDeterminism(
  setup: SuiteSetup,
  reference: AskRecord[] | null,
  report: Report,
): Promise<void> {
  const check = 'determinism'
  if (reference === null) {
    report(check, 'not checked, because the reference run broke off')
    return
  }
  await attempt(check, report, async () => {
    const again = await start(setup, setup.seeds[0])
    await again.runToEnd()
    const difference = firstDifference(reference, again.asks)
    if (difference !== null) {
      report(check, `two runs with seed ${setup.seeds[0]}: ${difference}`)
    }
  })
}

async function checkSeedSensitivity(
  setup: SuiteSetup,
  reference: AskRecord[] | null,
  report: Report,
): Promise<void> {
  const check = 'seed-sensitivity'
  if (reference === null) {
    report(check, 'not checked, because the reference run broke off')
    return
  }
  await attempt(check, report, async () => {
    const other = await start(setup, setup.seeds[1])
    await other.runToEnd()
    if (firstDifference(reference, other.asks) === null) {
      const [first, second] = setup.seeds
      report(
        check,
        `seeds ${first} and ${second} gave the same ${other.asks.length} asks`,
      )
    }
  })
}

/**
 * Saves the state halfway through a run, with results still outstanding
 * for a steady-state optimizer, restores it into an optimizer made with the
 * other seed, and runs both to the end in step.
 */
async function checkStateRoundTrip(
  setup: SuiteSetup,
  reference: AskRecord[] | null,
  report: Report,
): Promise<void> {
  const check = 'state-round-trip'
  await attempt(check, report, async () => {
    const original = await start(setup, setup.seeds[0])
    await original.runUntilTold(Math.ceil(setup.budget / 2))
    const savedAt = original.asks.length

    const saved = original.optimizer.state()
    const text = JSON.stringify(saved)
    if (text === undefined) {
      report(check, `state() returned ${describe(saved)}, which is not JSON`)
      return
    }
    const parsed = JSON.parse(text)
    if (!isDeepStrictEqual(parsed, saved)) {
      report(
        check,
        'state() changes under JSON.stringify and JSON.parse; it holds undefined, NaN, Infinity, class instances or typed arrays',
      )
    }

    const fresh = await setup.create(setup.seeds[1])
    fresh.restore(parsed)
    const resumed = original.fork(fresh)
    while (!original.isFinished || !resumed.isFinished) {
      await original.step()
      await resumed.step()
    }

    const difference = firstDifference(
      original.asks.slice(savedAt),
      resumed.asks,
    )
    if (difference !== null) {
      report(
        check,
        `the restored optimizer differs after ask #${savedAt}: ${difference}`,
      )
    }
    if (original.optimizer.done?.() !== fresh.done?.()) {
      report(check, 'the restored optimizer differs in done() at the end')
    }
    if (
      JSON.stringify(original.optimizer.state()) !==
      JSON.stringify(fresh.state())
    ) {
      report(check, 'the restored optimizer ends with a different state()')
    }
    if (reference !== null) {
      const changed = firstDifference(reference, original.asks)
      if (changed !== null) {
        report(check, `calling state() changed the asks: ${changed}`)
      }
    }
  })
}

/**
 * Runs an optimizer whose returned candidates, told results and states are
 * overwritten after each call next to an untouched twin, and compares their
 * states after every step and their asks at the end.
 */
async function checkGenotypeValues(
  setup: SuiteSetup,
  report: Report,
): Promise<void> {
  const check = 'genotype-values'
  await attempt(check, report, async () => {
    const twin = await start(setup, setup.seeds[0])
    const optimizer = await setup.create(setup.seeds[0])
    const session = Session.start(optimizer, {
      ...sessionOptions(setup),
      onReturn: overwriteCandidates,
    })

    let step = 0
    while (!session.isFinished || !twin.isFinished) {
      step++
      await session.step()
      await twin.step()
      const state = optimizer.state()
      const expected = JSON.stringify(twin.optimizer.state())
      if (JSON.stringify(state) !== expected) {
        report(check, `after step ${step}, state() differs from the twin's`)
        return
      }
      overwriteArrays(state)
    }

    const difference = firstDifference(twin.asks, session.asks)
    if (difference !== null) {
      report(
        check,
        `changing returned arrays changed later asks: ${difference}`,
      )
    }
  })
}

function overwriteCandidates(candidates: Candidate[]): void {
  for (const candidate of candidates) {
    if (Array.isArray(candidate?.genotype)) {
      candidate.genotype.fill(-1)
      candidate.genotype.push(-1)
    }
    if (Array.isArray(candidate?.parents)) {
      candidate.parents.push('conformance-overwritten')
    }
  }
}

/** Fills every number array inside `value` with -1 and appends null to every other array. */
function overwriteArrays(value: unknown): void {
  if (Array.isArray(value)) {
    const numbers = value.every((item) => typeof item === 'number')
    for (const item of value) overwriteArrays(item)
    if (numbers) value.fill(-1)
    else value.push(null)
    return
  }
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) overwriteArrays(item)
  }
}

async function checkOptionsValidation(
  setup: SuiteSetup,
  report: Report,
): Promise<void> {
  const check = 'options-validation'
  const { options, paths } = setup.invalid
  let error: unknown
  try {
    await setup.create(setup.seeds[0], options)
    report(
      check,
      `the factory accepted the invalid options ${describe(options)}`,
    )
    return
  } catch (thrown) {
    error = thrown
  }

  const issues = (error as { issues?: unknown }).issues
  if (!isNordError(error) || !Array.isArray(issues)) {
    report(
      check,
      `the factory threw ${messageOf(error)}, not a NordValidationError with issues`,
    )
    return
  }

  const found = issues.map((issue) => String(issue?.path))
  for (const path of paths) {
    const named = found.some(
      (issuePath) => issuePath === path || issuePath.endsWith(`.${path}`),
    )
    if (!named) {
      report(
        check,
        `no issue names '${path}'; the issues name ${describe(found)}`,
      )
    }
  }
}

async function start(setup: SuiteSetup, seed: number): Promise<Session> {
  const optimizer = await setup.create(seed)
  return Session.start(optimizer, sessionOptions(setup))
}

function sessionOptions(setup: SuiteSetup): SessionOptions {
  return {
    genes: setup.genes,
    budget: setup.budget,
    batchSize: setup.batchSize,
  }
}

/** Runs `body` and files any error it throws under `check`. */
async function attempt(
  check: CheckName,
  report: Report,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body()
  } catch (error) {
    const message =
      error instanceof DriveStop
        ? `the run broke off (${error.check}): ${error.message}`
        : `the optimizer threw: ${messageOf(error)}`
    report(check, message)
  }
}

/** Describes the first ask at which two runs differ, or returns null. */
function firstDifference(
  expected: AskRecord[],
  actual: AskRecord[],
): string | null {
  const count = Math.max(expected.length, actual.length)
  for (let index = 0; index < count; index++) {
    const left = JSON.stringify(expected[index]?.candidates)
    const right = JSON.stringify(actual[index]?.candidates)
    if (left !== right) {
      return `ask #${index + 1} returned ${describe(actual[index]?.candidates)}, expected ${describe(expected[index]?.candidates)}`
    }
  }
  return null
}

function summarize(problems: string[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS)
  const hidden = problems.length - shown.length
  if (hidden > 0) shown.push(`and ${hidden} more`)
  return shown.join('\n')
}
