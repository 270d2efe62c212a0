// Reads a sorted table (doc/table.md). Opening reads the footer and keeps the index block (and the
// filter block, if the caller's policy matches the one the table was written with) decoded in
// memory; data blocks are read on demand, checksum-verified by default (README contract 6),
// and optionally kept in a shared block cache.

import { bytesEqual, utf8 } from '../util/coding.js'
import { bytewiseComparator, type Comparator } from '../util/comparator.js'
import { corruption } from '../util/errors.js'
import type { InternalIterator } from '../util/iterator.js'
import type { LruCache } from '../util/lru-cache.js'
import type { RandomAccessFile } from '../env/env.js'
import { Block, type BlockIterator } from './block.js'
import { DecodedIndex, DecodedIndexIterator } from './decoded-index.js'
import { FilterBlockReader } from './filter-block.js'
import type { FilterPolicy } from './filter-policy.js'
import {
  BLOCK_TRAILER_SIZE, type BlockHandle, decodeBlock, decodeBlockHandleBytes, decodeFooter, FOOTER_SIZE, readBlock
} from './format.js'
import { Readahead } from './readahead.js'
import { takeBlockBuffer } from './block-buffers.js'
import { TwoLevelIterator } from './two-level-iterator.js'

/** Block cache keys combine the table's cache id and the block's offset. */
export type BlockCacheKey = number | string
/** Holds decoded data blocks, charged by their uncompressed size in bytes. */
export type BlockCache = LruCache<BlockCacheKey, Block>

export interface TableOpenOptions {
  comparator: Comparator
  /** When it has the name the table was written with, used to skip blocks in get(). */
  filterPolicy?: FilterPolicy
  /** Default true. */
  verifyChecksums?: boolean
  /** Named in errors. */
  fileName?: string
  blockCache?: BlockCache
  /** Distinguishes this table's blocks in a shared cache; default: a fresh newBlockCacheId(). */
  cacheId?: number
}

export interface TableReadOptions {
  /** Overrides the table's setting for this read. */
  verifyChecksums?: boolean
  /** Whether blocks read are added to the block cache (default true; false for bulk scans). */
  fillCache?: boolean
  /**
   * get() only: a data block that is not in the block cache is not read; get() throws a
   * BlockMiss instead, so that the caller can have it read elsewhere (another thread) and retry.
   */
  cachedOnly?: boolean
}

/**
 * Thrown by get() with `cachedOnly` when the data block it needs is not cached. Not an error: it
 * names the block, which the caller has read on another thread and put in the cache with fill()
 * before it retries the get (or the retry, with ordinary reads, reads it itself).
 */
export class BlockMiss {
  constructor (private readonly table: Table, readonly handle: BlockHandle, readonly verifyChecksums: boolean) {}

  /** The table's file name (a read on another thread opens it by this name). */
  get fileName (): string | undefined { return this.table.fileName }

  /** Caches the block's decoded contents (readBlock's result), read elsewhere. */
  fill (contents: Uint8Array): void {
    this.table.fillBlock(this.handle, contents)
  }
}

let lastCacheId = 0
const NO_OPTIONS: TableReadOptions = {}

/** A process-wide unique id for a table's entries in a block cache. */
function newBlockCacheId (): number {
  return ++lastCacheId
}

function blockCacheKey (cacheId: number, offset: number): BlockCacheKey {
  // A single number while it stays exact (ids below 2^21, offsets below 2^32), else a string.
  if (cacheId < 0x200000 && offset < 0x1_0000_0000) return cacheId * 0x1_0000_0000 + offset
  return `${cacheId}:${offset}`
}

