// Open tables by file number. Opening a table costs a file open plus reading its footer, index and
// filter, so the most recently used ones are kept open, up to maxOpenFiles - 10 of them (the rest
// of the budget is left for logs and the MANIFEST).
//
// The LRU cache decides which tables stay open but does not pin them: an iterator may outlive its
// table's stay in the cache (evicted for room, or because compaction deleted the file). Each open
// table therefore carries its own count of users, and its file is closed only when it has left
// the cache AND nobody uses it any more. A deleted file that is still open stays readable on every
// Env the engine supports, which is what lets old Versions be read while newer ones replace them.
//
// A read-only open goes one step further (pinFile): it opens the files of its tables at once and
// keeps them open until close, so that tables another process compacts away and deletes later
// stay readable. Only the file is opened ahead; the table is still parsed on first use.

import type { Env, RandomAccessFile } from '../env/env.js'
import { isNotFound } from '../env/env.js'
import { sstTableFileName, tableFileName } from '../dbformat/filename.js'
import type { InternalKeyComparator } from '../dbformat/internal-key.js'
import type { FilterPolicy } from '../table/filter-policy.js'
import { Table, type BlockCache } from '../table/table.js'
import { corruption } from '../util/errors.js'
import type { InternalIterator } from '../util/iterator.js'
import { LruCache } from '../util/lru-cache.js'
import { TABLE_CACHE_RESERVED_FILES } from './policy.js'

interface TableCacheOptions {
  icmp: InternalKeyComparator
  /** Already wrapped for internal keys (InternalFilterPolicy). */
  filterPolicy?: FilterPolicy
  blockCache?: BlockCache
  maxOpenFiles: number
  /** Verify block checksums on every read (default true, README contract 6). */
  verifyChecksums?: boolean
}

export interface TableCacheReadOptions {
  /** Whether data blocks read are added to the block cache (default true). */
  fillCache?: boolean
  /** get() only: throw a BlockMiss rather than read a data block that is not cached (see Table). */
  cachedOnly?: boolean
}

/** An open table and who is using it. */
class OpenTable {
  readonly table: Table
  readonly file: RandomAccessFile
  /** Iterators and reads in progress. */
  users = 0
  /** Left the LRU cache; the file closes when the last user goes. */
  evicted = false
  private closed = false
  /** The file is pinned: the cache closes it at close(), not when this table leaves the cache. */
  private readonly pinned: boolean

  constructor (table: Table, file: RandomAccessFile, pinned: boolean) {
    this.table = table
    this.file = file
    this.pinned = pinned
  }

  closeIfUnused (): void {
    if (!this.evicted || this.users > 0 || this.closed) return
    this.closed = true
    if (this.pinned) return
    try {
      this.file.close()
    } catch {
      // Nothing useful can be done about a failed close of a read-only file.
    }
  }

  release (): void {
    this.users--
    this.closeIfUnused()
  }
}

export class TableCache {
  private readonly env: Env
  private readonly location: string
  private readonly options: TableCacheOptions
  private readonly cache: LruCache<number, OpenTable>
  /** Files opened by pinFile, by table number. */
  private readonly pinned = new Map<number, { file: RandomAccessFile, fileName: string }>()

  constructor (env: Env, location: string, options: TableCacheOptions) {
    this.env = env
    this.location = location
    this.options = options
    const capacity = Math.max(1, Math.floor(options.maxOpenFiles) - TABLE_CACHE_RESERVED_FILES)
    this.cache = new LruCache<number, OpenTable>(capacity, {
      onEvict: (_number, open) => {
        open.evicted = true
        open.closeIfUnused()
      }
    })
  }

  /** Tables the cache holds open (tables held only by iterators are not counted). */
  get size (): number {
    return this.cache.size
  }

  get capacity (): number {
    return this.cache.capacity
  }

  /** Files opened by pinFile and still open. */
  get pinnedCount (): number {
    return this.pinned.size
  }

  /**
   * Opens the file of table `fileNumber` now and keeps it open until close(), for a read-only
   * open (see the top of this file). Throws as get() does when the file is missing.
   */
  pinFile (fileNumber: number): void {
    if (this.pinned.has(fileNumber)) return
    this.pinned.set(fileNumber, this.openFile(fileNumber))
  }

  /**
   * Looks `internalKey` up in table `fileNumber` (see Table.get): `handler` receives the first
   * entry >= internalKey in the one block that may hold it, if the filter lets it through. The
   * views passed to `handler` are valid only during the call.
   *
   * Errors: a missing table (neither .ldb nor .sst exists) is LEVEL_CORRUPTION "table file
   * missing" naming the .ldb path, because the MANIFEST names it; a damaged table is the table
   * reader's LEVEL_CORRUPTION naming the file; a failed file call is the Env's LEVEL_IO_ERROR.
   */
  get (fileNumber: number, fileSize: number, internalKey: Uint8Array,
    handler: (k: Uint8Array, v: Uint8Array) => void, options: TableCacheReadOptions = {}): void {
    const open = this.findTable(fileNumber, fileSize)
    open.users++
    try {
      open.table.get(internalKey, handler, options)
    } finally {
      open.release()
    }
  }

