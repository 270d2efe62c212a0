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

/**
 * SortedEntries copied into one SharedArrayBuffer, to hand to a worker without a structured-clone
 * copy. A flush posts one of these per memtable; cloning the arena instead left a 4 MiB buffer
 * per flush in the worker's heap until its garbage collector next ran, which it does only after
 * tens of megabytes of such buffers (measured: peak RSS 220 MiB against 137 MiB with jobs on the
 * main thread). A staging buffer reused from flush to flush costs one memcpy and no allocation.
 */
export interface PackedEntries {
  shared: SharedArrayBuffer
  bufLength: number
  count: number
  orderCount: number
}

function align4 (n: number): number {
  return (n + 3) & ~3
}

/** Bytes a staging buffer needs for `entries`. */
export function packedSize (entries: SortedEntries): number {
  return align4(entries.buf.length) + 4 * (3 * entries.keyOffset.length + entries.order.length)
}

/** Copies `entries` into `shared` (at least packedSize(entries) bytes). */
export function packSortedEntries (entries: SortedEntries, shared: SharedArrayBuffer): PackedEntries {
  const count = entries.keyOffset.length
  const orderCount = entries.order.length
  new Uint8Array(shared, 0, entries.buf.length).set(entries.buf)
  let offset = align4(entries.buf.length)
  for (const array of [entries.keyOffset, entries.keyLength, entries.valueLength]) {
    new Uint32Array(shared, offset, count).set(array)
    offset += 4 * count
  }
  new Uint32Array(shared, offset, orderCount).set(entries.order)
  return { shared, bufLength: entries.buf.length, count, orderCount }
}

/** Views of a packed copy (no copying). */
export function unpackSortedEntries (packed: PackedEntries): SortedEntries {
  const { shared, bufLength, count, orderCount } = packed
  let offset = align4(bufLength)
  const next = (n: number): Uint32Array => {
    const array = new Uint32Array(shared, offset, n)
    offset += 4 * n
    return array
  }
  const buf = new Uint8Array(shared, 0, bufLength)
  const keyOffset = next(count)
  const keyLength = next(count)
  const valueLength = next(count)
  return { buf, keyOffset, keyLength, valueLength, order: next(orderCount) }
}
