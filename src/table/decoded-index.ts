// A table's index block decoded into flat arrays, so that a point lookup binary-searches it
// without parsing entries or decoding block handles on every probe.
//
// The index is kept as offsets into the index block's own bytes (its keys are stored whole:
// LevelDB writes index blocks with restart interval 1) plus the data-block handles as numbers,
// all in typed arrays. An earlier form kept one Uint8Array view per key: every probe of the
// binary search then touched a separate heap object and its buffer, and on a large heap those
// cache misses made the search cost about as much as decoding a cached data block
// (doc/performance.md, "Read path").
//
// Under a comparator that orders keys by their leading bytes (Comparator.bytewiseTrailer), each
// key but the last also gets an abbreviation: the four bytes that follow the prefix those keys
// share, as one unsigned number (zero-padded past the key's end). Two keys with different
// abbreviations compare as those numbers do, so most probes of a search compare two numbers and
// only equal abbreviations compare the keys. Index keys of one table often share a long prefix
// (db_bench's "%016d" keys: ten '0' bytes), which a byte comparison would walk on every probe.

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
  /** Made by the first find() under a comparator with bytewiseTrailer; null when unusable. */
  private abbreviations: Uint32Array | null | undefined
  /** The comparator the abbreviations were made for, and its trailer. */
  private abbreviatedFor: Comparator | undefined
  private trailer = 0
  /** Length of the prefix every key shares (in key bytes before the trailer). */
  private prefixLength = 0

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
    if (hasCompareAt(cmp)) {
      if (cmp.bytewiseTrailer !== undefined) {
        if (this.abbreviatedFor !== cmp) this.abbreviate(cmp, cmp.bytewiseTrailer)
        if (this.abbreviations !== null) return this.findAbbreviated(cmp, target)
      }
      return this.findByCompare(cmp, target)
    }
    let lo = 0
    let hi = this.count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cmp.compare(this.data.subarray(this.keyStarts[mid]!, this.keyEnds[mid]!), target) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /**
   * find() over the abbreviations, which cover every key but the last (see abbreviate()); every
   * key and the target have at least `trailer` bytes.
   */
  private findAbbreviated (cmp: RangeComparator, target: Uint8Array): number {
    const data = this.data
    const starts = this.keyStarts
    const ends = this.keyEnds
    const targetEnd = target.length - this.trailer
    if (targetEnd < 0) return this.findByCompare(cmp, target)
    const abbreviations = this.abbreviations!
    const m = abbreviations.length
    let lo = 0
    // Outside the shared prefix, the target is before or after every abbreviated key.
    const p = this.prefixLength
    const first = starts[0]!
    let j = 0
    for (; j < p; j++) {
      if (j === targetEnd) return 0
      const d = target[j]! - data[first + j]!
      if (d < 0) return 0
      if (d > 0) break
    }
    if (j < p) {
      lo = m
    } else {
      const abbreviation = abbreviationOf(target, p, targetEnd)
      let hi = m
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        const a = abbreviations[mid]!
        if (a < abbreviation || (a === abbreviation && cmp.compareAt(data, starts[mid]!, ends[mid]!, target, 0, target.length) < 0)) lo = mid + 1
        else hi = mid
      }
    }
    // Past every abbreviated key: the last key decides.
    if (lo === m && cmp.compareAt(data, starts[m]!, ends[m]!, target, 0, target.length) < 0) return m + 1
    return lo
  }

  private findByCompare (cmp: RangeComparator, target: Uint8Array): number {
    let lo = 0
    let hi = this.count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cmp.compareAt(this.data, this.keyStarts[mid]!, this.keyEnds[mid]!, target, 0, target.length) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /**
   * Makes the abbreviations for `cmp`, or records that they cannot be used (a key shorter than
   * the trailer). The last key is left out: a table's last index key is often a short successor
   * ("1" after "0000000000199999"), which would leave the others no shared prefix.
   */
  private abbreviate (cmp: Comparator, trailer: number): void {
    this.abbreviatedFor = cmp
    this.trailer = trailer
    this.abbreviations = null
    const m = this.count - 1
    if (m < 1) return
    const data = this.data
    const starts = this.keyStarts
    const ends = this.keyEnds
    for (let i = 0; i <= m; i++) if (ends[i]! - starts[i]! < trailer) return
    // Keys are sorted by their bytes before the trailer, so the prefix the first and the last
    // abbreviated key share is shared by every key between them.
    const a = starts[0]!
    const b = starts[m - 1]!
    const limit = Math.min(ends[0]! - trailer - a, ends[m - 1]! - trailer - b)
    let p = 0
    while (p < limit && data[a + p] === data[b + p]) p++
    const abbreviations = new Uint32Array(m)
    for (let i = 0; i < m; i++) abbreviations[i] = abbreviationOf(data, starts[i]! + p, ends[i]! - trailer)
    this.prefixLength = p
    this.abbreviations = abbreviations
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

type RangeComparator = Comparator & Required<Pick<Comparator, 'compareAt'>>

function hasCompareAt (cmp: Comparator): cmp is RangeComparator {
  return cmp.compareAt !== undefined
}

/** Bytes [from, from + 4) of `key` (zeros at and past `end`) as an unsigned big-endian number. */
function abbreviationOf (key: Uint8Array, from: number, end: number): number {
  const n = end - from
  if (n >= 4) return ((key[from]! << 24) | (key[from + 1]! << 16) | (key[from + 2]! << 8) | key[from + 3]!) >>> 0
  let v = 0
  for (let i = 0; i < 4; i++) v = v * 256 + (i < n ? key[from + i]! : 0)
  return v
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
