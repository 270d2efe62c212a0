// Writes a sorted table (doc/table.md, "Table layout"): data blocks, the filter block, the
// metaindex, the index and the footer, in that order, each block followed by its trailer.
//
// Bytes are gathered in an output buffer and handed to the file in large appends: every append on
// a real file is a system call, and one per 4 KiB block costs more than the block encoding itself
// (see doc/table.md, "Write path", for the measurement).

import { ByteWriter, utf8 } from '../util/coding.js'
import type { Comparator } from '../util/comparator.js'
import { invalidArgument } from '../util/errors.js'
import { snappyCompressTemporary } from '../util/snappy.js'
import type { WritableFile } from '../env/env.js'
import { BlockBuilder } from './block-builder.js'
import { FilterBlockBuilder } from './filter-block.js'
import type { FilterPolicy } from './filter-policy.js'
import {
  BLOCK_TRAILER_SIZE, blockChecksum, type BlockHandle, encodeBlockHandle, encodeFooter, FOOTER_SIZE,
  NO_COMPRESSION, SNAPPY_COMPRESSION
} from './format.js'

export interface TableOptions {
  comparator: Comparator
  /** Uncompressed size at which a data block is closed. Default 4096. */
  blockSize?: number
  /** Entries between restart points in data and metaindex blocks. Default 16. */
  blockRestartInterval?: number
  /** Default 'snappy'. Applies to data, metaindex and index blocks; never to the filter block. */
  compression?: 'snappy' | 'none'
  /** Receives the keys exactly as passed to add(). */
  filterPolicy?: FilterPolicy
}

/** Appends to the file once this many bytes are buffered. */
const OUTPUT_CHUNK = 256 * 1024

export class TableBuilder {
  private readonly file: WritableFile
  private readonly comparator: Comparator
  private readonly blockSize: number
  private readonly compression: 'snappy' | 'none'
  private readonly filterPolicy: FilterPolicy | undefined
  private readonly restartInterval: number

  private readonly dataBlock: BlockBuilder
  private readonly indexBlock = new BlockBuilder(1)
  private readonly filterBlock: FilterBlockBuilder | undefined
  private readonly output = new ByteWriter(OUTPUT_CHUNK + 8192)
  private readonly handleScratch = new ByteWriter(32)

  /** Bytes of table produced so far, whether appended to the file yet or still buffered. */
  private offset = 0
  private entries = 0
  private lastKey = new Uint8Array(64)
  private lastKeyLength = 0
  /**
   * The index entry for a finished data block waits for the next block's first key, so that its
   * key can be a short separator between the two blocks.
   */
  private pendingIndexEntry = false
  private pendingHandle: BlockHandle = { offset: 0, size: 0 }
  private closed = false
  private failure: unknown

  constructor (file: WritableFile, options: TableOptions) {
    const blockSize = options.blockSize ?? 4096
    if (!Number.isInteger(blockSize) || blockSize < 1) throw invalidArgument(`blockSize must be a positive integer, got ${blockSize}`)
    const compression = options.compression ?? 'snappy'
    if (compression !== 'snappy' && compression !== 'none') throw invalidArgument(`unknown compression '${String(compression)}'`)
    this.file = file
    this.comparator = options.comparator
    this.blockSize = blockSize
    this.compression = compression
    this.filterPolicy = options.filterPolicy
    this.restartInterval = options.blockRestartInterval ?? 16
    this.dataBlock = new BlockBuilder(this.restartInterval)
    if (this.filterPolicy !== undefined) {
      this.filterBlock = new FilterBlockBuilder(this.filterPolicy)
      this.filterBlock.startBlock(0)
    }
  }

  /** Entries added so far. */
  get numEntries (): number {
    return this.entries
  }

  /** Size of the table so far; after finish(), the final file size. */
  get fileSize (): number {
    return this.offset
  }

  /** A copy of the last key added (empty before the first). */
  lastKeyCopy (): Uint8Array {
    return this.lastKey.slice(0, this.lastKeyLength)
  }

  /** Adds an entry. Keys must be strictly increasing under the comparator. */
  add (key: Uint8Array, value: Uint8Array): void {
    this.checkOpen()
    if (this.entries > 0 && this.compareWithLast(key) <= 0) {
      throw new Error('TableBuilder.add: keys must be added in strictly increasing order')
    }
    if (this.pendingIndexEntry) {
      // The separator only has to sort between the blocks, so a short one keeps the index small.
      this.addIndexEntry(this.comparator.findShortestSeparator(this.lastKey.subarray(0, this.lastKeyLength), key))
    }
    this.filterBlock?.addKey(key)
    this.rememberLastKey(key)
    this.entries++
    this.dataBlock.add(key, value)
    if (this.dataBlock.currentSizeEstimate() >= this.blockSize) this.flush()
  }

