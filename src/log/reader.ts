// Reads user records back from a log file, reassembling fragments and skipping damage (doc/log.md).
//
// The reader's job after a crash is to return every record that was completely written, in order,
// and never a damaged one. A torn tail (the writer died mid-append) is the normal end of a log and
// is silent; damage anywhere else is reported to the LogReporter with the number of bytes lost,
// and reading resumes at the next trustworthy point, at worst the next 32 KiB block.

import { ByteWriter, decodeFixed32 } from '../util/coding.js'
import { corruption, invalidArgument, ioError, ShaleError } from '../util/errors.js'
import type { SequentialFile } from '../env/env.js'
import { BLOCK_SIZE, HEADER_SIZE, RecordType, recordChecksum } from './format.js'

export interface LogReporter {
  /**
   * `bytes` bytes of the log were dropped for `reason` (such as "checksum mismatch"). `error`
   * says the same with the file name and offset, ready to be thrown by a caller that treats any
   * damage as fatal.
   */
  corruption (bytes: number, reason: string, error: ShaleError): void
}

export interface LogReaderOptions {
  reporter?: LogReporter
  /** Verify each physical record's CRC (default true). */
  checksum?: boolean
  /** Return only records that start at or after this file offset. */
  initialOffset?: number
  /** Named in the errors handed to the reporter. */
  fileName?: string
}

// What readPhysical found, besides a record type (0-255) whose payload is in fragStart/fragEnd.
const EOF = -1
/** A damaged or unusable physical record; any damage has already been reported. */
const BAD = -2
/** A sound record that starts before initialOffset: skipped without comment. */
const SKIP = -3

export class LogReader {
  private readonly src: SequentialFile
  private readonly reporter: LogReporter | undefined
  private readonly checksum: boolean
  private readonly initialOffset: number
  private readonly fileName: string | undefined

  /** The current block, with unread physical records in [pos, end). */
  private block: Uint8Array = new Uint8Array(0)
  private pos = 0
  private end = 0
  /** File offset just past the current block. */
  private blockEndOffset = 0
  /** The last read came up short: the current block is the file's last. */
  private eof = false
  /** Own storage for a block, needed only when a file delivers one block in several reads. */
  private assembly: Uint8Array | undefined
  /** Fragments of the record being reassembled. */
  private readonly scratch = new ByteWriter(1024)
  private fragStart = 0
  private fragEnd = 0
  /** File offset of the physical record readPhysical returned last. */
  private fragOffset = 0
  private positioned: boolean
  /** Skipping the tail of a record that began before initialOffset. */
  private resyncing: boolean
  private lastOffset = 0

  constructor (src: SequentialFile, options: LogReaderOptions = {}) {
    this.src = src
    this.reporter = options.reporter
    this.checksum = options.checksum ?? true
    this.initialOffset = options.initialOffset ?? 0
    if (!Number.isSafeInteger(this.initialOffset) || this.initialOffset < 0) {
      throw invalidArgument(`log initialOffset must be a non-negative integer, got ${this.initialOffset}`)
    }
    this.fileName = options.fileName
    this.positioned = this.initialOffset === 0
    this.resyncing = this.initialOffset > 0
  }

  /** File offset of the first physical record of the record readRecord returned last. */
  get lastRecordOffset (): number {
    return this.lastOffset
  }