export class Table {
  readonly file: RandomAccessFile
  readonly fileSize: number
  readonly fileName: string | undefined
  private readonly comparator: Comparator
  private readonly verifyChecksums: boolean
  private readonly indexBlock: Block
  private readonly metaindexHandle: BlockHandle
  private readonly filter: FilterBlockReader | undefined
  private readonly blockCache: BlockCache | undefined
  private readonly cacheId: number
  /** Data blocks must end before the footer. */
  private readonly dataLimit: number
  /** Reused by get(); `getDepth` guards against a handler that calls get() again. */
  private readonly getIndexIterator: BlockIterator
  private getBlockIterator: BlockIterator | undefined
  /** The index as arrays, decoded at first use by get() or an iterator (see decodedIndexOrNull). */
  private decodedIndex: DecodedIndex | null | undefined
  private getDepth = 0
  /** readBlock's options, made once instead of per block read. */
  private readonly verifyingRead: { verifyChecksums: boolean, fileName: string | undefined }
  private readonly trustingRead: { verifyChecksums: boolean, fileName: string | undefined }

  private constructor (file: RandomAccessFile, fileSize: number, options: TableOpenOptions,
    indexBlock: Block, metaindexHandle: BlockHandle, filter: FilterBlockReader | undefined) {
    this.file = file
    this.fileSize = fileSize
    this.fileName = options.fileName
    this.comparator = options.comparator
    this.verifyChecksums = options.verifyChecksums ?? true
    this.indexBlock = indexBlock
    this.metaindexHandle = metaindexHandle
    this.filter = filter
    this.blockCache = options.blockCache
    this.cacheId = options.cacheId ?? newBlockCacheId()
    this.dataLimit = fileSize - FOOTER_SIZE
    this.getIndexIterator = indexBlock.newIterator(this.comparator)
    this.verifyingRead = { verifyChecksums: true, fileName: this.fileName }
    this.trustingRead = { verifyChecksums: false, fileName: this.fileName }
  }

  /**
   * Opens the table in `file`, whose size is `fileSize` (as recorded in the MANIFEST). Throws
   * LEVEL_CORRUPTION naming the file if the footer or the index block is damaged. A damaged
   * metaindex or filter block is not an error: the table is then read without a filter.
   */
  static open (file: RandomAccessFile, fileSize: number, options: TableOpenOptions): Table {
    const fileName = options.fileName
    const verifyChecksums = options.verifyChecksums ?? true
    if (fileSize < FOOTER_SIZE) throw corruption('file is too short to be an sstable', { file: fileName })
    const footerOffset = fileSize - FOOTER_SIZE
    const footerBytes = file.read(footerOffset, FOOTER_SIZE)
    if (footerBytes.length !== FOOTER_SIZE) {
      throw corruption('file is too short to be an sstable', { file: fileName, offset: footerOffset })
    }
    const footer = decodeFooter(footerBytes, fileName, footerOffset)

    checkHandle(footer.indexHandle, footerOffset, 'index', fileName)
    const indexContents = readBlock(file, footer.indexHandle, { verifyChecksums, fileName })
    const indexBlock = new Block(indexContents, { fileName, offset: footer.indexHandle.offset })

    let filter: FilterBlockReader | undefined
    if (options.filterPolicy !== undefined) {
      try {
        filter = readFilter(file, footer.metaindexHandle, footerOffset, options.filterPolicy, verifyChecksums, fileName)
      } catch {
        // As in LevelDB, a table whose filter cannot be read is still readable, only slower.
        filter = undefined
      }
    }
    return new Table(file, fileSize, options, indexBlock, footer.metaindexHandle, filter)
  }

  /**
   * An iterator over every entry. A damaged data block is skipped and its error reported by
   * checkError(); see TwoLevelIterator.
   */
  newIterator (options: TableReadOptions = {}): InternalIterator {
    const verify = options.verifyChecksums ?? this.verifyChecksums
    const fillCache = options.fillCache ?? true
    const readahead = new Readahead()
    const decoded = this.decodedIndexOrNull()
    const index = decoded !== null ? new DecodedIndexIterator(decoded, this.comparator) : this.indexBlock.newIterator(this.comparator)
    return new TwoLevelIterator(index, (indexValue) => {
      const handle = this.decodeIndexValue(indexValue)
      return this.dataBlock(handle, verify, fillCache, readahead).newIterator(this.comparator)
    }, () => { readahead.clear() })
  }

