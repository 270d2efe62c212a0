// An explicit abstract-level snapshot over an engine snapshot. The engine snapshot is taken in the
// constructor, synchronously, so a write issued right after db.snapshot() is never seen through it
// (abstract-level's rule). abstract-level counts the reads in flight and calls _close() only once
// they are done; closing releases the sequence number so compaction may drop what it protected.

import { AbstractSnapshot } from 'abstract-level'
import type { Snapshot } from '../db/api.js'
import { ShaleError } from '../util/errors.js'
import { snapshotNotOpen } from './errors.js'

// abstract-level's typings give AbstractSnapshot no constructor arguments, but it takes
// { owner }: the database (or sublevel) that closes the snapshot when it closes.
const SnapshotBase = AbstractSnapshot as unknown as new (options: { owner: unknown }) => AbstractSnapshot

export class ShaleSnapshot extends SnapshotBase {
  /** The engine's snapshot; reads pass it down as their `snapshot` option. */
  readonly engineSnapshot: Snapshot
  /** Set once _close() ran; abstract-level then refuses reads, but may still create iterators. */
  released = false

  constructor (options: { owner: unknown }, engineSnapshot: Snapshot) {
    super(options)
    this.engineSnapshot = engineSnapshot
  }

  async _close (): Promise<void> {
    this.released = true
    this.engineSnapshot.close()
  }
}

/** The engine snapshot behind a read's `snapshot` option, if any. */
export function engineSnapshotOf (snapshot: unknown): Snapshot | undefined {
  if (snapshot === undefined || snapshot === null) return undefined
  if (snapshot instanceof ShaleSnapshot) {
    if (snapshot.released) throw snapshotNotOpen()
    return snapshot.engineSnapshot
  }
  throw new ShaleError('LEVEL_INVALID_ARGUMENT', 'snapshot was not created by a ShaleLevel database')
}
