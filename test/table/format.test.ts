// Block handles, the footer and readBlock(): checksums, compression types and bounds.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ByteWriter, Cursor, concatBytes, encodeFixed32, utf8 } from '../../src/util/coding.js'
import { crc32c, maskCrc } from '../../src/util/crc32c.js'
import { ShaleError } from '../../src/util/errors.js'
import { snappyCompress } from '../../src/util/snappy.js'
import {
  blockChecksum, blockHandleBytes, decodeBlockHandle, decodeBlockHandleBytes, decodeFooter, encodeBlockHandle,
  encodeFooter, FOOTER_SIZE, MAX_BLOCK_HANDLE_LENGTH, readBlock
} from '../../src/table/format.js'
import { hex, MemoryRandomAccessFile } from './helpers.js'

function corruptionOf (fn: () => unknown): ShaleError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof ShaleError, `expected ShaleError, got ${String(err)}`)
    assert.equal(err.code, 'LEVEL_CORRUPTION')
    return err
  }
  assert.fail('expected LEVEL_CORRUPTION')
}

/** Stored bytes + type + masked CRC, as a table holds a block. */
function withTrailer (stored: Uint8Array, type: number): Uint8Array {
  const trailer = new Uint8Array(5)
  trailer[0] = type
  encodeFixed32(trailer, 1, blockChecksum(stored, type))
  return concatBytes([stored, trailer])
}

describe('BlockHandle', () => {
  test('round-trips, including offsets beyond 32 bits', () => {
    for (const h of [{ offset: 0, size: 0 }, { offset: 56, size: 8 }, { offset: 2 ** 40 + 3, size: 2 ** 33 }, { offset: 2 ** 53 - 1, size: 2 ** 53 - 1 }]) {
      const bytes = blockHandleBytes(h)
      assert.ok(bytes.length <= MAX_BLOCK_HANDLE_LENGTH)
      assert.deepEqual(decodeBlockHandleBytes(bytes), h)
    }
    assert.equal(hex(blockHandleBytes({ offset: 0, size: 51 })), '0033')
    assert.equal(hex(blockHandleBytes({ offset: 131, size: 22 })), '830116')
  })

  test('decodes sequentially from a cursor', () => {
    const w = new ByteWriter()
    encodeBlockHandle(w, { offset: 300, size: 5 })
    encodeBlockHandle(w, { offset: 1, size: 2 })
    const c = new Cursor(w.finish())
    assert.deepEqual(decodeBlockHandle(c), { offset: 300, size: 5 })
    assert.deepEqual(decodeBlockHandle(c), { offset: 1, size: 2 })
    assert.equal(c.remaining, 0)
  })

  test('a truncated handle is corruption', () => {
    corruptionOf(() => decodeBlockHandleBytes(new Uint8Array([0x80])))
    corruptionOf(() => decodeBlockHandleBytes(new Uint8Array([0x05])))
  })
})

describe('Footer', () => {
  test('encodes handles, zero padding and the magic', () => {
    const f = encodeFooter({ metaindexHandle: { offset: 56, size: 8 }, indexHandle: { offset: 69, size: 22 } })
    assert.equal(f.length, FOOTER_SIZE)
    assert.equal(hex(f), '3808' + '4516' + '00'.repeat(36) + '57fb808b247547db')
    assert.deepEqual(decodeFooter(f), { metaindexHandle: { offset: 56, size: 8 }, indexHandle: { offset: 69, size: 22 } })
  })

  test('round-trips maximum-length handles', () => {
    const big = { offset: 2 ** 53 - 1, size: 2 ** 52 }
    assert.deepEqual(decodeFooter(encodeFooter({ metaindexHandle: big, indexHandle: big })), { metaindexHandle: big, indexHandle: big })
  })

  test('errors name the file', () => {
    const e1 = corruptionOf(() => decodeFooter(new Uint8Array(47), 'x.ldb'))
    assert.match(e1.message, /file is too short to be an sstable.*x\.ldb/)
    const bad = encodeFooter({ metaindexHandle: { offset: 1, size: 2 }, indexHandle: { offset: 3, size: 4 } })
    bad[44]! ^= 0x80
    const e2 = corruptionOf(() => decodeFooter(bad, 'x.ldb', 100))
    assert.match(e2.message, /not an sstable \(bad magic number\)/)
    assert.equal(e2.file, 'x.ldb')
    assert.equal(e2.offset, 100)
    // Magic right, handles unreadable (ten continuation bytes).
    const junk = encodeFooter({ metaindexHandle: { offset: 1, size: 2 }, indexHandle: { offset: 3, size: 4 } })
    junk.fill(0xff, 0, 40)
    corruptionOf(() => decodeFooter(junk))
  })
})

