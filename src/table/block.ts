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
import { freeBlockBuffer } from './block-buffers.js'

const EMPTY = new Uint8Array(0)
/** Stands for "no run recorded yet"; never written to. */
const NO_RUN: number[] = []

interface BlockLocation {
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
  /** Whether `data` is memory from takeBlockBuffer(), to go back to it (release()). */
  private pooled = false
  /** Set once an iterator is made over the block: its views may outlive the block's time in a cache. */
  private iterated = false

  /** A block over memory from takeBlockBuffer() (block-buffers.ts). */
  static pooled (contents: Uint8Array, location: BlockLocation): Block {
    const block = new Block(contents, location)
    block.pooled = true
    return block
  }

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

  /** Bytes held, for cache charging: the whole buffer for pooled memory, which has some slack. */
  get size (): number {
    return this.pooled ? this.data.buffer.byteLength : this.data.length
  }

  newIterator (comparator: Comparator): BlockIterator {
    this.iterated = true
    return new BlockIterator(this, comparator)
  }

  /**
   * Called when the block leaves the block cache. Its memory goes back for reuse when it came
   * from takeBlockBuffer() and no iterator was ever made over it: only gets read it, and a get
   * is done with a block when it returns. A get's reused iterator (BlockIterator.retarget) keeps
   * pointing at its last block, but reads it only after retargeting to another.
   */
  release (): void {
    if (!this.pooled || this.iterated) return
    this.pooled = false
    freeBlockBuffer(this.data.buffer as ArrayBuffer)
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
  /** Grown at the first entry parsed: iterators are made per table and per seek, often for one key. */
  private keyBuf = EMPTY
  private keyLength = 0
  /**
   * A view of keyBuf[0, keyLength). It aliases the buffer, so it is kept while the length and the
   * buffer stay the same: scanning keys of one length allocates nothing. (Callers may rely on a
   * key only until the iterator moves, as InternalIterator says.)
   */
  private keyView: Uint8Array | undefined
  private valueOffset = 0
  private valueLength = 0
  /** A view of the current value, made at the first value() call and kept until the iterator moves. */
  private valueView: Uint8Array | undefined
  private error: ShaleError | undefined

  /**
   * The restart run recorded by decodeRun(): the offsets of its entries, their keys end to end in
   * runKeys (entry i ends at runKeyEnds[i]), and the position of the current entry in it, or -1
   * when the current entry is not the one recorded there (checked against runOffsets).
   */
  private runOffsets: number[] = NO_RUN
  private runKeyEnds: number[] = NO_RUN
  private runKeys = EMPTY
  private runPos = -1
  private runRestartIndex = 0

  // The header of the entry decoded last by decodeHeader().
  private hShared = 0
  private hNonShared = 0
  private hValueLength = 0
  private hKeyStart = 0
  /** For headers with multi-byte varints (the slow path of decodeHeader); made when first needed. */
  private cursor: Cursor | undefined

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
    this.error = undefined
    this.runPos = -1
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
    let view = this.valueView
    if (view === undefined) view = this.valueView = this.data.subarray(this.valueOffset, this.valueOffset + this.valueLength)
    return view
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
    this.decodeRun(this.numRestarts - 1, this.limit)
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
      const start = this.hKeyStart
      const end = start + this.hNonShared
      const r = cmp.compareAt !== undefined
        ? cmp.compareAt(this.data, start, end, target, 0, target.length)
        : cmp.compare(this.data.subarray(start, end), target)
      if (r < 0) left = mid
      else right = mid - 1
    }
    if (!this.seekToRestartPoint(left)) return
    // Linear scan to the first key >= target. Each step advances, so this ends.
    while (this.parseNextKey()) {
      const r = cmp.compareAt !== undefined
        ? cmp.compareAt(this.keyBuf, 0, this.keyLength, target, 0, target.length)
        : cmp.compare(this.key(), target)
      if (r >= 0) return
    }
  }

  next (): void {
    if (!this.valid()) return
    this.parseNextKey()
  }

  prev (): void {
    if (!this.valid()) return
    const original = this.current
    const pos = this.runPos
    if (pos > 0 && this.runOffsets[pos] === original) return this.restoreRunEntry(pos - 1)
    // Back up to a restart point strictly before the current entry.
    while (this.restartPointRaw(this.restartIndex) >= original) {
      if (this.restartIndex === 0) return this.markEnd()
      this.restartIndex--
    }
    this.decodeRun(this.restartIndex, original)
  }

  /**
   * Decodes forward from restart point `index` to the last entry that starts before `stop`,
   * which becomes current, and records every entry decoded on the way (offset and whole key) so
   * that the prev() calls that follow step back through them without decoding the run again:
   * reverse iteration then decodes each entry about twice instead of half a restart interval
   * times.
   */
  private decodeRun (index: number, stop: number): void {
    if (!this.seekToRestartPoint(index)) return
    this.runRestartIndex = index
    if (this.runOffsets === NO_RUN) {
      this.runOffsets = []
      this.runKeyEnds = []
    }
    let count = 0
    let keyEnd = 0
    while (this.parseNextKey()) {
      const n = this.keyLength
      if (keyEnd + n > this.runKeys.length) {
        const grown = new Uint8Array(Math.max(keyEnd + n, this.runKeys.length * 2, 256))
        grown.set(this.runKeys.subarray(0, keyEnd))
        this.runKeys = grown
      }
      const keys = this.runKeys
      const keyBuf = this.keyBuf
      for (let i = 0; i < n; i++) keys[keyEnd + i] = keyBuf[i]!
      keyEnd += n
      this.runOffsets[count] = this.current
      this.runKeyEnds[count] = keyEnd
      count++
      if (this.nextOffset >= stop) break
    }
    if (this.valid()) this.runPos = count - 1
  }

  /** Makes entry `pos` of the recorded run current again. */
  private restoreRunEntry (pos: number): void {
    const offset = this.runOffsets[pos]!
    // The entry decoded cleanly when it was recorded; decodeHeader checks it again regardless.
    if (!this.decodeHeader(offset)) return
    const keyStart = pos === 0 ? 0 : this.runKeyEnds[pos - 1]!
    const n = this.runKeyEnds[pos]! - keyStart
    // Recorded keys fit in keyBuf: it held each of them and never shrinks.
    const keyBuf = this.keyBuf
    const keys = this.runKeys
    for (let i = 0; i < n; i++) keyBuf[i] = keys[keyStart + i]!
    this.keyLength = n
    this.current = offset
    this.valueOffset = this.hKeyStart + this.hNonShared
    this.valueLength = this.hValueLength
    this.valueView = undefined
    this.nextOffset = this.valueOffset + this.valueLength
    this.restartIndex = this.runRestartIndex
    // Let the next parseNextKey() recompute the following restart point from restartIndex.
    this.nextRestartOffset = 0
    this.runPos = pos
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
    this.runPos = -1
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
      let c = this.cursor
      if (c === undefined) c = this.cursor = new Cursor(data, offset, limit)
      c.buf = data
      c.end = limit
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
      const grown = new Uint8Array(Math.max(keyLength, this.keyBuf.length * 2, 32))
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
    this.valueView = undefined
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
    this.valueView = undefined
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
