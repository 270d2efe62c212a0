// The fixed parts of a table file (doc/table.md): block handles, the 48-byte footer, and the
// 5-byte trailer (compression type + masked CRC32C) that follows every block. readBlock() is the
// single place where table bytes come off the disk, so it is where checksums are verified and
// compressed blocks are expanded.

import { ByteWriter, Cursor, decodeFixed32, encodeFixed32 } from '../util/coding.js'
import { crc32c, crc32cExtend, maskCrc, unmaskCrc } from '../util/crc32c.js'
import { corruption } from '../util/errors.js'
import { snappyUncompress } from '../util/snappy.js'
import type { RandomAccessFile } from '../env/env.js'

/** Compression type byte + masked CRC32C after each block. */
export const BLOCK_TRAILER_SIZE = 5
/** Two maximum-length handles (2 x 20 bytes) padded to 40, then the 8-byte magic. */
export const FOOTER_SIZE = 48
/** Longest BlockHandle encoding: two varint64s of at most 10 bytes each. */
export const MAX_BLOCK_HANDLE_LENGTH = 20

export const NO_COMPRESSION = 0
export const SNAPPY_COMPRESSION = 1

/** 0xdb4775248b80fb57 stored as two little-endian fixed32 words, low word first. */
const MAGIC_LO = 0x8b80fb57
const MAGIC_HI = 0xdb477524

/** Scratch for checksumming the type byte without allocating. */
const TYPE_BYTE = new Uint8Array(1)

/**
 * A raw Snappy element never expands to more than 64 output bytes per 3 input bytes (a two-byte
 * offset copy of length 64), so 22 x the compressed size bounds any valid block. A header that
 * claims more is corrupt, and we refuse before allocating.
 */
const SNAPPY_MAX_EXPANSION = 22

export interface BlockHandle {
  /** File offset of the block's first byte. */
  readonly offset: number
  /** Stored length of the block, excluding its 5-byte trailer. */
  readonly size: number
}

export function encodeBlockHandle (out: ByteWriter, handle: BlockHandle): void {
  out.varint(handle.offset)
  out.varint(handle.size)
}

/** Encodes a handle into a fresh array (for index values and the metaindex). */
export function blockHandleBytes (handle: BlockHandle): Uint8Array {
  const w = new ByteWriter(MAX_BLOCK_HANDLE_LENGTH)
  encodeBlockHandle(w, handle)
  return w.finish()
}

/** Reads a handle at the cursor; throws LEVEL_CORRUPTION if the varints are malformed. */
export function decodeBlockHandle (cursor: Cursor): BlockHandle {
  const offset = cursor.varint64()
  const size = cursor.varint64()
  return { offset, size }
}

/** Decodes a whole byte string as one handle (an index or metaindex value). */
export function decodeBlockHandleBytes (bytes: Uint8Array): BlockHandle {
  return decodeBlockHandle(new Cursor(bytes))
}

interface Footer {
  readonly metaindexHandle: BlockHandle
  readonly indexHandle: BlockHandle
}

export function encodeFooter (footer: Footer): Uint8Array {
  const w = new ByteWriter(FOOTER_SIZE)
  encodeBlockHandle(w, footer.metaindexHandle)
  encodeBlockHandle(w, footer.indexHandle)
  // ByteWriter's buffer is zero-filled, so the padding up to byte 40 is already zeros.
  const out = new Uint8Array(FOOTER_SIZE)
  out.set(w.view())
  encodeFixed32(out, FOOTER_SIZE - 8, MAGIC_LO)
  encodeFixed32(out, FOOTER_SIZE - 4, MAGIC_HI)
  return out
}

/**
 * Decodes the last 48 bytes of a table. The padding is not checked (LevelDB does not check it
 * either); the magic number is.
 */
export function decodeFooter (bytes: Uint8Array, fileName?: string, fileOffset?: number): Footer {
  const where = { file: fileName, offset: fileOffset }
  if (bytes.length < FOOTER_SIZE) throw corruption('file is too short to be an sstable', where)
  const base = bytes.length - FOOTER_SIZE
  if (decodeFixed32(bytes, base + 40) !== MAGIC_LO || decodeFixed32(bytes, base + 44) !== MAGIC_HI) {
    throw corruption('not an sstable (bad magic number)', where)
  }
  try {
    const cursor = new Cursor(bytes, base, base + 40)
    const metaindexHandle = decodeBlockHandle(cursor)
    const indexHandle = decodeBlockHandle(cursor)
    return { metaindexHandle, indexHandle }
  } catch (err) {
    throw corruption('bad block handle in footer', { ...where, cause: err })
  }
}