  /**
   * Looks `key` up the way LevelDB's internal get does: finds the one data block that could hold
   * it, asks the filter, and if the filter allows, calls `handler` with the first entry >= key in
   * that block (if there is one). The caller decides whether that entry is a match. Throws on a
   * damaged index or data block, never reporting a damaged entry. The views passed to `handler`
   * are valid only during the call.
   */
  get (key: Uint8Array, handler: (key: Uint8Array, value: Uint8Array) => void, options: TableReadOptions = NO_OPTIONS): void {
    const outermost = this.getDepth === 0
    const index = outermost ? this.getIndexIterator : this.indexBlock.newIterator(this.comparator)
    this.getDepth++
    try {
      const handle = this.findDataBlock(key, index)
      if (handle !== undefined) {
        if (this.filter !== undefined && !this.filter.keyMayMatch(handle.offset, key)) return
        const verify = options.verifyChecksums ?? this.verifyChecksums
        const block = options.cachedOnly === true && this.blockCache !== undefined
          ? this.cachedDataBlock(handle, verify)
          : this.dataBlock(handle, verify, options.fillCache ?? true)
        let it: BlockIterator
        if (!outermost) {
          it = block.newIterator(this.comparator)
        } else if (this.getBlockIterator === undefined) {
          it = this.getBlockIterator = block.newIterator(this.comparator)
        } else {
          it = this.getBlockIterator
          it.retarget(block)
        }
        it.seek(key)
        it.checkError()
        if (it.valid()) handler(it.key(), it.value())
      }
      index.checkError()
    } finally {
      this.getDepth--
    }
  }

  /**
   * The approximate file offset where entries with keys >= `key` begin: the offset of the data
   * block that would hold `key`, or (past the last block) the offset of the metaindex, which is
   * close to the file's end.
   */
  approximateOffsetOf (key: Uint8Array): number {
    const index = this.indexBlock.newIterator(this.comparator)
    index.seek(key)
    if (index.valid()) {
      try {
        return decodeBlockHandleBytes(index.value()).offset
      } catch {
        // A damaged index entry: fall through to the end-of-data estimate.
      }
    }
    return this.metaindexHandle.offset
  }

  /** Whether a filter block is in use (the policy matched and the block was readable). */
  get hasFilter (): boolean {
    return this.filter !== undefined
  }

  /** The handle of the first data block whose index key is >= key, if any. */
  private findDataBlock (key: Uint8Array, index: BlockIterator): BlockHandle | undefined {
    const decoded = this.decodedIndexOrNull()
    if (decoded === null) {
      // An index of another shape, or damaged: go through the block iterator, which reports errors.
      index.seek(key)
      return index.valid() ? this.decodeIndexValue(index.value()) : undefined
    }
    const i = decoded.find(this.comparator, key)
    if (i === decoded.count) return undefined
    const handle = decoded.handle(i)
    checkHandle(handle, this.dataLimit, 'data', this.fileName)
    return handle
  }

  /** The index as arrays, decoded at first use; null if it has another shape or is damaged. */
  private decodedIndexOrNull (): DecodedIndex | null {
    if (this.decodedIndex === undefined) this.decodedIndex = DecodedIndex.decode(this.indexBlock)
    return this.decodedIndex
  }

  private decodeIndexValue (value: Uint8Array): BlockHandle {
    let handle: BlockHandle
    try {
      handle = decodeBlockHandleBytes(value)
    } catch (err) {
      throw corruption('bad block handle in index block', { file: this.fileName, offset: this.indexBlock.location.offset, cause: err })
    }
    checkHandle(handle, this.dataLimit, 'data', this.fileName)
    return handle
  }

