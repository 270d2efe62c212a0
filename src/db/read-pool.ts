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

/** Misses per message to a worker (measured: 16 beat 1, 4, 8 and 64; bench/read-workers.ts). */
const CHUNK = 16

class ReadPool {
  private readonly workers: ReadWorker[] = []
  private queue: Waiting[] = []
  private scheduled = false
  private nextId = 1
  private next = 0
  /** Misses sent to workers and not answered yet. */
  private waiting = 0
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
    // A lone miss with nothing else waiting (a caller awaiting one get after another) gains
    // nothing from a round trip to another thread: its get reads the block itself, at once. So
    // do all misses when no worker is left.
    if (this.workers.length === 0 || (queue.length === 1 && this.waiting === 0)) {
      for (const w of queue) w.resolve()
      return
    }
    // Small messages, spread over the workers: a worker starts on the first blocks while this
    // thread still queues the rest, and its answers come back while it reads the next ones.
    for (let start = 0; start < queue.length; start += CHUNK) {
      this.send(this.workers[this.next++ % this.workers.length]!, queue.slice(start, start + CHUNK))
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
    this.waiting += batch.length
    rw.worker.postMessage(request)
  }

  private spawn (): ReadWorker {
    const worker = new Worker(new URL('./read-worker.js', import.meta.url))
    const rw: ReadWorker = { worker, pending: new Map() }
    worker.on('message', (reply: ReadReply) => {
      const batch = rw.pending.get(reply.id)
      if (batch === undefined) return
      rw.pending.delete(reply.id)
      this.waiting -= batch.length
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
      for (const batch of rw.pending.values()) {
        this.waiting -= batch.length
        for (const w of batch) w.resolve()
      }
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
