// The live snapshots, oldest first. A snapshot is only a sequence number: reads through it skip
// newer entries, and compaction keeps every entry some live snapshot can still see (doc/compaction.md,
// "The drop rules"). Snapshots are taken with non-decreasing sequences, so insertion order is age order.

import type { Snapshot } from './api.js'
import { ShaleError } from '../util/errors.js'

class SnapshotImpl implements Snapshot {
  readonly sequence: number
  private list: SnapshotList | undefined

  constructor (sequence: number, list: SnapshotList) {
    this.sequence = sequence
    this.list = list
  }

  get closed (): boolean {
    return this.list === undefined
  }

  close (): void {
    const list = this.list
    if (list === undefined) return
    this.list = undefined
    list.remove(this)
  }
}

export class SnapshotList {
  // A Set iterates in insertion order, so its first element is the oldest live snapshot.
  private readonly live = new Set<SnapshotImpl>()

  create (sequence: number): SnapshotImpl {
    const s = new SnapshotImpl(sequence, this)
    this.live.add(s)
    return s
  }

  remove (s: SnapshotImpl): void {
    this.live.delete(s)
  }

  get size (): number {
    return this.live.size
  }

  /** The oldest live snapshot's sequence, or undefined when there is none. */
  oldest (): number | undefined {
    for (const s of this.live) return s.sequence
    return undefined
  }

  closeAll (): void {
    for (const s of [...this.live]) s.close()
  }
}

/** The sequence a read should use: the snapshot's, after checking it is still usable. */
export function snapshotSequence (snapshot: Snapshot): number {
  if (snapshot instanceof SnapshotImpl && snapshot.closed) {
    throw new ShaleError('LEVEL_SNAPSHOT_NOT_OPEN', 'snapshot has been closed')
  }
  return snapshot.sequence
}