  /** The decoded data block at `handle`, from the cache when possible; iterators pass their readahead. */
  private dataBlock (handle: BlockHandle, verifyChecksums: boolean, fillCache: boolean, readahead?: Readahead): Block {
    const cache = this.blockCache
    if (cache === undefined) return this.readDataBlock(handle, verifyChecksums, readahead)
    const key = blockCacheKey(this.cacheId, handle.offset)
    const cached = cache.get(key)
    if (cached !== undefined) {
      readahead?.noteCached(handle)
      return cached
    }
    // Gets (no readahead) decode into reusable memory, which the cache's eviction gives back
    // (Block.release()); an iterator's blocks get memory of their own.
    const block = this.readDataBlock(handle, verifyChecksums, readahead, fillCache && readahead === undefined)
    if (fillCache) cache.set(key, block, block.size)
    return block
  }

  /** The cached data block at `handle`; throws a BlockMiss when it is not cached. */
  private cachedDataBlock (handle: BlockHandle, verifyChecksums: boolean): Block {
    const cached = this.blockCache!.get(blockCacheKey(this.cacheId, handle.offset))
    if (cached === undefined) throw new BlockMiss(this, handle, verifyChecksums)
    return cached
  }

  /** Caches `contents`, the data block at `handle` decoded elsewhere (see BlockMiss). */
  fillBlock (handle: BlockHandle, contents: Uint8Array): void {
    const cache = this.blockCache
    if (cache === undefined) return
    const block = new Block(contents, { fileName: this.fileName, offset: handle.offset })
    cache.set(blockCacheKey(this.cacheId, handle.offset), block, block.size)
  }

  private readDataBlock (handle: BlockHandle, verifyChecksums: boolean, readahead: Readahead | undefined, pooled = false): Block {
    const options = verifyChecksums ? this.verifyingRead : this.trustingRead
    const location = { fileName: this.fileName, offset: handle.offset }
    const raw = readahead?.blockBytes(this.file, handle, this.dataLimit)
    if (raw !== undefined) return new Block(decodeBlock(raw, handle, options, true), location)
    if (!pooled) return new Block(readBlock(this.file, handle, options), location)
    let output: Uint8Array | undefined
    const contents = readBlock(this.file, handle, options, (length) => (output = takeBlockBuffer(length)))
    // Only memory takeBlockBuffer() made may go back to it (a block stored uncompressed has other).
    return contents === output ? Block.pooled(contents, location) : new Block(contents, location)
  }
}

/** A block and its trailer must lie before `limit` (the footer, or the end of the data area). */
function checkHandle (handle: BlockHandle, limit: number, what: string, fileName: string | undefined): void {
  if (handle.offset + handle.size + BLOCK_TRAILER_SIZE > limit) {
    throw corruption(`${what} block handle (offset ${handle.offset}, size ${handle.size}) runs past the table's end`,
      { file: fileName, offset: handle.offset })
  }
}

/** Finds "filter.<policy name>" in the metaindex and loads that filter block. */
function readFilter (file: RandomAccessFile, metaindexHandle: BlockHandle, footerOffset: number,
  policy: FilterPolicy, verifyChecksums: boolean, fileName: string | undefined): FilterBlockReader | undefined {
  checkHandle(metaindexHandle, footerOffset, 'metaindex', fileName)
  const meta = new Block(readBlock(file, metaindexHandle, { verifyChecksums, fileName }), { fileName, offset: metaindexHandle.offset })
  // Metaindex keys are names, ordered bytewise whatever the table's comparator.
  const it = meta.newIterator(bytewiseComparator)
  const name = utf8('filter.' + policy.name)
  it.seek(name)
  if (!it.valid() || !bytesEqual(it.key(), name)) {
    it.checkError()
    return undefined
  }
  const handle = decodeBlockHandleBytes(it.value())
  checkHandle(handle, footerOffset, 'filter', fileName)
  return new FilterBlockReader(policy, readBlock(file, handle, { verifyChecksums, fileName }))
}
