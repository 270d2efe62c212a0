// Appends user records to a log file, fragmenting them over 32 KiB blocks (doc/log.md).
//
// Every physical record of one user record is laid out in one buffer and handed to the file in a
// single append, so a record costs one write system call however many blocks it spans, and a
// crash tears at most the tail of the last record. Nothing here syncs: durability is the
// caller's decision (WritableFile.sync), made per write or per group of writes.

import { encodeFixed32 } from '../util/coding.js'
import { invalidArgument, ioError } from '../util/errors.js'
import type { WritableFile } from '../env/env.js'
import { BLOCK_SIZE, HEADER_SIZE, RecordType, recordChecksum } from './format.js'

/** Payload bytes that fit in one block after its header. */
const BLOCK_PAYLOAD = BLOCK_SIZE - HEADER_SIZE

// The staging buffer is kept between records up to this size (group-commit batches top out near
// 1 MiB, MANIFEST snapshots are usually smaller). A rarer, larger record gets a one-off buffer so
// that one huge write does not pin its memory for the life of the log.
const RETAINED_BUFFER_LIMIT = 2 * 1024 * 1024

export class LogWriter {
  private readonly dest: WritableFile
  /** Where the next byte goes within the current block. */
  private blockOffset: number
  private written: number
  private staging: Uint8Array
  private failure: unknown = undefined

  /**
   * `initialLength` is the current length of `dest` when an existing log is reopened for
   * appending: the writer continues the block layout from there.
   */
  constructor (dest: WritableFile, initialLength = 0) {
    if (!Number.isSafeInteger(initialLength) || initialLength < 0) {
      throw invalidArgument(`log initialLength must be a non-negative integer, got ${initialLength}`)
    }
    this.dest = dest
    this.blockOffset = initialLength % BLOCK_SIZE
    this.written = initialLength
    this.staging = new Uint8Array(4096)
  }

  /** Bytes in the file: what it held when opened plus everything appended since. */
  get size (): number {
    return this.written
  }

  /**
   * Appends one user record (possibly empty). The bytes reach the operating system before this
   * returns. If the append fails, the file may hold part of the record, so the writer refuses all
   * further records rather than write after a torn one; the caller must switch to a new file.
   */
  addRecord (data: Uint8Array): void {
    if (this.failure !== undefined) {
      throw ioError('log writer is unusable after a failed append', { cause: this.failure })
    }
    const out = this.stagingFor(data.length)
    let blockOffset = this.blockOffset
    let o = 0

    // A header never starts in the last 6 bytes of a block: those become zero padding.
    const leftover = BLOCK_SIZE - blockOffset
    if (leftover < HEADER_SIZE) {
      out.fill(0, 0, leftover)
      o = leftover
      blockOffset = 0
    }

    let pos = 0
    let remaining = data.length
    let first = true
    // do/while: an empty record still yields one FULL record of length 0. With exactly a header's
    // worth of space left, a non-empty record starts with a zero-length FIRST that closes the block.
    do {
      if (blockOffset === BLOCK_SIZE) blockOffset = 0
      const n = Math.min(remaining, BLOCK_SIZE - HEADER_SIZE - blockOffset)
      const last = n === remaining
      const type = first
        ? (last ? RecordType.Full : RecordType.First)
        : (last ? RecordType.Last : RecordType.Middle)
      encodeFixed32(out, o, recordChecksum(type, data, pos, pos + n))
      out[o + 4] = n & 0xff
      out[o + 5] = n >>> 8
      out[o + 6] = type
      out.set(data.subarray(pos, pos + n), o + HEADER_SIZE)
      o += HEADER_SIZE + n
      blockOffset += HEADER_SIZE + n
      pos += n
      remaining -= n
      first = false
    } while (remaining > 0)

    try {
      this.dest.append(out.subarray(0, o))
    } catch (err) {
      this.failure = err
      throw err
    }
    this.blockOffset = blockOffset === BLOCK_SIZE ? 0 : blockOffset
    this.written += o
  }

  /** A buffer large enough for the physical records of a `length`-byte user record. */
  private stagingFor (length: number): Uint8Array {
    // At most: the padding before the first header, then one header per block touched (the
    // first block may carry no payload at all, every later block but the last is full).
    const bound = (HEADER_SIZE - 1) + length + HEADER_SIZE * (Math.ceil(length / BLOCK_PAYLOAD) + 2)
    if (bound <= this.staging.length) return this.staging
    if (bound > RETAINED_BUFFER_LIMIT) return new Uint8Array(bound)
    let cap = this.staging.length * 2
    while (cap < bound) cap *= 2
    this.staging = new Uint8Array(Math.min(cap, RETAINED_BUFFER_LIMIT))
    return this.staging
  }
}
