// A table's index block decoded into flat arrays, so that a point lookup binary-searches it
// without parsing entries or decoding block handles on every probe.
//
// The index is kept as offsets into the index block's own bytes (its keys are stored whole:
// LevelDB writes index blocks with restart interval 1) plus the data-block handles as numbers,
// all in typed arrays. An earlier form kept one Uint8Array view per key: every probe of the
// binary search then touched a separate heap object and its buffer, and on a large heap those
// cache misses made the search cost about as much as decoding a cached data block
// (doc/performance.md, "Read path").

import { Cursor } from '../util/coding.js'
import type { Comparator } from '../util/comparator.js'
import type { InternalIterator } from '../util/iterator.js'
import type { Block } from './block.js'
import { type BlockHandle, decodeBlockHandle } from './format.js'

export class DecodedIndex {
  readonly count: number
  /** The index block's bytes; key i is data[keyStarts[i], keyEnds[i]). */
  private readonly data: Uint8Array
  private readonly keyStarts: Int32Array
  private readonly keyEnds: Int32Array
  /** Value i, the encoded handle, is data[keyEnds[i], valueEnds[i]). */
  private readonly valueEnds: Int32Array
  private readonly offsets: Float64Array
  private readonly sizes: Float64Array

  private constructor (data: Uint8Array, keyStarts: Int32Array, keyEnds: Int32Array, valueEnds: Int32Array,
    offsets: Float64Array, sizes: Float64Array) {
    this.count = keyStarts.length
    this.data = data
    this.keyStarts = keyStarts
    this.keyEnds = keyEnds
    this.valueEnds = valueEnds
    this.offsets = offsets
    this.sizes = sizes
  }

  /**
   * Decodes `block` if every entry stores its whole key and a well-formed handle; otherwise
   * null, and the caller reads the index through a block iterator, which reports damage.
   */
  static decode (block: Block): DecodedIndex | null {
    const data = block.data
    const limit = block.restartOffset
    const cursor = new Cursor(data, 0, limit)
    const starts: number[] = []
    const ends: number[] = []
    const valueEnds: number[] = []
    const offsets: number[] = []
    const sizes: number[] = []
    try {
      while (cursor.pos < limit) {
        if (cursor.varint32() !== 0) return null
        const keyLength = cursor.varint32()
        const valueLength = cursor.varint32()
        const keyStart = cursor.pos
        if (keyLength > limit - keyStart || valueLength > limit - keyStart - keyLength) return null
        cursor.pos = keyStart + keyLength
        const valueEnd = cursor.pos + valueLength
        // The handle is decoded within the value's bounds, as a lone value would be.
        const handle = decodeBlockHandle(new Cursor(data, cursor.pos, valueEnd))
        cursor.pos = valueEnd
        starts.push(keyStart)
        ends.push(keyStart + keyLength)
        valueEnds.push(valueEnd)
        offsets.push(handle.offset)
        sizes.push(handle.size)
      }
    } catch {
      return null
    }
    return new DecodedIndex(data, Int32Array.from(starts), Int32Array.from(ends), Int32Array.from(valueEnds),
      Float64Array.from(offsets), Float64Array.from(sizes))
  }

  /** The position of the first key >= target under `cmp`, or count if there is none. */
  find (cmp: Comparator, target: Uint8Array): number {
    const data = this.data
    const starts = this.keyStarts
    const ends = this.keyEnds
    let lo = 0
    let hi = this.count
    if (cmp.compareAt !== undefined) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (cmp.compareAt(data, starts[mid]!, ends[mid]!, target, 0, target.length) < 0) lo = mid + 1
        else hi = mid
      }
    } else {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (cmp.compare(data.subarray(starts[mid]!, ends[mid]!), target) < 0) lo = mid + 1
        else hi = mid
      }
    }
    return lo
  }

  /** The handle of the data block at position i (< count). */
  handle (i: number): BlockHandle {
    return { offset: this.offsets[i]!, size: this.sizes[i]! }
  }

  /** Key i as a view of the index block. */
  key (i: number): Uint8Array {
    return this.data.subarray(this.keyStarts[i]!, this.keyEnds[i]!)
  }

  /** Value i (the encoded handle) as a view of the index block. */
  value (i: number): Uint8Array {
    return this.data.subarray(this.keyEnds[i]!, this.valueEnds[i]!)
  }
}

/**
 * Iterates a decoded index as an index block iterator would, for a table iterator: a seek is a
 * binary search over the arrays, with no entry parsing and no view made per probe.
 */
export class DecodedIndexIterator implements InternalIterator {
  private readonly index: DecodedIndex
  private readonly cmp: Comparator
  /** index.count when not positioned. */
  private pos: number
  private keyView: Uint8Array | undefined

  constructor (index: DecodedIndex, cmp: Comparator) {
    this.index = index
    this.cmp = cmp
    this.pos = index.count
  }

  valid (): boolean {
    return this.pos < this.index.count
  }

  seekToFirst (): void {
    this.moveTo(0)
  }

  seekToLast (): void {
    this.moveTo(this.index.count === 0 ? 0 : this.index.count - 1)
  }

  seek (target: Uint8Array): void {
    this.moveTo(this.index.find(this.cmp, target))
  }

  next (): void {
    if (this.valid()) this.moveTo(this.pos + 1)
  }

  prev (): void {
    if (this.valid()) this.moveTo(this.pos === 0 ? this.index.count : this.pos - 1)
  }

  key (): Uint8Array {
    let view = this.keyView
    if (view === undefined) view = this.keyView = this.index.key(this.pos)
    return view
  }

  value (): Uint8Array {
    return this.index.value(this.pos)
  }

  checkError (): void {}

  close (): void {}

  private moveTo (pos: number): void {
    this.pos = pos
    this.keyView = undefined
  }
}
