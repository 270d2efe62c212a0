// Reads one block (doc/table.md, "Blocks"): prefix-compressed entries followed by an array of
// restart offsets and their count. The iterator binary-searches the restart points, whose keys
// are stored whole, then decodes forward.
//
// Block bytes come from disk and may be damaged even when their checksum passed (checksums can be
// turned off), so every length is checked against the block's bounds before it is used. A damaged
// entry sets a sticky LEVEL_CORRUPTION error and invalidates the iterator; nothing here throws a
// RangeError or loops forever, because every step moves strictly forward through the block.

import { Cursor, decodeFixed32 } from '../util/coding.js'
import type { Comparator } from '../util/comparator.js'
import { corruption, type ShaleError } from '../util/errors.js'
import type { InternalIterator } from '../util/iterator.js'

export interface BlockLocation {
  /** Named in corruption errors. */
  fileName?: string
  /** File offset of the block, named in corruption errors. */
  offset?: number
}

export class Block {
  readonly data: Uint8Array
  /** Offset of the restart array within `data`. */
  readonly restartOffset: number
  readonly numRestarts: number
  readonly location: BlockLocation

  /** Throws LEVEL_CORRUPTION if the restart array cannot fit in the block. */
  constructor (contents: Uint8Array, location: BlockLocation = {}) {
    // A Node Buffer (what a file read may return) has a much slower subarray(), and the iterator
    // takes one per key: view the same memory as a plain Uint8Array.
    this.data = Object.getPrototypeOf(contents) === Uint8Array.prototype
      ? contents
      : new Uint8Array(contents.buffer, contents.byteOffset, contents.length)
    this.location = location
    if (contents.length < 4) {
      throw corruption('bad block contents (shorter than its restart count)', { file: location.fileName, offset: location.offset })
    }
    const numRestarts = decodeFixed32(this.data, contents.length - 4)
    const maxRestarts = Math.floor((contents.length - 4) / 4)
    if (numRestarts > maxRestarts) {
      throw corruption(`bad block contents (${numRestarts} restarts in ${contents.length} bytes)`, { file: location.fileName, offset: location.offset })
    }
    this.numRestarts = numRestarts
    this.restartOffset = contents.length - (1 + numRestarts) * 4
  }

  /** Bytes held, for cache charging. */
  get size (): number {
    return this.data.length
  }

  newIterator (comparator: Comparator): BlockIterator {
    return new BlockIterator(this, comparator)
  }

  /**
   * All entries as views into the block, if no entry shares a key prefix (the shape of an index
   * block, whose restart interval is 1); otherwise, or if any entry is malformed, null. Lets a
   * reader keep an index as arrays and binary-search it without decoding on every lookup.
   */
  unsharedEntries (): { keys: Uint8Array[], values: Uint8Array[] } | null {
    const data = this.data
    const limit = this.restartOffset
    const cursor = new Cursor(data, 0, limit)
    const keys: Uint8Array[] = []
    const values: Uint8Array[] = []
    try {
      while (cursor.pos < limit) {
        if (cursor.varint32() !== 0) return null
        const keyLength = cursor.varint32()
        const valueLength = cursor.varint32()
        keys.push(cursor.bytes(keyLength))
        values.push(cursor.bytes(valueLength))
      }
    } catch {
      return null
    }
    return { keys, values }
  }
}

export class BlockIterator implements InternalIterator {
  private data!: Uint8Array
  private block!: Block
  private readonly comparator: Comparator
  /** Where entries end and the restart array begins. */
  private limit = 0
  private numRestarts = 0

  /** Offset of the current entry; equal to `limit` when not positioned. */
  private current = 0
  /** Index of the restart point at or before `current`. */
  private restartIndex = 0
  /** Offset of restart point restartIndex + 1 (Infinity if none): when parsing reaches it, restartIndex moves. */
  private nextRestartOffset = 0
  private nextOffset = 0
  private keyBuf = new Uint8Array(32)
  private keyLength = 0
  /**
   * A view of keyBuf[0, keyLength). It aliases the buffer, so it is kept while the length and the
   * buffer stay the same: scanning keys of one length allocates nothing. (Callers may rely on a
   * key only until the iterator moves, as InternalIterator says.)
   */
  private keyView: Uint8Array | undefined
  private valueOffset = 0
  private valueLength = 0
  private error: ShaleError | undefined

