// The entries of the database's write queue (doc/engine.md, "The write path").
//
// Every write waits in one queue; the write loop takes the writer at its head and as many
// following ones as may share its log record (a group, as LevelDB's group commit). A put or a
// del issued while the last writer in the queue is a GatheredWrites of the same kind (sync or
// not) is appended to that writer's batch instead of getting a batch and a queue entry of its
// own: it is the grouping the write loop would have done, done at once, and it spares an
// allocated batch per write and the copy that merging them into one record would make.

import { singlePutSize, WRITE_BATCH_HEADER_SIZE, type BytesOrString, type WriteBatch } from '../dbformat/write-batch.js'

export interface Writer {
  /** Undefined for a forced memtable switch (flush()). */
  readonly batch: WriteBatch | undefined
  readonly sync: boolean
  resolve: () => void
  reject: (err: unknown) => void
}

/** A gathered batch stops taking writes at this size (LevelDB caps a small group at 128 KiB more). */
export const GATHER_MAX_BYTES = 64 * 1024

/**
 * Single puts and dels, in issue order, in one batch; settled together, so they share one promise:
 * every write gathered here returns `done`. Its callers' reactions run in the order they were
 * attached, which is issue order, as when each write had a promise of its own; a promise, its two
 * settle functions and the closure that captures them per write would be garbage made on the
 * hottest write path (with 64 puts in flight, most of what a put allocates besides its bytes).
 */
export class GatheredWrites implements Writer {
  readonly batch: WriteBatch
  readonly sync: boolean
  readonly done: Promise<void>
  resolve!: () => void
  reject!: (err: unknown) => void

  constructor (batch: WriteBatch, sync: boolean) {
    this.batch = batch
    this.sync = sync
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  /** Whether one more write of `bytes` (encoded) fits. */
  hasRoom (bytes: number): boolean {
    return this.batch.byteSize + bytes <= GATHER_MAX_BYTES
  }
}

/** The most a single put or del adds to a batch, for GatheredWrites.hasRoom. */
export function singleWriteSize (key: BytesOrString, value: BytesOrString | undefined): number {
  return singlePutSize(key, value ?? EMPTY) - WRITE_BATCH_HEADER_SIZE
}

const EMPTY = new Uint8Array(0)
