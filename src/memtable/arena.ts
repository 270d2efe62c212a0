// The memtable's storage: every entry's internal key and value, copied back to back into one
// growing byte buffer, and three typed arrays that say where entry i starts and how long its key
// and value are. An entry is named by its index, a small integer, so the ordered index above it
// holds plain numbers instead of one JavaScript object per entry: inserts allocate nothing but
// the copied bytes, the garbage collector has almost nothing to trace, and memory use is close
// to the byte count LevelDB's arena would report.
//
// Entries are never changed or removed. When the buffer grows, the bytes move to a new buffer
// but the old one is left as it was, so views handed out earlier (iterator keys, values returned
// by get) stay valid.

import { encodeTag, TAG_SIZE } from '../dbformat/internal-key.js'
import { invalidArgument } from '../util/errors.js'
import { NodeSlab } from './node-slab.js'

const DEFAULT_INITIAL_BYTES = 64 * 1024
const INITIAL_ENTRIES = 1024
// Offsets are held in Uint32Arrays.
const MAX_ARENA_BYTES = 2 ** 32 - 1

export class EntryArena {
  /** Holds entries [0, count); replaced (not mutated) when it grows. */
  buf: Uint8Array
  used = 0
  count = 0
  /** Start of entry i's internal key in `buf`; its value follows the key. */
  keyOffset: Uint32Array
  keyLength: Uint32Array
  valueLength: Uint32Array
  /** The ordered index's node storage, reused with the arena (node-slab.ts). */
  readonly nodes = new NodeSlab()

  constructor (initialBytes = DEFAULT_INITIAL_BYTES) {
    this.buf = new Uint8Array(Math.max(64, initialBytes))
    this.keyOffset = new Uint32Array(INITIAL_ENTRIES)
    this.keyLength = new Uint32Array(INITIAL_ENTRIES)
    this.valueLength = new Uint32Array(INITIAL_ENTRIES)
  }

  /**
   * Forgets every entry and keeps the buffers, for a new memtable (MemTable.takeArena says when
   * nothing can read the old entries any more).
   */
  reset (): void {
    this.used = 0
    this.count = 0
    this.nodes.reset()
  }

  /** Copies (userKey + tag, value) in and returns the new entry's index. */
  append (sequence: number, type: number, userKey: Uint8Array, value: Uint8Array): number {
    return this.appendFrom(sequence, type, userKey, 0, userKey.length, value, 0, value.length)
  }

  /**
   * As append(), with the key and value given as ranges of byte arrays (the memtable copies
   * records straight out of a WriteBatch this way, without making views of them).
   */
  appendFrom (sequence: number, type: number, keySrc: Uint8Array, keyStart: number, userKeyLength: number,
    valueSrc: Uint8Array, valueStart: number, valueLength: number): number {
    const keyLength = userKeyLength + TAG_SIZE
    const size = keyLength + valueLength
    if (this.used + size > this.buf.length) this.growBytes(size)
    const id = this.count
    if (id === this.keyOffset.length) this.growEntries()
    const buf = this.buf
    const start = this.used
    copyInto(buf, start, keySrc, keyStart, userKeyLength)
    encodeTag(buf, start + userKeyLength, sequence, type)
    copyInto(buf, start + keyLength, valueSrc, valueStart, valueLength)
    this.keyOffset[id] = start
    this.keyLength[id] = keyLength
    this.valueLength[id] = valueLength
    this.used = start + size
    this.count = id + 1
    return id
  }

  /** Entry id's internal key, as a view. */
  key (id: number): Uint8Array {
    const start = this.keyOffset[id]!
    return this.buf.subarray(start, start + this.keyLength[id]!)
  }

  /** Entry id's value, as a view. */
  value (id: number): Uint8Array {
    const start = this.keyOffset[id]! + this.keyLength[id]!
    return this.buf.subarray(start, start + this.valueLength[id]!)
  }

  private growBytes (extra: number): void {
    const need = this.used + extra
    if (need > MAX_ARENA_BYTES) throw invalidArgument('memtable is larger than 4 GiB')
    let capacity = this.buf.length * 2
    while (capacity < need) capacity *= 2
    const next = new Uint8Array(Math.min(capacity, MAX_ARENA_BYTES))
    next.set(this.buf.subarray(0, this.used))
    this.buf = next
  }

  private growEntries (): void {
    const n = this.keyOffset.length * 2
    this.keyOffset = grown(this.keyOffset, n)
    this.keyLength = grown(this.keyLength, n)
    this.valueLength = grown(this.valueLength, n)
  }
}

function grown (a: Uint32Array, n: number): Uint32Array {
  const out = new Uint32Array(n)
  out.set(a)
  return out
}

/** Below this many bytes a loop copies faster than set(), which needs a view (an allocation). */
const SHORT_COPY = 32

function copyInto (dst: Uint8Array, at: number, src: Uint8Array, start: number, length: number): void {
  if (length <= SHORT_COPY) {
    for (let i = 0; i < length; i++) dst[at + i] = src[start + i]!
  } else {
    dst.set(start === 0 && length === src.length ? src : src.subarray(start, start + length), at)
  }
}