  /**
   * The next user record, or null at the end of the log. The result is a view into the reader's
   * buffers, valid until the next call: copy it to keep it.
   */
  readRecord (): Uint8Array | null {
    if (!this.positioned) {
      this.positioned = true
      if (!this.skipToInitialBlock()) return null
    }
    const scratch = this.scratch
    scratch.reset()
    let fragmented = false
    // Where the record being reassembled starts; meaningful while `fragmented`.
    let recordOffset = 0

    for (;;) {
      const type = this.readPhysical()
      if (type === SKIP) continue
      const fragLength = this.fragEnd - this.fragStart

      if (this.resyncing && type >= 0) {
        // The start of the record under initialOffset was skipped: its later fragments are
        // expected and are not damage.
        if (type === RecordType.Middle) continue
        if (type === RecordType.Last) {
          this.resyncing = false
          continue
        }
        this.resyncing = false
      }

      switch (type) {
        case RecordType.Full:
          // An empty pending FIRST is tolerated: old writers could leave one at a block's end.
          if (fragmented && scratch.length > 0) {
            this.report(scratch.length, 'partial record without end', recordOffset)
          }
          this.lastOffset = this.fragOffset
          return this.block.subarray(this.fragStart, this.fragEnd)

        case RecordType.First:
          if (fragmented && scratch.length > 0) {
            this.report(scratch.length, 'partial record without end', recordOffset)
          }
          recordOffset = this.fragOffset
          scratch.reset()
          scratch.bytes(this.block.subarray(this.fragStart, this.fragEnd))
          fragmented = true
          break

        case RecordType.Middle:
          if (!fragmented) {
            this.report(fragLength, 'missing start of fragmented record', this.fragOffset)
          } else {
            scratch.bytes(this.block.subarray(this.fragStart, this.fragEnd))
          }
          break

        case RecordType.Last:
          if (!fragmented) {
            this.report(fragLength, 'missing start of fragmented record', this.fragOffset)
            break
          }
          scratch.bytes(this.block.subarray(this.fragStart, this.fragEnd))
          this.lastOffset = recordOffset
          return scratch.view()

        case EOF:
          // A fragmented record cut short here means the writer died mid-record: not damage.
          return null

        case BAD:
          // Whatever was damaged may have held this record's next fragment, so the fragments
          // gathered so far can never be completed; joining them to a later LAST would forge a
          // record.
          if (fragmented) {
            this.report(scratch.length, 'error in middle of record', recordOffset)
            fragmented = false
            scratch.reset()
          }
          break

        default: {
          const dropped = fragLength + (fragmented ? scratch.length : 0)
          this.report(dropped, `unknown record type ${type}`, fragmented ? recordOffset : this.fragOffset)
          fragmented = false
          scratch.reset()
        }
      }
    }
  }

  /**
   * Moves to the block holding initialOffset (or the next block when the offset falls in a
   * block's last six bytes, where no record can start). False if the file cannot be skipped.
   */
  private skipToInitialBlock (): boolean {
    const inBlock = this.initialOffset % BLOCK_SIZE
    let blockStart = this.initialOffset - inBlock
    if (inBlock > BLOCK_SIZE - (HEADER_SIZE - 1)) blockStart += BLOCK_SIZE
    this.blockEndOffset = blockStart
    if (blockStart === 0) return true
    try {
      this.src.skip(blockStart)
      return true
    } catch (err) {
      this.eof = true
      this.reportError(blockStart, err, 0)
      return false
    }
  }

  /**
   * Decodes the next physical record into fragStart/fragEnd/fragOffset and returns its type, or
   * EOF, BAD or SKIP. Reads blocks as needed.
   */
  private readPhysical (): number {
    for (;;) {
      const available = this.end - this.pos
      if (available < HEADER_SIZE) {
        if (this.eof) {
          // A partial header at the end of the file is a torn write, not damage.
          this.pos = this.end
          return EOF
        }
        // Fewer than a header's bytes left in a full block: the writer's zero padding.
        this.readBlock()
        continue
      }

      const block = this.block
      const p = this.pos
      const headerOffset = this.blockEndOffset - available
      const length = block[p + 4]! | (block[p + 5]! << 8)
      const type = block[p + 6]!
      if (HEADER_SIZE + length > available) {
        this.pos = this.end
        // In the file's last block this is normally a record whose tail was never written: a torn
        // write. But if the record was in fact written whole, or intact records follow it, its
        // length field is what is damaged: that is corruption, and treating it as a torn tail
        // would silently drop complete records (the last edit of a MANIFEST).
        if (this.eof && !(this.checksum && lengthLooksDamaged(block, p, this.end))) return EOF
        this.report(available, 'bad record length', headerOffset)
        return BAD
      }
      if (type === RecordType.Zero && length === 0) {
        // Zeroed space, as left by preallocation: nothing in the rest of this block is a record.
        this.pos = this.end
        return BAD
      }
      if (this.checksum) {
        const stored = decodeFixed32(block, p)
        if (stored !== recordChecksum(type, block, p + HEADER_SIZE, p + HEADER_SIZE + length)) {
          // The length itself may be what is damaged, so no later header in this block can be
          // trusted to sit where it claims.
          this.pos = this.end
          this.report(available, 'checksum mismatch', headerOffset)
          return BAD
        }
      }
      this.pos = p + HEADER_SIZE + length
      if (headerOffset < this.initialOffset) return SKIP
      this.fragStart = p + HEADER_SIZE
      this.fragEnd = this.pos
      this.fragOffset = headerOffset
      return type
    }
  }

