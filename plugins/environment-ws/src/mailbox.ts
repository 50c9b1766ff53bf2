/**
 * Point-to-point messages that arrived for this rank, one FIFO queue per
 * source rank, with the `receive` calls that wait on them.
 */
import type { JsonValue } from '@nord/core'

export type Message = JsonValue | Uint8Array

interface Waiter {
  resolve(message: Message): void
  reject(error: Error): void
}

export class Mailbox {
  private readonly queues = new Map<number, Message[]>()
  private readonly waiters = new Map<number, Waiter[]>()

  /** Hands `message` from `source` to the oldest waiting `receive`, or queues it. */
  put(source: number, message: Message): void {
    const waiter = this.waiters.get(source)?.shift()
    if (waiter) {
      waiter.resolve(message)
      return
    }
    const queue = this.queues.get(source) ?? []
    queue.push(message)
    this.queues.set(source, queue)
  }

  /** Returns the oldest message from `source`, waiting for one if needed. */
  take(source: number): Promise<Message> {
    const queued = this.queues.get(source)?.shift()
    if (queued !== undefined) return Promise.resolve(queued)

    return new Promise((resolve, reject) => {
      const waiters = this.waiters.get(source) ?? []
      waiters.push({ resolve, reject })
      this.waiters.set(source, waiters)
    })
  }

  /** Drops the queue of `source` and rejects its waiting receives. */
  fail(source: number, error: Error): void {
    this.queues.delete(source)
    for (const waiter of this.waiters.get(source) ?? []) waiter.reject(error)
    this.waiters.delete(source)
  }

  /** Drops every queue and rejects every waiting receive. */
  failAll(error: Error): void {
    for (const source of [...this.waiters.keys(), ...this.queues.keys()]) {
      this.fail(source, error)
    }
  }
}