  // The header of the entry decoded last by decodeHeader().
  private hShared = 0
  private hNonShared = 0
  private hValueLength = 0
  private hKeyStart = 0
  private readonly cursor = new Cursor(new Uint8Array(0))

  constructor (block: Block, comparator: Comparator) {
    this.comparator = comparator
    this.retarget(block)
  }

  /**
   * Points this iterator at another block (unpositioned, errors cleared), keeping its buffers:
   * lets a reader that looks up one key at a time reuse a single iterator.
   */
  retarget (block: Block): void {
    this.block = block
    this.data = block.data
    this.limit = block.restartOffset
    this.numRestarts = block.numRestarts
    this.cursor.buf = this.data
    this.cursor.end = this.limit
    this.error = undefined
    this.markEnd()
  }

  valid (): boolean {
    return this.current < this.limit
  }

  key (): Uint8Array {
    let view = this.keyView
    if (view === undefined || view.length !== this.keyLength) {
      view = this.keyBuf.subarray(0, this.keyLength)
      this.keyView = view
    }
    return view
  }

  value (): Uint8Array {
    return this.data.subarray(this.valueOffset, this.valueOffset + this.valueLength)
  }

  checkError (): void {
    if (this.error !== undefined) throw this.error
  }

  close (): void {}

  seekToFirst (): void {
    if (this.error !== undefined || this.numRestarts === 0) return this.markEnd()
    if (!this.seekToRestartPoint(0)) return
    this.parseNextKey()
  }

  seekToLast (): void {
    if (this.error !== undefined || this.numRestarts === 0) return this.markEnd()
    if (!this.seekToRestartPoint(this.numRestarts - 1)) return
    while (this.parseNextKey() && this.nextOffset < this.limit) {
      // Keep going to the last entry.
    }
  }

  seek (target: Uint8Array): void {
    if (this.error !== undefined || this.numRestarts === 0) return this.markEnd()
    // Find the last restart point whose key is < target; everything before it is smaller too.
    let left = 0
    let right = this.numRestarts - 1
    const cmp = this.comparator
    while (left < right) {
      const mid = (left + right + 1) >>> 1
      const offset = this.restartPoint(mid)
      if (offset < 0 || !this.decodeHeader(offset)) return
      if (this.hShared !== 0) return this.fail('restart entry with a shared key prefix', offset)
      const key = this.data.subarray(this.hKeyStart, this.hKeyStart + this.hNonShared)
      if (cmp.compare(key, target) < 0) left = mid
      else right = mid - 1
    }
    if (!this.seekToRestartPoint(left)) return
    // Linear scan to the first key >= target. Each step advances, so this ends.
    while (this.parseNextKey()) {
      if (cmp.compare(this.key(), target) >= 0) return
    }
  }

  next (): void {
    if (!this.valid()) return
    this.parseNextKey()
  }

  prev (): void {
    if (!this.valid()) return
    const original = this.current
    // Back up to a restart point strictly before the current entry.
    while (this.restartPointRaw(this.restartIndex) >= original) {
      if (this.restartIndex === 0) return this.markEnd()
      this.restartIndex--
    }
    if (!this.seekToRestartPoint(this.restartIndex)) return
    // Decode forward until the entry just before `original`.
    while (this.parseNextKey() && this.nextOffset < original) {
      // Keep going.
    }
  }

  private restartPointRaw (index: number): number {
    return decodeFixed32(this.data, this.limit + index * 4)
  }

  /** The offset of restart point `index`, or -1 (with the error set) if it is out of bounds. */
  private restartPoint (index: number): number {
    const offset = this.restartPointRaw(index)
    // Equal to the limit only in a block without entries, where parsing simply finds the end.
    if (offset > this.limit) {
      this.fail(`restart point ${index} (${offset}) outside the block's entries`, this.limit + index * 4)
      return -1
    }
    return offset
  }

