// A frozen memtable as plain data: the arena's bytes and length arrays plus the entry ids in key
// order. It is what a flush sends to a worker thread. Structured clone copies typed arrays with a
// memcpy, so handing a 4 MiB memtable over costs well under a millisecond on the main thread,
// where rebuilding it entry by entry on the other side would cost far more; the ordered walk of
// the B+-tree that produces `order` is a loop over integers.

import type { InternalKeyComparator } from '../dbformat/internal-key.js'
import type { InternalIterator } from '../util/iterator.js'

export interface SortedEntries {
  /** The arena: entry i's internal key is buf[keyOffset[i], keyOffset[i] + keyLength[i]), its value follows. */
  buf: Uint8Array
  keyOffset: Uint32Array
  keyLength: Uint32Array
  valueLength: Uint32Array
  /** Entry ids in internal-key order. */
  order: Uint32Array
}

/** Iterates SortedEntries in order; seek is a binary search over `order`. */
export class SortedEntriesIterator implements InternalIterator {
  private readonly entries: SortedEntries
  private readonly icmp: InternalKeyComparator
  /** Position in `order`; -1 or order.length when not valid. */
  private pos = -1

  constructor (entries: SortedEntries, icmp: InternalKeyComparator) {
    this.entries = entries
    this.icmp = icmp
  }

  valid (): boolean {
    return this.pos >= 0 && this.pos < this.entries.order.length
  }

  seekToFirst (): void {
    this.pos = 0
  }

  seekToLast (): void {
    this.pos = this.entries.order.length - 1
  }

  seek (target: Uint8Array): void {
    let lo = 0
    let hi = this.entries.order.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.icmp.compare(this.keyAt(mid), target) < 0) lo = mid + 1
      else hi = mid
    }
    this.pos = lo
  }

  next (): void {
    this.pos++
  }

  prev (): void {
    this.pos--
  }

  key (): Uint8Array {
    return this.keyAt(this.pos)
  }

  value (): Uint8Array {
    const e = this.entries
    const id = e.order[this.pos]!
    const start = e.keyOffset[id]! + e.keyLength[id]!
    return e.buf.subarray(start, start + e.valueLength[id]!)
  }

  checkError (): void {}

  close (): void {}

  private keyAt (pos: number): Uint8Array {
    const e = this.entries
    const id = e.order[pos]!
    const start = e.keyOffset[id]!
    return e.buf.subarray(start, start + e.keyLength[id]!)
  }
}
