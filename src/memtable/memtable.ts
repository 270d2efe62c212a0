// The memtable: recent writes, ordered by internal key, until they are flushed to a level-0
// table. Entries live in an EntryArena; a B+-tree over arena entry numbers gives the order
// (doc/memtable.md says why it is not LevelDB's skiplist). A read at a snapshot is a seek for
// (user key, snapshot sequence): the first entry at or after it is the newest version that
// snapshot may see.

import {
  InternalKeyComparator, TAG_SIZE, ValueType, type LookupKey
} from '../dbformat/internal-key.js'
import type { WriteBatch } from '../dbformat/write-batch.js'
import { corruption } from '../util/errors.js'
import type { InternalIterator } from '../util/iterator.js'
import { EntryArena } from './arena.js'
import { BTreeIndex, type BTreeCursor } from './btree-index.js'
import type { SortedEntries } from './sorted-entries.js'

/** Returned by MemTable.get when the newest visible version of the key is a deletion. */
export const DELETED: unique symbol = Symbol('deleted')
type Deleted = typeof DELETED

// Per-entry memory besides the key and value bytes, rounded from a measurement (bench/memtable.ts:
// heap plus array buffers grow by 44 bytes per entry beyond the data for a presized 200,000-entry
// memtable): 12 bytes of offset and length arrays, the rest tree nodes (an id and an
// abbreviation per entry, nodes partly full) and array growth room. LevelDB's arena charges about
// 20 bytes per entry for the same purpose, so a memtable here holds slightly fewer entries than
// LevelDB's at the same write_buffer_size.
const ENTRY_OVERHEAD = 40

export interface MemTableOptions {
  /**
   * Initial arena size in bytes (default 64 KiB). The arena doubles when full; the db layer can
   * pass a little more than its write buffer size so that it never has to.
   */
  initialBytes?: number
  /** An arena to reuse (emptied here) instead of a new one: see takeArena. */
  arena?: EntryArena
}

export class MemTable {
  readonly comparator: InternalKeyComparator
  private readonly arena: EntryArena
  private readonly index: BTreeIndex
  /** Iterators created and not yet closed: while any is open, the arena cannot be reused. */
  private openIterators = 0

  constructor (comparator: InternalKeyComparator = new InternalKeyComparator(), options: MemTableOptions = {}) {
    this.comparator = comparator
    if (options.arena !== undefined) options.arena.reset()
    this.arena = options.arena ?? new EntryArena(options.initialBytes)
    this.index = new BTreeIndex(this.arena, comparator)
  }

  /**
   * The arena, for the next memtable to reuse, if no iterator over this one is open; undefined
   * otherwise. The caller promises that nothing reads this memtable any more (it was flushed and
   * dropped, and lookups copy what they find before returning): the next memtable overwrites the
   * bytes. Reusing the arena spares a zeroed allocation of the whole write buffer per memtable,
   * and the garbage it leaves, which only a full collection of the heap frees.
   */
  takeArena (): EntryArena | undefined {
    return this.openIterators === 0 ? this.arena : undefined
  }

  /** Adds one entry. Deletions carry an empty value. (userKey, sequence) must be new. */
  add (sequence: number, type: ValueType, userKey: Uint8Array, value: Uint8Array): void {
    this.index.insert(this.arena.append(sequence, type, userKey, value))
  }

  /**
   * Applies every operation of `batch`, the i-th at batch.sequence + i. A malformed batch throws
   * LEVEL_CORRUPTION after the operations before the damage were added, as in LevelDB.
   */
  addBatch (batch: WriteBatch): void {
    let sequence = batch.sequence
    const arena = this.arena
    const index = this.index
    batch.iterateRaw((type, buf, keyStart, keyLength, valueStart, valueLength) => {
      index.insert(arena.appendFrom(sequence++, type, buf, keyStart, keyLength, buf, valueStart, valueLength))
    })
  }

  /**
   * The newest version of key.userKey() with sequence <= the lookup's snapshot: its value (a
   * view into the memtable: copy it before handing it to a user who may change it), DELETED, or
   * undefined when the memtable holds no version of the key visible at that snapshot.
   */
  get (key: LookupKey): Uint8Array | Deleted | undefined {
    const target = key.internalKey()
    const id = this.index.seekId(target)
    if (id < 0) return undefined
    const arena = this.arena
    const buf = arena.buf
    const start = arena.keyOffset[id]!
    const keyLength = arena.keyLength[id]!
    const tag = start + keyLength - TAG_SIZE
    if (this.comparator.compareUserAt(buf, start, tag, target, 0, target.length - TAG_SIZE) !== 0) return undefined
    const type = buf[tag]!
    if (type === ValueType.Value) {
      const valueStart = start + keyLength
      return buf.subarray(valueStart, valueStart + arena.valueLength[id]!)
    }
    if (type === ValueType.Deletion) return DELETED
    throw corruption('corrupted key in memtable')
  }

  /** Bytes held: keys, values and per-entry bookkeeping. Compared to write_buffer_size. */
  approximateMemoryUsage (): number {
    return this.arena.used + this.arena.count * ENTRY_OVERHEAD
  }

  /** Number of entries. */
  get size (): number {
    return this.arena.count
  }

  /**
   * An iterator over internal keys. It stays valid, and keeps its place, while entries are
   * added; it sees entries added after it was created when it reaches them.
   */
  newIterator (): InternalIterator {
    this.openIterators++
    return new MemTableIterator(this.arena, this.index.cursor(), () => { this.openIterators-- })
  }

  /**
   * The entries as plain data in key order, for a flush in another thread. The arrays are views
   * of the memtable's own storage: valid as long as nothing more is added (a memtable being
   * flushed is immutable).
   */
  sortedEntries (): SortedEntries {
    const arena = this.arena
    const order = new Uint32Array(arena.count)
    const cursor = this.index.cursor()
    let n = 0
    for (cursor.seekToFirst(); cursor.id >= 0; cursor.next()) order[n++] = cursor.id
    return {
      buf: arena.buf.subarray(0, arena.used),
      keyOffset: arena.keyOffset.subarray(0, arena.count),
      keyLength: arena.keyLength.subarray(0, arena.count),
      valueLength: arena.valueLength.subarray(0, arena.count),
      order: order.subarray(0, n)
    }
  }
}

class MemTableIterator implements InternalIterator {
  private readonly arena: EntryArena
  private readonly cursor: BTreeCursor
  private onClose: (() => void) | undefined

  constructor (arena: EntryArena, cursor: BTreeCursor, onClose: () => void) {
    this.arena = arena
    this.cursor = cursor
    this.onClose = onClose
  }

  valid (): boolean {
    return this.cursor.id >= 0
  }

  seekToFirst (): void {
    this.cursor.seekToFirst()
  }

  seekToLast (): void {
    this.cursor.seekToLast()
  }

  seek (target: Uint8Array): void {
    this.cursor.seek(target)
  }

  next (): void {
    this.cursor.next()
  }

  prev (): void {
    this.cursor.prev()
  }

  key (): Uint8Array {
    return this.arena.key(this.cursor.id)
  }

  value (): Uint8Array {
    return this.arena.value(this.cursor.id)
  }

  checkError (): void {}

  close (): void {
    this.onClose?.()
    this.onClose = undefined
  }
}