describe('readBlock', () => {
  const stored = utf8('hello, block contents')
  const prefix = new Uint8Array(7).fill(9)

  test('returns the stored bytes of a type-0 block and checks the masked CRC', () => {
    const file = new MemoryRandomAccessFile(concatBytes([prefix, withTrailer(stored, 0)]))
    const handle = { offset: 7, size: stored.length }
    assert.equal(hex(readBlock(file, handle, { verifyChecksums: true })), hex(stored))
    // The trailer's CRC covers the type byte too.
    assert.equal(blockChecksum(stored, 0), maskCrc(crc32c(concatBytes([stored, new Uint8Array([0])]))))
  })

  test('a flipped bit is a checksum mismatch naming the file and offset, unless verification is off', () => {
    const bytes = concatBytes([prefix, withTrailer(stored, 0)])
    bytes[10]! ^= 0x04
    const file = new MemoryRandomAccessFile(bytes)
    const handle = { offset: 7, size: stored.length }
    const err = corruptionOf(() => readBlock(file, handle, { verifyChecksums: true, fileName: '000009.ldb' }))
    assert.match(err.message, /block checksum mismatch.*000009\.ldb.*offset 7/)
    assert.equal(err.offset, 7)
    assert.equal(readBlock(file, handle, { verifyChecksums: false }).length, stored.length)
  })

  test('a damaged type byte or CRC field is detected', () => {
    const good = withTrailer(stored, 0)
    for (const at of [stored.length, stored.length + 1, stored.length + 4]) {
      const bytes = good.slice()
      bytes[at]! ^= 0x01
      corruptionOf(() => readBlock(new MemoryRandomAccessFile(bytes), { offset: 0, size: stored.length }, { verifyChecksums: true }))
    }
  })

  test('decompresses a snappy block (needs Snappy)', () => {
    const raw = utf8('abcabcabcabcabcabcabcabcabcabcabcabcabcabc')
    const file = new MemoryRandomAccessFile(withTrailer(snappyCompress(raw), 1))
    assert.equal(hex(readBlock(file, { offset: 0, size: file.size - 5 }, { verifyChecksums: true })), hex(raw))
  })

  test('damaged snappy contents are corruption, even with verification off', () => {
    // Header claims 1000 bytes, then a copy with an offset before the start of the output.
    const junk = new Uint8Array([0xe8, 0x07, 0x01, 0xff, 0x00])
    const file = new MemoryRandomAccessFile(withTrailer(junk, 1))
    const err = corruptionOf(() => readBlock(file, { offset: 0, size: junk.length }, { verifyChecksums: false, fileName: 'f' }))
    assert.match(err.message, /corrupted compressed block contents/)
    // A header claiming far more than 22x the stored size is refused without allocating.
    const huge = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])
    corruptionOf(() => readBlock(new MemoryRandomAccessFile(withTrailer(huge, 1)), { offset: 0, size: huge.length }, { verifyChecksums: true }))
  })

  test('types other than 0 and 1 are "bad block type"', () => {
    for (const type of [2, 3, 0x80, 0xff]) {
      const file = new MemoryRandomAccessFile(withTrailer(stored, type))
      const err = corruptionOf(() => readBlock(file, { offset: 0, size: stored.length }, { verifyChecksums: true }))
      assert.match(err.message, new RegExp(`bad block type ${type}`))
    }
  })

  test('a handle past the end of the file is refused before reading', () => {
    const file = new MemoryRandomAccessFile(withTrailer(stored, 0))
    for (const handle of [{ offset: 0, size: stored.length + 1 }, { offset: 1, size: stored.length }, { offset: 0, size: 2 ** 50 }, { offset: 2 ** 60, size: 1 }]) {
      corruptionOf(() => readBlock(file, handle, { verifyChecksums: true }))
    }
    assert.equal(file.reads, 0)
  })
})
