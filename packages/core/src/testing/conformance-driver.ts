/**
 * The part of the conformance suite that drives an optimizer: it asks,
 * scores each candidate with a fixed synthetic objective and tells the
 * results back on a schedule drawn from its own seeded stream, so that two
 * sessions over identical optimizers send identical calls.
 */
import { createRandom, type Random } from '../random.js'
import type {
  Candidate,
  Evaluation,
  IntegerGene,
  Optimizer,
  Result,
} from '../types.js'

/** The seed of the schedule stream, shared by every session of a suite run. */
const SCHEDULE_SEED = 20_190_127

/** A session's record of one `ask()`: a deep copy taken on return. */
export interface AskRecord {
  requested: number | undefined
  candidates: Candidate[]
}

/** A problem found while driving, filed under the check it breaks. */
export interface DriveProblem {
  check: string
  message: string
}

/** Raised inside the driver when the optimizer broke a rule it cannot go on after. */
export class DriveStop extends Error {
  constructor(
    readonly check: string,
    message: string,
  ) {
    super(message)
  }
}

export interface SessionOptions {
  genes: readonly IntegerGene[]
  /** Results to tell before the session ends. */
  budget: number
  /** Candidates requested per `ask()` from a steady-state optimizer. */
  batchSize: number
  /**
   * Called after each `ask()` and `tell()` returns, with the arrays the
   * optimizer returned or received, so that a check can change them.
   */
  onReturn?: (candidates: Candidate[]) => void
}

/**
 * Drives one optimizer. A generational optimizer is asked with no count and
 * told its whole generation in one call, in a shuffled order. A
 * steady-state one is asked for `batchSize` candidates at a time and told
 * a random part of its outstanding candidates in shuffled groups of one to
 * three, so some results arrive one or more asks later.
 */
export class Session {
  readonly asks: AskRecord[] = []
  readonly problems: DriveProblem[] = []
  private outstanding: Candidate[] = []
  private readonly seenIds = new Set<string>()
  /** The last candidate whose result was told, for checks that re-tell it. */
  lastTold: Candidate | undefined
  private asked = 0
  private told = 0
  private finished = false

  private constructor(
    readonly optimizer: Optimizer,
    private readonly options: SessionOptions,
    private readonly schedule: Random,
  ) {}

  static start(optimizer: Optimizer, options: SessionOptions): Session {
    return new Session(optimizer, options, createRandom(SCHEDULE_SEED))
  }

  /**
   * Returns a session over `optimizer` that continues this one's schedule:
   * the same outstanding candidates, ids seen and schedule position.
   */
  fork(optimizer: Optimizer, options?: Partial<SessionOptions>): Session {
    const random = createRandom(SCHEDULE_SEED)
    random.setState(this.schedule.getState())
    const copy = new Session(optimizer, { ...this.options, ...options }, random)
    copy.outstanding = structuredClone(this.outstanding)
    for (const id of this.seenIds) copy.seenIds.add(id)
    copy.asked = this.asked
    copy.told = this.told
    return copy
  }

  get isFinished(): boolean {
    return this.finished
  }

  get toldCount(): number {
    return this.told
  }

  /** Runs steps until the budget is told, the optimizer is done or a step stops it. */
  async runToEnd(): Promise<void> {
    while (!this.finished) await this.step()
  }

  /** Runs steps until at least `count` results are told or the session ends. */
  async runUntilTold(count: number): Promise<void> {
    while (!this.finished && this.told < count) await this.step()
  }

  /** One ask and the tells that follow it; ends the session when nothing is left to do. */
  async step(): Promise<void> {
    if (this.finished) return
    if (this.optimizer.done?.() === true || this.asked >= this.options.budget) {
      await this.tellAll()
      this.finished = true
      return
    }

    const candidates = await this.ask()
    if (candidates.length === 0) {
      await this.tellAll()
      this.finished = true
      return
    }

    this.outstanding.push(...candidates)
    if (this.optimizer.mode === 'generational') {
      await this.tellAll()
    } else {
      await this.tellSome()
    }
  }

  /** Asks and returns a copy of the candidates, taken before `onReturn` runs. */
  private async ask(): Promise<Candidate[]> {
    const { optimizer, options } = this
    const requested =
      optimizer.mode === 'steady-state'
        ? Math.min(options.batchSize, options.budget - this.asked)
        : undefined

    const returned: unknown = await optimizer.ask(requested)
    const candidates = this.checkAsk(returned, requested)
    const copy = structuredClone(candidates)
    this.asks.push({ requested, candidates: structuredClone(copy) })
    this.asked += candidates.length
    options.onReturn?.(candidates)
    return copy
  }

