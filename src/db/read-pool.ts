// Read workers (doc/read-workers.md): threads that read, check and decompress data blocks for
// gets that miss the block cache, so that many reads in flight use more than the one core that
// runs JavaScript. The main thread keeps everything else: the memtables, the Versions, the block
// cache, and the lookup itself, which it runs again once the block is cached.
//
// Requests are gathered while the caller's synchronous code runs (a loop issuing many gets) and
// sent in one message per worker at the next microtask; the replies transfer the decoded blocks'
// memory, so nothing is copied on the way back. One pool serves every database of the process.

import { Worker } from 'node:worker_threads'
import type { BlockMiss } from '../table/table.js'
import { fromPlainError } from '../util/errors.js'
import type { ReadReply, ReadRequest } from './read-worker.js'

interface Waiting { miss: BlockMiss, resolve: () => void, reject: (err: unknown) => void }

interface ReadWorker {
  worker: Worker
  /** Requests sent and not yet answered, by id. */
  pending: Map<number, Waiting[]>
}

/** Blocks read on a read worker and cached, since the process started (tests and benchmarks read it). */
export const readCounts = { offThread: 0 }

class ReadPool {
  private readonly workers: ReadWorker[] = []
  private queue: Waiting[] = []
  private scheduled = false
  private nextId = 1
  private next = 0
  /** Set when no worker could start: misses are then read on the caller's thread. */
  private unavailable = false

  /** Grows the pool to `count` workers (it never shrinks: workers are idle and unref'ed when unused). */
  ensure (count: number): void {
    while (!this.unavailable && this.workers.length < count) {
      try {
        this.workers.push(this.spawn())
      } catch {
        this.unavailable = true
      }
    }
  }

  /** Reads the missed block on a worker and caches it; rejects with the read's error. */
  async load (miss: BlockMiss): Promise<void> {
    return await new Promise<void>((resolve, reject) => {
      this.queue.push({ miss, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        queueMicrotask(this.flush)
      }
    })
  }

  private readonly flush = (): void => {
    this.scheduled = false
    const queue = this.queue
    this.queue = []
    // No worker (none could start, or they died): the callers read the blocks themselves.
    if (this.workers.length === 0) {
      for (const w of queue) w.resolve()
      return
    }
    // Spread the batch over the workers, a contiguous share each.
    const n = Math.min(this.workers.length, queue.length)
    let start = 0
    for (let w = 0; w < n; w++) {
      const end = start + Math.ceil((queue.length - start) / (n - w))
      this.send(this.workers[this.next++ % this.workers.length]!, queue.slice(start, end))
      start = end
    }
  }

  private send (rw: ReadWorker, batch: Waiting[]): void {
    const id = this.nextId++
    const request: ReadRequest = { id, blocks: [] }
    for (const { miss } of batch) {
      request.blocks.push({ path: miss.fileName!, offset: miss.handle.offset, size: miss.handle.size, verifyChecksums: miss.verifyChecksums })
    }
    if (rw.pending.size === 0) rw.worker.ref()
    rw.pending.set(id, batch)
    rw.worker.postMessage(request)
  }

  private spawn (): ReadWorker {
    const worker = new Worker(new URL('./read-worker.js', import.meta.url))
    const rw: ReadWorker = { worker, pending: new Map() }
    worker.on('message', (reply: ReadReply) => {
      const batch = rw.pending.get(reply.id)
      if (batch === undefined) return
      rw.pending.delete(reply.id)
      if (rw.pending.size === 0) worker.unref()
      for (let i = 0; i < batch.length; i++) {
        const r = reply.results[i]!
        const w = batch[i]!
        if (r.ok) {
          w.miss.fill(r.contents)
          readCounts.offThread++
          w.resolve()
        } else {
          w.reject(fromPlainError(r.error))
        }
      }
    })
    const lost = (): void => {
      const i = this.workers.indexOf(rw)
      if (i >= 0) this.workers.splice(i, 1)
      // The reads it held fail over to the callers' thread: nothing was cached, so they retry there.
      for (const batch of rw.pending.values()) for (const w of batch) w.resolve()
      rw.pending.clear()
    }
    worker.on('error', lost)
    worker.on('exit', lost)
    // After the listeners: adding one refs the worker again.
    worker.unref()
    return rw
  }
}

/** The process's read workers. */
export const readPool = new ReadPool()
