/**
 * The coordinator's side of the collectives. Every rank, the coordinator
 * included, contributes to collective number `seq`; once all have, the
 * coordinator computes the result in rank order and sends it out. A
 * collective fails for every rank at once on a timeout, a lost rank or a
 * mismatch between the calls.
 */
import type { JsonValue, NordError, ReduceOp } from '@nord/core'
import { clusterError } from './errors.js'
import type { PayloadValue } from './link.js'
import type { CollectiveOp } from './protocol.js'
import { reduceInOrder } from './reduce.js'

/** The terms that every rank must agree on for one collective. */
export interface CollectiveSpec {
  op: CollectiveOp
  root?: number
  reduce?: ReduceOp
  /** Element count of an all-reduce buffer. */
  length?: number
}

/** The coordinator's own call, settled with its result. */
export interface LocalCall {
  resolve(value: PayloadValue | undefined): void
  reject(error: Error): void
}

/** The route by which the table reaches the workers. */
export interface CollectiveTransport {
  sendResult(rank: number, seq: number, value?: PayloadValue): void
  sendAbort(rank: number, seq: number, error: NordError): void
  /** Worker ranks without a connection now. */
  missingRanks(): number[]
}

interface OpenCollective {
  seq: number
  spec: CollectiveSpec
  values: Map<number, PayloadValue | undefined>
  local: LocalCall | undefined
  timer: NodeJS.Timeout
  /** The all-reduce result, computed once for every rank. */
  reduced?: Float32Array
}

/** Failed collectives remembered, so that late callers fail at once too. */
const FAILED_MEMORY = 1024

export class CollectiveTable {
  private readonly open = new Map<number, OpenCollective>()
  private readonly failed = new Map<number, NordError>()

  constructor(
    private readonly worldSize: number,
    private readonly timeout: number,
    private readonly transport: CollectiveTransport,
  ) {}

  /** Records the contribution of `rank`; `local` is set for rank 0's own call. */
  contribute(
    seq: number,
    rank: number,
    spec: CollectiveSpec,
    value: PayloadValue | undefined,
    local?: LocalCall,
  ): void {
    const earlier = this.failed.get(seq)
    if (earlier) {
      this.notify(rank, seq, earlier, local)
      return
    }

    const entry = this.open.get(seq) ?? this.openCollective(seq, spec)
    if (!entry) return
    if (local) entry.local = local

    const problem = mismatch(entry, rank, spec, this.worldSize)
    if (problem) {
      const error = clusterError(
        'NORD_ERR_COLLECTIVE_MISMATCH',
        `${spec.op} #${seq}: ${problem}`,
        {
          value: spec,
          hint: 'Every rank must call the same collectives in the same order with the same root, op and length',
        },
      )
      this.notify(rank, seq, error, local)
      this.fail(seq, error)
      return
    }

    entry.values.set(rank, value)
    if (entry.values.size === this.worldSize) this.complete(entry)
  }

  /** Fails every open collective, as when a rank is lost or the coordinator stops. */
  failAll(error: NordError): void {
    for (const seq of [...this.open.keys()]) this.fail(seq, error)
  }

  /** Fails collective `seq` for every rank that joined it. */
  fail(seq: number, error: NordError): void {
    const entry = this.open.get(seq)
    this.remember(seq, error)
    if (!entry) return

    this.open.delete(seq)
    clearTimeout(entry.timer)
    for (const rank of entry.values.keys()) {
      this.notify(rank, seq, error, entry.local)
    }
  }

  private openCollective(
    seq: number,
    spec: CollectiveSpec,
  ): OpenCollective | undefined {
    const timer = setTimeout(() => this.expire(seq), this.timeout)
    const entry: OpenCollective = {
      seq,
      spec,
      values: new Map(),
      local: undefined,
      timer,
    }
    this.open.set(seq, entry)

    const missing = this.transport.missingRanks()
    if (missing.length > 0) {
      const error = clusterError(
        'NORD_ERR_WORKER_LOST',
        `${spec.op} #${seq}: rank ${missing.join(', ')} is not connected`,
        {
          value: missing,
          hint: 'Wait for a worker to take the free rank, then retry',
        },
      )
      // Registered first so that `fail` reaches the caller of this call.
      queueMicrotask(() => this.fail(seq, error))
    }
    return entry
  }

  private expire(seq: number): void {
    const entry = this.open.get(seq)
    if (!entry) return
    const waiting = []
    for (let rank = 0; rank < this.worldSize; rank++) {
      if (!entry.values.has(rank)) waiting.push(rank)
    }
    const error = clusterError(
      'NORD_ERR_COLLECTIVE_TIMEOUT',
      `${entry.spec.op} #${seq} timed out after ${this.timeout} ms waiting for rank ${waiting.join(', ')}`,
      {
        value: waiting,
        hint: 'Check that every rank calls this collective, or raise collectiveTimeout',
      },
    )
    this.fail(seq, error)
  }

  private complete(entry: OpenCollective): void {
    this.open.delete(entry.seq)
    clearTimeout(entry.timer)
    const { op, root = 0, reduce = 'sum' } = entry.spec

    for (let rank = 0; rank < this.worldSize; rank++) {
      const value = resultFor(entry, rank, op, root, reduce)
      if (rank === 0) entry.local?.resolve(value)
      else this.transport.sendResult(rank, entry.seq, value)
    }
  }

  private notify(
    rank: number,
    seq: number,
    error: NordError,
    local: LocalCall | undefined,
  ): void {
    if (rank === 0) local?.reject(error)
    else this.transport.sendAbort(rank, seq, error)
  }

  private remember(seq: number, error: NordError): void {
    this.failed.set(seq, error)
    if (this.failed.size > FAILED_MEMORY) {
      const oldest = this.failed.keys().next().value as number
      this.failed.delete(oldest)
    }
  }
}

function mismatch(
  entry: OpenCollective,
  rank: number,
  spec: CollectiveSpec,
  worldSize: number,
): string | undefined {
  if (entry.values.has(rank)) return `rank ${rank} joined twice`
  const first = entry.spec
  if (spec.op !== first.op)
    return `rank ${rank} called ${spec.op}, others ${first.op}`
  if ((spec.root ?? 0) !== (first.root ?? 0)) {
    return `rank ${rank} gave root ${spec.root}, others ${first.root}`
  }
  if ((spec.root ?? 0) >= worldSize) return `root ${spec.root} is not a rank`
  if (spec.reduce !== first.reduce) {
    return `rank ${rank} reduces by ${spec.reduce}, others by ${first.reduce}`
  }
  if (spec.length !== first.length) {
    return `rank ${rank} has ${spec.length} elements, others ${first.length}`
  }
  return undefined
}

/** The value that `rank` gets back, in rank order where order matters. */
function resultFor(
  entry: OpenCollective,
  rank: number,
  op: CollectiveOp,
  root: number,
  reduce: ReduceOp,
): PayloadValue | undefined {
  if (op === 'barrier') return undefined
  // The root keeps its own value, so it is not sent back.
  if (op === 'broadcast')
    return rank === root ? undefined : entry.values.get(root)
  if (op === 'gather') {
    if (rank !== root) return undefined
    return inRankOrder(entry) as JsonValue[]
  }
  if (!entry.reduced) {
    entry.reduced = reduceInOrder(inRankOrder(entry) as Float32Array[], reduce)
  }
  return entry.reduced
}

function inRankOrder(entry: OpenCollective): (PayloadValue | undefined)[] {
  return [...entry.values.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, value]) => value)
}
