// Salvaging a damaged log: a SequentialFile wrapper that lets the log reader keep the intact
// records after a damaged one in the same block (doc/repair.md, "Torn appends and damaged records
// in logs"). Repair reads logs through it; recovery at open does not.

import type { SequentialFile } from '../env/env.js'
import { decodeFixed32, encodeFixed32 } from '../util/coding.js'
import { BLOCK_SIZE, HEADER_SIZE, MAX_RECORD_TYPE, RecordType, recordChecksum } from './format.js'

/**
 * The record type a damaged record is re-marked with: one the log reader does not know, so it
 * reports that record alone as dropped and reads on after it.
 */
export const SKIPPED_RECORD_TYPE = 0xff

export interface SalvageEvents {
  /** A damaged record at `offset` was re-marked to be dropped on its own. */
  skipped: (offset: number) => void
  /** The file could not be read; the error is rethrown to the log reader too. */
  readFailed: (err: unknown) => void
}

/**
 * A log file as the log reader sees it when salvaging (repair). After a checksum mismatch the reader drops
 * the rest of the 32 KiB block, because the damaged length field may point anywhere. Here each
 * block is checked first: when a damaged record's length leads exactly to a record whose own
 * checksum holds, that length was right, and the damaged record is re-marked with an unknown type
 * (and a checksum that matches it), so that the reader drops that record alone and keeps the
 * intact ones after it. Nothing damaged is ever turned into data: the re-marked record is dropped,
 * and every record read still passes its own checksum. A length that leads nowhere sound is left
 * alone, and the reader's rules apply unchanged.
 */
export class SalvagingLogFile implements SequentialFile {
  private readonly src: SequentialFile
  private readonly events: SalvageEvents | undefined
  private block = new Uint8Array(0)
  private pos = 0
  private blockOffset = 0
  private eof = false

  constructor (src: SequentialFile, events?: SalvageEvents) {
    this.src = src
    this.events = events
  }

  read (n: number): Uint8Array {
    if (this.pos === this.block.length) {
      if (this.eof) return this.block.subarray(this.pos)
      this.loadBlock()
    }
    const out = this.block.subarray(this.pos, this.pos + n)
    this.pos += out.length
    return out
  }

  skip (n: number): void {
    while (n > 0) {
      const got = this.read(Math.min(n, BLOCK_SIZE)).length
      if (got === 0) return
      n -= got
    }
  }

  close (): void {
    this.src.close()
  }

  private loadBlock (): void {
    this.blockOffset += this.block.length
    // A fresh buffer per block: the reader may still hold a view of the previous one.
    const block = new Uint8Array(BLOCK_SIZE)
    let filled = 0
    while (filled < BLOCK_SIZE) {
      let data: Uint8Array
      try {
        data = this.src.read(BLOCK_SIZE - filled)
      } catch (err) {
        this.events?.readFailed(err)
        throw err
      }
      if (data.length === 0) {
        this.eof = true
        break
      }
      const n = Math.min(data.length, BLOCK_SIZE - filled)
      block.set(data.subarray(0, n), filled)
      filled += n
    }
    this.block = block.subarray(0, filled)
    this.pos = 0
    this.remarkDamagedRecords()
  }

  /** Walks the block's physical records as the reader will, re-marking salvageable damage. */
  private remarkDamagedRecords (): void {
    const block = this.block
    let p = 0
    while (block.length - p >= HEADER_SIZE) {
      const end = recordEnd(block, p)
      if (end < 0) return
      const type = block[p + 6]!
      if (decodeFixed32(block, p) === recordChecksum(type, block, p + HEADER_SIZE, end)) {
        p = end
        continue
      }
      if (!isSoundRecord(block, end)) return
      block[p + 6] = SKIPPED_RECORD_TYPE
      encodeFixed32(block, p, recordChecksum(SKIPPED_RECORD_TYPE, block, p + HEADER_SIZE, end))
      this.events?.skipped(this.blockOffset + p)
      p = end
    }
  }
}

/** Where the physical record at `p` ends, or -1 where the reader stops reading the block. */
function recordEnd (block: Uint8Array, p: number): number {
  if (block.length - p < HEADER_SIZE) return -1
  const length = block[p + 4]! | (block[p + 5]! << 8)
  const type = block[p + 6]!
  const end = p + HEADER_SIZE + length
  if (end > block.length) return -1
  // Zeroed space: the reader skips the rest of the block.
  if (type === RecordType.Zero && length === 0) return -1
  return end
}

/** Whether a record of a known type, whose checksum holds, starts at `p`. */
function isSoundRecord (block: Uint8Array, p: number): boolean {
  const end = recordEnd(block, p)
  if (end < 0) return false
  const type = block[p + 6]!
  if (type === RecordType.Zero || type > MAX_RECORD_TYPE) return false
  return decodeFixed32(block, p) === recordChecksum(type, block, p + HEADER_SIZE, end)
}
