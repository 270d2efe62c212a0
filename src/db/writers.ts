// The entries of the database's write queue (doc/engine.md, "The write path").
//
// Every write waits in one queue; the write loop takes the writer at its head and as many
// following ones as may share its log record (a group, as LevelDB's group commit). A put or a
// del issued while the last writer in the queue is a GatheredWrites of the same kind (sync or
// not) is appended to that writer's batch instead of getting a batch and a queue entry of its
// own: it is the grouping the write loop would have done, done at once, and it spares an
// allocated batch per write and the copy that merging them into one record would make.

import { singlePutSize, WRITE_BATCH_HEADER_SIZE, type WriteBatch } from '../dbformat/write-batch.js'

export interface Writer {
  /** Undefined for a forced memtable switch (flush()). */
  readonly batch: WriteBatch | undefined
  readonly sync: boolean
  resolve: () => void
  reject: (err: unknown) => void
}

/** A gathered batch stops taking writes at this size (LevelDB caps a small group at 128 KiB more). */
export const GATHER_MAX_BYTES = 64 * 1024

/** Single puts and dels, in issue order, in one batch; settled together. */
export class GatheredWrites implements Writer {
  readonly batch: WriteBatch
  readonly sync: boolean
  private firstResolve: (() => void) | undefined
  private firstReject: ((err: unknown) => void) | undefined
  private more: Array<[() => void, (err: unknown) => void]> | undefined

  constructor (batch: WriteBatch, sync: boolean) {
    this.batch = batch
    this.sync = sync
  }

  /** Whether one more write of `bytes` (encoded) fits. */
  hasRoom (bytes: number): boolean {
    return this.batch.byteSize + bytes <= GATHER_MAX_BYTES
  }

  /** Adds the settle functions of a write whose operation is already in the batch. */
  add (resolve: () => void, reject: (err: unknown) => void): void {
    if (this.firstResolve === undefined) {
      this.firstResolve = resolve
      this.firstReject = reject
    } else {
      (this.more ??= []).push([resolve, reject])
    }
  }

  resolve = (): void => {
    this.firstResolve?.()
    if (this.more !== undefined) for (const [resolve] of this.more) resolve()
  }

  reject = (err: unknown): void => {
    this.firstReject?.(err)
    if (this.more !== undefined) for (const [, reject] of this.more) reject(err)
  }
}

/** The most a single put or del adds to a batch, for GatheredWrites.hasRoom. */
export function singleWriteSize (key: Uint8Array, value: Uint8Array | undefined): number {
  return singlePutSize(key, value ?? EMPTY) - WRITE_BATCH_HEADER_SIZE
}

const EMPTY = new Uint8Array(0)
