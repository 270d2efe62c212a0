// The log file format shared by the write-ahead log and the MANIFEST (doc/log.md).
//
// A log is a run of 32 KiB blocks. Each block holds physical records: a 7-byte header (masked
// CRC32C, uint16 payload length, type) and the payload. A user record larger than what is left of
// a block is split into FIRST, MIDDLE... and LAST fragments, so that a reader can resynchronise at
// the next block boundary after damage instead of losing the rest of the file.

import { crc32cExtend, crc32c, maskCrc } from '../util/crc32c.js'

export const BLOCK_SIZE = 32768

/** Masked CRC (4), payload length (2), record type (1). */
export const HEADER_SIZE = 7

export const RecordType = {
  /** Never written: it marks zeroed (preallocated) space, which readers skip. */
  Zero: 0,
  /** A whole user record in one physical record. */
  Full: 1,
  First: 2,
  Middle: 3,
  Last: 4
} as const

export type RecordType = typeof RecordType[keyof typeof RecordType]

export const MAX_RECORD_TYPE = RecordType.Last

// The CRC covers the type byte and then the payload. Pre-computing the CRC of each lone type byte
// lets the payload be fed to crc32cExtend straight from where it lies, with no copy to prepend the
// type.
const TYPE_CRC: readonly number[] = Array.from({ length: MAX_RECORD_TYPE + 1 }, (_, t) => crc32c(Uint8Array.of(t)))

/**
 * The masked checksum stored in a physical record's header, for a record of `type` whose payload is
 * `data[start, end)`. `type` may be any byte (readers check records of unknown type too).
 */
export function recordChecksum (type: number, data: Uint8Array, start = 0, end = data.length): number {
  const seed = type <= MAX_RECORD_TYPE ? TYPE_CRC[type]! : crc32c(Uint8Array.of(type & 0xff))
  return maskCrc(crc32cExtend(seed, data, start, end))
}
