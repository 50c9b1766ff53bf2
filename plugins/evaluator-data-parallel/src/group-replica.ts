/**
 * One replica's link to the others over a nord environment. Two values
 * ride at the end of every all-reduce: an error flag, raised by a replica
 * that failed on its own, and an abort flag, raised by the coordinator when
 * the evaluation was aborted. Every replica receives the same sums, so all stop
 * at the same collective and none waits for a peer that gave up.
 */
import { type Environment, NordError } from '@nord/core'
import { NordAbortError, type Replica, type TrainOptions } from '@nord/tfjs'
import type { ReplicaTraining } from './options.js'

/** The rank whose initial weights every replica starts from: the coordinator. */
const ROOT = 0

export class GroupReplica implements Replica {
  /** True once a collective failed or a flag stopped the group. */
  stopped = false
  /** True once the start vote passed. */
  private voted = false
  /** Length of the last all-reduce, flags included. */
  private lastLength = 0

  constructor(
    private readonly environment: Environment,
    readonly block: Replica['block'],
    private readonly signal?: AbortSignal,
  ) {}

  async shareWeights(weights: Float32Array): Promise<Float32Array> {
    await this.vote(false)
    return this.collective(() => this.environment.broadcast(weights, ROOT))
  }

  async sum(buffer: Float32Array): Promise<Float32Array> {
    const reduced = await this.reduce(buffer, false)
    return reduced.subarray(0, buffer.length)
  }

  /**
   * Tells the other replicas that this one failed on its own, at the
   * collective they wait in, unless the group already stopped. It catches
   * the error of that collective, so it never rejects.
   */
  async fail(): Promise<void> {
    if (this.stopped) return
    try {
      if (!this.voted) await this.vote(true)
      else await this.reduce(new Float32Array(this.lastLength - 2), true)
    } catch {
      // The group stopped, which was the point.
    }
  }

  /** Runs the first collective, in which every replica reports whether it could build its network. */
  private async vote(failed: boolean): Promise<void> {
    await this.reduce(new Float32Array(0), failed)
    this.voted = true
  }

  private async reduce(
    buffer: Float32Array,
    failed: boolean,
  ): Promise<Float32Array> {
    const flagged = new Float32Array(buffer.length + 2)
    flagged.set(buffer)
    flagged[buffer.length] = failed ? 1 : 0
    flagged[buffer.length + 1] = this.signal?.aborted ? 1 : 0
    this.lastLength = flagged.length

    const reduced = await this.collective(() =>
      this.environment.allReduce(flagged, 'sum'),
    )
    const errors = reduced[buffer.length]!
    const aborts = reduced[buffer.length + 1]!
    if (errors > 0 || aborts > 0) this.stopped = true
    if (aborts > 0) {
      throw new NordAbortError(this.signal?.reason ?? 'the coordinator aborted')
    }
    if (errors > 0 && !failed) {
      throw new NordError(
        'NORD_ERR_REPLICA',
        `${errors} replica(s) failed; the group stopped`,
        { hint: "See the failing worker's reason in the evaluation" },
      )
    }
    return reduced
  }

  private async collective<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      this.stopped = true
      throw error
    }
  }
}

/** Returns the options of `trainAndScore` for one replica, the same on every rank. */
export function replicaTrainOptions(
  training: ReplicaTraining,
  seed: number,
  replica: GroupReplica,
): TrainOptions {
  return {
    seed,
    epochs: training.epochs,
    batchSize: training.batchSize,
    optimizer: training.optimizer,
    learningRate: training.learningRate,
    replica,
    keepWeights: true,
  }
}