  /**
   * Loads the next block. A short block marks the end of the file. A failed read loses a block's
   * worth of log: it is reported and the log ends there.
   */
  private readBlock (): void {
    this.pos = 0
    this.end = 0
    let data: Uint8Array
    try {
      data = this.readUpTo(BLOCK_SIZE)
      if (data.length > 0 && data.length < BLOCK_SIZE) {
        // Files may deliver less than asked before their end: keep reading until a full block or
        // an empty read, which is the true end of the file.
        let more = this.readUpTo(BLOCK_SIZE - data.length)
        if (more.length > 0) {
          const assembly = this.assembly ?? (this.assembly = new Uint8Array(BLOCK_SIZE))
          assembly.set(data, 0)
          let filled = data.length
          while (more.length > 0) {
            assembly.set(more, filled)
            filled += more.length
            if (filled === BLOCK_SIZE) break
            more = this.readUpTo(BLOCK_SIZE - filled)
          }
          data = assembly.subarray(0, filled)
        }
      }
    } catch (err) {
      this.eof = true
      this.block = new Uint8Array(0)
      this.reportError(BLOCK_SIZE, err, this.blockEndOffset)
      return
    }
    this.block = data
    this.end = data.length
    this.blockEndOffset += data.length
    if (data.length < BLOCK_SIZE) this.eof = true
  }

  private readUpTo (n: number): Uint8Array {
    const data = this.src.read(n)
    // Never trust a file to honour the bound: a block is at most BLOCK_SIZE bytes.
    return data.length > n ? data.subarray(0, n) : data
  }

  /**
   * Reports a loss, unless it lies wholly before initialOffset: a reader asked to start later has
   * no interest in damage it was told to skip.
   */
  private report (bytes: number, reason: string, offset: number): void {
    if (this.reporter === undefined) return
    if (offset < this.initialOffset && offset + bytes <= this.initialOffset) return
    this.reporter.corruption(bytes, reason, corruption(reason, { file: this.fileName, offset }))
  }

  private reportError (bytes: number, err: unknown, offset: number): void {
    if (this.reporter === undefined) return
    const reason = err instanceof Error ? err.message : String(err)
    const error = err instanceof ShaleError ? err : ioError(reason, { file: this.fileName, offset, cause: err })
    this.reporter.corruption(bytes, reason, error)
  }
}

/** Bytes of checksum work the torn-tail check may spend: it runs at most once per file. */
const DAMAGE_SCAN_BUDGET = 1 << 20

/**
 * Whether a header at `p` whose length runs past `end` (the end of the file) is damage rather
 * than a torn write: either the bytes present carry exactly its stored checksum (the record is
 * complete, its length is wrong), or an intact record starts somewhere after it. A torn write is
 * always the last thing in a file, so nothing intact can follow it, and the chance that partial
 * bytes happen to carry a valid 32-bit checksum is negligible.
 */
function lengthLooksDamaged (block: Uint8Array, p: number, end: number): boolean {
  if (decodeFixed32(block, p) === recordChecksum(block[p + 6]!, block, p + HEADER_SIZE, end)) return true
  let budget = DAMAGE_SCAN_BUDGET
  for (let q = p + 1; q + HEADER_SIZE <= end && budget > 0; q++) {
    const type = block[q + 6]!
    if (type < RecordType.Full || type > RecordType.Last) continue
    const length = block[q + 4]! | (block[q + 5]! << 8)
    if (q + HEADER_SIZE + length > end) continue
    budget -= length + 1
    if (decodeFixed32(block, q) === recordChecksum(type, block, q + HEADER_SIZE, q + HEADER_SIZE + length)) return true
  }
  return false
}