  private seekToRestartPoint (index: number): boolean {
    const offset = this.restartPoint(index)
    if (offset < 0) return false
    this.keyLength = 0
    this.restartIndex = index
    this.nextRestartOffset = 0 // recomputed by the next parseNextKey()
    // parseNextKey() starts from nextOffset.
    this.nextOffset = offset
    return true
  }

  /**
   * Decodes the three varints of the entry at `offset` into the h* fields and checks that the
   * key suffix and value fit before the restart array. On damage, sets the error and returns false.
   */
  private decodeHeader (offset: number): boolean {
    const data = this.data
    const limit = this.limit
    let shared: number
    let nonShared: number
    let valueLength: number
    let p: number
    if (offset + 3 <= limit && (data[offset]! | data[offset + 1]! | data[offset + 2]!) < 128) {
      // Fast path: all three lengths fit in one byte each.
      shared = data[offset]!
      nonShared = data[offset + 1]!
      valueLength = data[offset + 2]!
      p = offset + 3
    } else {
      const c = this.cursor
      c.pos = offset
      try {
        shared = c.varint32()
        nonShared = c.varint32()
        valueLength = c.varint32()
      } catch {
        this.fail('bad entry in block (truncated or overlong length)', offset)
        return false
      }
      p = c.pos
    }
    if (nonShared > limit - p || valueLength > limit - p - nonShared) {
      this.fail('bad entry in block (lengths run past the entries)', offset)
      return false
    }
    this.hShared = shared
    this.hNonShared = nonShared
    this.hValueLength = valueLength
    this.hKeyStart = p
    return true
  }

  /** Decodes the entry at nextOffset and makes it current; false at the end or on damage. */
  private parseNextKey (): boolean {
    const offset = this.nextOffset
    if (offset >= this.limit) {
      this.markEnd()
      return false
    }
    if (!this.decodeHeader(offset)) return false
    const shared = this.hShared
    const nonShared = this.hNonShared
    if (shared > this.keyLength) {
      this.fail('bad entry in block (shares more bytes than the previous key has)', offset)
      return false
    }
    const keyLength = shared + nonShared
    if (keyLength > this.keyBuf.length) {
      const grown = new Uint8Array(Math.max(keyLength, this.keyBuf.length * 2))
      grown.set(this.keyBuf.subarray(0, shared))
      this.keyBuf = grown
      this.keyView = undefined
    }
    const data = this.data
    const start = this.hKeyStart
    if (nonShared <= 32) {
      // Short suffixes (the common case after prefix compression): a loop beats subarray + set.
      const keyBuf = this.keyBuf
      for (let i = 0; i < nonShared; i++) keyBuf[shared + i] = data[start + i]!
    } else {
      this.keyBuf.set(data.subarray(start, start + nonShared), shared)
    }
    this.keyLength = keyLength
    this.current = offset
    this.valueOffset = this.hKeyStart + nonShared
    this.valueLength = this.hValueLength
    this.nextOffset = this.valueOffset + this.valueLength
    // Keep restartIndex at the last restart point at or before the current entry. Checking the
    // cached next restart offset first keeps the common step free of restart-array reads.
    if (offset >= this.nextRestartOffset) {
      while (this.restartIndex + 1 < this.numRestarts && this.restartPointRaw(this.restartIndex + 1) <= offset) {
        this.restartIndex++
      }
      this.nextRestartOffset = this.restartIndex + 1 < this.numRestarts ? this.restartPointRaw(this.restartIndex + 1) : Infinity
    }
    return true
  }

  private markEnd (): void {
    this.current = this.limit
    this.restartIndex = this.numRestarts
    this.nextOffset = this.limit
    this.keyLength = 0
  }

  private fail (message: string, offsetInBlock: number): void {
    if (this.error === undefined) {
      const loc = this.block.location
      this.error = corruption(`${message} at block byte ${offsetInBlock}`, { file: loc.fileName, offset: loc.offset })
    }
    this.markEnd()
  }
}