  /** key compared with the last key added, in place where the comparator can (no view per entry). */
  private compareWithLast (key: Uint8Array): number {
    const cmp = this.comparator
    if (cmp.compareAt !== undefined) return cmp.compareAt(key, 0, key.length, this.lastKey, 0, this.lastKeyLength)
    return cmp.compare(key, this.lastKey.subarray(0, this.lastKeyLength))
  }

  /**
   * Closes the current data block, even if small. Useful to callers that want a block boundary;
   * normally add() decides.
   */
  flush (): void {
    this.checkOpen()
    if (this.dataBlock.isEmpty()) return
    this.guard(() => {
      this.pendingHandle = this.writeBlock(this.dataBlock)
      this.pendingIndexEntry = true
      this.filterBlock?.startBlock(this.offset)
    })
  }

  /**
   * Writes the rest of the table and returns its size. The file is neither synced nor closed:
   * that is the caller's job.
   */
  finish (): number {
    this.flush()
    this.closed = true
    this.guard(() => {
      let filterHandle: BlockHandle | undefined
      if (this.filterBlock !== undefined) {
        filterHandle = this.writeRawBlock(this.filterBlock.finish(), NO_COMPRESSION)
      }

      const metaindex = new BlockBuilder(this.restartInterval)
      if (filterHandle !== undefined && this.filterPolicy !== undefined) {
        this.handleScratch.reset()
        encodeBlockHandle(this.handleScratch, filterHandle)
        metaindex.add(utf8('filter.' + this.filterPolicy.name), this.handleScratch.view())
      }
      const metaindexHandle = this.writeBlock(metaindex)

      if (this.pendingIndexEntry) {
        this.addIndexEntry(this.comparator.findShortSuccessor(this.lastKey.subarray(0, this.lastKeyLength)))
      }
      const indexHandle = this.writeBlock(this.indexBlock)

      this.output.bytes(encodeFooter({ metaindexHandle, indexHandle }))
      this.offset += FOOTER_SIZE
      this.drainOutput()
    })
    return this.offset
  }

  /** Stops building; buffered bytes are dropped. The file is left to the caller. */
  abandon (): void {
    this.closed = true
    this.output.reset()
  }

  private checkOpen (): void {
    if (this.failure !== undefined) throw this.failure
    if (this.closed) throw new Error('TableBuilder used after finish() or abandon()')
  }

  /** Runs a step that writes; a failed write leaves the builder unusable, with the same error. */
  private guard (step: () => void): void {
    try {
      step()
    } catch (err) {
      this.failure = err
      throw err
    }
  }

  private addIndexEntry (key: Uint8Array): void {
    this.handleScratch.reset()
    encodeBlockHandle(this.handleScratch, this.pendingHandle)
    this.indexBlock.add(key, this.handleScratch.view())
    this.pendingIndexEntry = false
  }

  /** Finishes `block`, compresses it if that saves at least 1/8, writes it and resets `block`. */
  private writeBlock (block: BlockBuilder): BlockHandle {
    const raw = block.finish()
    let contents = raw
    let type = NO_COMPRESSION
    if (this.compression === 'snappy') {
      // A view of the compressor's scratch buffer: writeRawBlock copies it before the next block.
      const compressed = snappyCompressTemporary(raw)
      if (compressed.length < raw.length - Math.floor(raw.length / 8)) {
        contents = compressed
        type = SNAPPY_COMPRESSION
      }
    }
    const handle = this.writeRawBlock(contents, type)
    block.reset()
    return handle
  }

  private writeRawBlock (contents: Uint8Array, type: number): BlockHandle {
    const handle = { offset: this.offset, size: contents.length }
    const out = this.output
    if (contents.length >= OUTPUT_CHUNK) {
      // A huge block (a large value) goes straight to the file rather than through the buffer.
      this.drainOutput()
      this.file.append(contents)
    } else {
      out.bytes(contents)
    }
    out.ensure(BLOCK_TRAILER_SIZE)
    out.buf[out.length] = type
    const crc = blockChecksum(contents, type)
    out.buf[out.length + 1] = crc & 0xff
    out.buf[out.length + 2] = (crc >>> 8) & 0xff
    out.buf[out.length + 3] = (crc >>> 16) & 0xff
    out.buf[out.length + 4] = crc >>> 24
    out.length += BLOCK_TRAILER_SIZE
    this.offset += contents.length + BLOCK_TRAILER_SIZE
    if (out.length >= OUTPUT_CHUNK) this.drainOutput()
    return handle
  }

  private drainOutput (): void {
    if (this.output.length === 0) return
    this.file.append(this.output.view())
    this.output.reset()
  }

  private rememberLastKey (key: Uint8Array): void {
    if (this.lastKey.length < key.length) this.lastKey = new Uint8Array(Math.max(key.length, this.lastKey.length * 2))
    this.lastKey.set(key)
    this.lastKeyLength = key.length
  }
}