  /**
   * An iterator over table `fileNumber`. Throws as get() does if the table cannot be opened. The
   * table and its file stay usable until the iterator is closed, even if the cache lets go of
   * them meanwhile.
   */
  newIterator (fileNumber: number, fileSize: number, options: TableCacheReadOptions = {}): InternalIterator {
    const open = this.findTable(fileNumber, fileSize)
    const inner = open.table.newIterator(options)
    open.users++
    return new TableIterator(inner, open)
  }

  /**
   * The approximate offset within table `fileNumber` where keys >= internalKey begin, or 0 if
   * the table cannot be opened (an estimate must not fail a size query).
   */
  approximateOffsetOf (fileNumber: number, fileSize: number, internalKey: Uint8Array): number {
    let open: OpenTable
    try {
      open = this.findTable(fileNumber, fileSize)
    } catch {
      return 0
    }
    return open.table.approximateOffsetOf(internalKey)
  }

  /** Forgets table `fileNumber` (its file is being deleted); users keep it until they finish. */
  evict (fileNumber: number): void {
    this.cache.delete(fileNumber)
  }

  /**
   * Lets go of every table; those still used by iterators close when their iterators do. Pinned
   * files are closed at once, so with pinned files call it only once no reader is left. The cache
   * can be used again afterwards.
   */
  close (): void {
    this.cache.clear()
    for (const { file } of this.pinned.values()) {
      try { file.close() } catch { /* read-only file */ }
    }
    this.pinned.clear()
  }

  private findTable (fileNumber: number, fileSize: number): OpenTable {
    const cached = this.cache.get(fileNumber)
    if (cached !== undefined) return cached
    const pinned = this.pinned.get(fileNumber)
    const { file, fileName } = pinned ?? this.openFile(fileNumber)
    let table: Table
    try {
      table = Table.open(file, fileSize, {
        comparator: this.options.icmp,
        filterPolicy: this.options.filterPolicy,
        verifyChecksums: this.options.verifyChecksums ?? true,
        fileName,
        blockCache: this.options.blockCache
      })
    } catch (err) {
      // Not cached: a later read tries again, in case the problem was transient.
      if (pinned === undefined) {
        try { file.close() } catch { /* already failing */ }
      }
      throw err
    }
    const open = new OpenTable(table, file, pinned !== undefined)
    // With a capacity of at least one, the newest entry is never the one evicted.
    this.cache.set(fileNumber, open)
    return open
  }

  /** Opens the .ldb name LevelDB writes, falling back to the legacy .sst name. */
  private openFile (fileNumber: number): { file: RandomAccessFile, fileName: string } {
    const ldb = tableFileName(this.location, fileNumber)
    try {
      return { file: this.env.newRandomAccessFile(ldb), fileName: ldb }
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
    const sst = sstTableFileName(this.location, fileNumber)
    try {
      return { file: this.env.newRandomAccessFile(sst), fileName: sst }
    } catch (err) {
      if (!isNotFound(err)) throw err
      throw corruption(`table file missing (also tried ${sst})`, { file: ldb, cause: err })
    }
  }
}

/** A table iterator that hands its table back to the cache when closed. */
class TableIterator implements InternalIterator {
  private readonly inner: InternalIterator
  private open: OpenTable | undefined
  private readonly fileName: string | undefined
  /**
   * A key that is not an internal key, under a valid checksum: found here, where the table is
   * known, so that the error names the file (contract 6). The key still goes up; the DB
   * iterator skips it.
   */
  private error: unknown

  constructor (inner: InternalIterator, open: OpenTable) {
    this.inner = inner
    this.open = open
    this.fileName = open.table.fileName
  }

  private check (): void {
    if (this.error !== undefined || !this.inner.valid()) return
    const k = this.inner.key()
    // An internal key ends in an 8-byte tag whose low byte is the value type, 0 or 1.
    if (k.length < 8 || k[k.length - 8]! > 1) this.error = corruption('corrupted internal key', { file: this.fileName })
  }

  valid (): boolean { return this.inner.valid() }
  seekToFirst (): void { this.inner.seekToFirst(); this.check() }
  seekToLast (): void { this.inner.seekToLast(); this.check() }
  seek (target: Uint8Array): void { this.inner.seek(target); this.check() }
  next (): void { this.inner.next(); this.check() }
  prev (): void { this.inner.prev(); this.check() }
  key (): Uint8Array { return this.inner.key() }
  value (): Uint8Array { return this.inner.value() }
  checkError (): void {
    if (this.error !== undefined) throw this.error
    this.inner.checkError()
  }

  close (): void {
    const open = this.open
    if (open === undefined) return
    this.open = undefined
    try {
      this.inner.close()
    } finally {
      open.release()
    }
  }
}
