// Readahead for one table iterator. An iterator walking a table reads its data blocks one after
// another, and each block read is a system call (about 1-2 µs from Node, plus a fresh buffer).
// LevelDB gets this for free from the operating system's readahead under mmap; here, once two
// blocks in a row were read from adjacent file ranges in the same direction, the next read takes
// a larger span (16 KiB, doubling per span up to 256 KiB) and the following blocks are cut from
// it. A read that is not adjacent to the previous one (a seek elsewhere) falls back to one block
// and resets the size, so random access such as one seek per iterator never reads more than
// the block it needs.
//
// Only the raw bytes are shared: every block cut from a span still has its checksum verified and
// is decompressed on its own (decodeBlock), exactly as if it had been read alone.

import type { RandomAccessFile } from '../env/env.js'
import { BLOCK_TRAILER_SIZE, type BlockHandle } from './format.js'

export const MIN_READAHEAD = 16 * 1024
export const MAX_READAHEAD = 256 * 1024

const EMPTY = new Uint8Array(0)

export class Readahead {
  private span: Uint8Array | undefined
  /** Where spans are read when the file can read into a caller's buffer; allocated on first use. */
  private buffer = EMPTY
  private spanStart = 0
  /** File range of the block served last, to recognise sequential reads. */
  private lastStart = -1
  private lastEnd = -1
  /** Bytes the next span reads; 0 until two adjacent blocks were read. */
  private size = 0

  /**
   * The bytes of the block at `handle` with its trailer, or undefined when a plain read of that
   * block alone is what to do (not sequential, or the span came back short). `limit`: reads
   * never extend past it (the end of the table's data blocks). The result is a view of a
   * buffer other blocks share: decode it with `shared` set.
   */
  blockBytes (file: RandomAccessFile, handle: BlockHandle, limit: number): Uint8Array | undefined {
    const start = handle.offset
    const end = start + handle.size + BLOCK_TRAILER_SIZE
    const forward = start === this.lastEnd
    const backward = end === this.lastStart
    this.lastStart = start
    this.lastEnd = end
    const span = this.span
    if (span !== undefined && start >= this.spanStart && end <= this.spanStart + span.length) {
      return span.subarray(start - this.spanStart, end - this.spanStart)
    }
    this.span = undefined
    if (!forward && !backward) {
      this.size = 0
      return undefined
    }
    this.size = this.size === 0 ? MIN_READAHEAD : Math.min(this.size * 2, MAX_READAHEAD)
    let from = start
    let to = end
    if (forward) to = Math.max(end, Math.min(limit, start + this.size))
    else from = Math.max(0, Math.min(start, end - this.size))
    if (to > file.size) return undefined
    const length = to - from
    if (file.readInto !== undefined) {
      // Spans are read into one buffer per iterator, reused: every block cut from a span is
      // decoded into memory of its own (decodeBlock with `shared`), so nothing keeps a span, and
      // a long scan (a compaction's, above all) makes no garbage per span.
      if (this.buffer.length < length) this.buffer = new Uint8Array(Math.max(length, MAX_READAHEAD))
      if (file.readInto(from, length, this.buffer, 0) !== length) return undefined
      this.span = this.buffer.subarray(0, length)
    } else {
      const bytes = file.read(from, length)
      if (bytes.length !== length) return undefined
      // Reads return a fresh buffer; view it as a plain Uint8Array (a Buffer's subarray is slow).
      this.span = Object.getPrototypeOf(bytes) === Uint8Array.prototype
        ? bytes
        : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
    }
    this.spanStart = from
    return this.span.subarray(start - from, end - from)
  }

  /** Records that the block at `handle` was found in the block cache: it counts as read. */
  noteCached (handle: BlockHandle): void {
    const start = handle.offset
    const end = start + handle.size + BLOCK_TRAILER_SIZE
    if (start !== this.lastEnd && end !== this.lastStart) this.size = 0
    this.lastStart = start
    this.lastEnd = end
  }

  /** Drops the span (the iterator is closing). */
  clear (): void {
    this.span = undefined
    this.buffer = EMPTY
    this.size = 0
    this.lastStart = this.lastEnd = -1
  }
}