  /** Checks what `ask()` returned; throws `DriveStop` when it cannot be used at all. */
  private checkAsk(
    returned: unknown,
    requested: number | undefined,
  ): Candidate[] {
    if (!Array.isArray(returned)) {
      throw new DriveStop(
        'ask-contract',
        `ask(${requested ?? ''}) returned ${describe(returned)}, not an array of candidates`,
      )
    }
    if (requested !== undefined && returned.length > requested) {
      this.report(
        'ask-contract',
        `ask(${requested}) returned ${returned.length} candidates, more than requested`,
      )
    }
    returned.forEach((candidate, index) => {
      this.checkCandidate(candidate, `ask #${this.asks.length + 1}[${index}]`)
    })
    return returned as Candidate[]
  }

  private checkCandidate(candidate: unknown, where: string): void {
    const { genes } = this.options
    const { id, genotype } = (candidate ?? {}) as Partial<Candidate>
    if (typeof id !== 'string' || id === '') {
      throw new DriveStop(
        'ask-contract',
        `${where} has the id ${describe(id)}, not a non-empty string`,
      )
    }
    if (this.seenIds.has(id)) {
      this.report('ask-contract', `${where} repeats the candidate id '${id}'`)
    }
    this.seenIds.add(id)

    if (!Array.isArray(genotype) || genotype.length !== genes.length) {
      throw new DriveStop(
        'ask-contract',
        `${where} (${id}) has the genotype ${describe(genotype)}, not an array of ${genes.length} genes`,
      )
    }
    genotype.forEach((value: unknown, index) => {
      const { name, min, max } = genes[index]!
      const inside =
        Number.isSafeInteger(value) &&
        (value as number) >= min &&
        (value as number) <= max
      if (!inside) {
        this.report(
          'genes-in-bounds',
          `${where} (${id}) gene ${index} (${name}) is ${describe(value)}, not an integer in [${min}, ${max}]`,
        )
      }
    })
  }

  /** Tells every outstanding candidate in one call, in a shuffled order. */
  private async tellAll(): Promise<void> {
    if (this.outstanding.length === 0) return
    const group = this.schedule.shuffle(this.outstanding)
    this.outstanding = []
    await this.tell(group)
  }

  /**
   * Tells a random part of the outstanding candidates (at least one) in
   * shuffled groups of one to three, and keeps the rest for later.
   */
  private async tellSome(): Promise<void> {
    const shuffled = this.schedule.shuffle(this.outstanding)
    const count = this.schedule.int(1, shuffled.length)
    this.outstanding = shuffled.slice(count)

    const due = shuffled.slice(0, count)
    while (due.length > 0) {
      const size = Math.min(due.length, this.schedule.int(1, 3))
      await this.tell(due.splice(0, size))
    }
  }

  private async tell(candidates: Candidate[]): Promise<void> {
    const { genes, onReturn } = this.options
    const results = candidates.map((candidate) =>
      resultOf(structuredClone(candidate), genes),
    )
    try {
      await this.optimizer.tell(results)
    } catch (error) {
      const ids = candidates.map((candidate) => candidate.id).join(', ')
      throw new DriveStop(
        'tell-order',
        `tell() rejected results of its own candidates ${ids}: ${messageOf(error)}`,
      )
    }
    this.told += candidates.length
    this.lastTold = structuredClone(candidates.at(-1))
    onReturn?.(results.map((result) => result.candidate))
  }

  private report(check: string, message: string): void {
    this.problems.push({ check, message })
  }
}

/**
 * Returns the result of a candidate under the suite's objective, the mean of
 * its genes scaled to [0, 1]. A genotype whose gene sum is a multiple of 7
 * is reported as `failed` with fitness 0, so that optimizers also meet
 * failed evaluations.
 */
export function resultOf(
  candidate: Candidate,
  genes: readonly IntegerGene[],
): Result {
  const genotype = candidate.genotype
  const sum = genotype.reduce((total, value) => total + value, 0)
  const evaluation: Evaluation =
    sum % 7 === 0
      ? {
          status: 'failed',
          fitness: 0,
          accuracy: null,
          loss: null,
          parameters: null,
          flops: null,
          seconds: 0,
          reason: 'reported as failed by the conformance objective',
        }
      : okEvaluation(scaledMean(genotype, genes))
  return { candidate, evaluation }
}

function okEvaluation(fitness: number): Evaluation {
  return {
    status: 'ok',
    fitness,
    accuracy: fitness,
    loss: 1 - fitness,
    parameters: null,
    flops: null,
    seconds: 0,
  }
}

function scaledMean(
  genotype: readonly number[],
  genes: readonly IntegerGene[],
): number {
  let total = 0
  genotype.forEach((value, index) => {
    const { min, max } = genes[index]!
    total += max === min ? 1 : (value - min) / (max - min)
  })
  return total / genotype.length
}

/** Formats a value for a problem message, cut to 80 characters. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'string') return `'${value}'`
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