/** The trailer's checksum: masked CRC32C of the stored bytes followed by the type byte. */
export function blockChecksum (stored: Uint8Array, type: number): number {
  TYPE_BYTE[0] = type
  return maskCrc(crc32cExtend(crc32c(stored), TYPE_BYTE))
}

interface ReadBlockOptions {
  verifyChecksums: boolean
  /** Named in corruption errors. */
  fileName?: string
}

/**
 * Reads the block at `handle` with its trailer, checks the checksum (when asked) and returns the
 * uncompressed contents. The result may be a view into a buffer owned by this call; callers may
 * keep it. Every failure is LEVEL_CORRUPTION naming the file and the block's offset. `output`, if
 * given, supplies the memory a compressed block is decompressed into (see decodeBlock).
 */
export function readBlock (file: RandomAccessFile, handle: BlockHandle, options: ReadBlockOptions,
  output?: (length: number) => Uint8Array): Uint8Array {
  const total = handle.size + BLOCK_TRAILER_SIZE
  // Bound the read by the file itself: a corrupt handle must not make us allocate gigabytes.
  if (!Number.isSafeInteger(handle.offset) || !Number.isSafeInteger(total) || handle.offset + total > file.size) {
    throw corruption(`block handle (offset ${handle.offset}, size ${handle.size}) runs past end of file`,
      { file: options.fileName, offset: handle.offset })
  }
  if (file.readInto !== undefined && total <= MAX_SCRATCH) {
    // Into a buffer reused from read to read: decodeBlock returns the block in memory of its own
    // (decompressed, or copied out when stored uncompressed), so nothing keeps the scratch. It
    // saves a fresh buffer per block read, which is most of the garbage a compaction makes.
    if (scratch.length < total) scratch = new Uint8Array(Math.max(total, scratch.length * 2))
    if (file.readInto(handle.offset, total, scratch, 0) !== total) throw truncatedRead(handle, options)
    return decodeBlock(scratch.subarray(0, total), handle, options, true, output)
  }
  const read = file.read(handle.offset, total)
  if (read.length !== total) throw truncatedRead(handle, options)
  return decodeBlock(read, handle, options, false, output)
}

function truncatedRead (handle: BlockHandle, options: ReadBlockOptions): Error {
  return corruption('truncated block read', { file: options.fileName, offset: handle.offset })
}

/** Blocks up to this size (with trailer) are read into the reused scratch buffer. */
const MAX_SCRATCH = 1 << 20
let scratch = new Uint8Array(8192)

/**
 * Checks the checksum of a block read with its trailer (`raw`: exactly handle.size + 5 bytes)
 * when asked, and returns its uncompressed contents. With `shared` (raw is a view of a larger
 * buffer read for several blocks), an uncompressed block is copied, so that keeping it (in the
 * block cache) does not keep the whole buffer. A compressed block is decompressed into the array
 * `output` returns for its length, when given, else into a new one.
 */
export function decodeBlock (raw: Uint8Array, handle: BlockHandle, options: ReadBlockOptions, shared: boolean,
  output?: (length: number) => Uint8Array): Uint8Array {
  // A Node Buffer's subarray() is several times slower than a Uint8Array's, and readers take
  // many views of a block: view the same memory as a plain Uint8Array.
  const buf = Object.getPrototypeOf(raw) === Uint8Array.prototype ? raw : new Uint8Array(raw.buffer, raw.byteOffset, raw.length)

  const stored = buf.subarray(0, handle.size)
  const type = buf[handle.size]!
  if (options.verifyChecksums) {
    const expected = unmaskCrc(decodeFixed32(buf, handle.size + 1))
    const actual = crc32cExtend(crc32c(stored), buf, handle.size, handle.size + 1)
    if (actual !== expected) throw corruption('block checksum mismatch', { file: options.fileName, offset: handle.offset })
  }

  switch (type) {
    case NO_COMPRESSION:
      return shared ? stored.slice() : stored
    case SNAPPY_COMPRESSION:
      try {
        return snappyUncompress(stored, stored.length * SNAPPY_MAX_EXPANSION, output)
      } catch (err) {
        // Whatever the decoder disliked, the stored bytes are what is wrong.
        throw corruption('corrupted compressed block contents', { file: options.fileName, offset: handle.offset, cause: err })
      }
    default:
      throw corruption(`bad block type ${type}`, { file: options.fileName, offset: handle.offset })
  }
}
