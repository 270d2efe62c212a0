// Readahead for table iterators (src/table/readahead.ts): sequential scans read spans instead of
// one block per read, random access does not, and every block cut from a span is still checked
// and decoded on its own.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { utf8 } from '../../src/util/coding.js'
import { isCorruption, ShaleError } from '../../src/util/errors.js'
import { LruCache } from '../../src/util/lru-cache.js'
import type { Block } from '../../src/table/block.js'
import { decodeFooter, FOOTER_SIZE } from '../../src/table/format.js'
import { MAX_READAHEAD, MIN_READAHEAD, Readahead } from '../../src/table/readahead.js'
import { Table, type BlockCacheKey } from '../../src/table/table.js'
import { bytewiseComparator } from '../../src/util/comparator.js'
import { buildTableBytes, hex, MemoryRandomAccessFile, Rng } from './helpers.js'

/** Remembers every read, to check what the iterator asked the file for. */
class RecordingFile extends MemoryRandomAccessFile {
  log: Array<[offset: number, length: number]> = []
  readonly buffers = new Set<ArrayBufferLike>()

  override read (offset: number, length: number): Uint8Array {
    this.log.push([offset, length])
    const out = super.read(offset, length)
    this.buffers.add(out.buffer)
    return out
  }
}

function entries (n: number, valueSize: number): Array<[Uint8Array, Uint8Array]> {
  const rng = new Rng(7)
  const out: Array<[Uint8Array, Uint8Array]> = []
  for (let i = 0; i < n; i++) out.push([utf8(`key${String(i).padStart(6, '0')}`), rng.printable(valueSize)])
  return out
}

function open (bytes: Uint8Array, blockCache?: LruCache<BlockCacheKey, Block>): { table: Table, file: RecordingFile } {
  const file = new RecordingFile(bytes)
  const table = Table.open(file, bytes.length, { comparator: bytewiseComparator, fileName: '000009.ldb', blockCache })
  file.log = []
  return { table, file }
}

const data = entries(4000, 200)
// About 800 KiB in 1 KiB blocks, uncompressed: every block read shows in the log.
const bytes = buildTableBytes(data, { blockSize: 1024 })
const dataLimit = bytes.length - FOOTER_SIZE
const blockCount = Math.ceil(dataLimit / 1024)

describe('table iterator readahead', () => {
  test('a forward scan reads growing spans, not one block at a time', () => {
    const { table, file } = open(bytes)
    const it = table.newIterator()
    let i = 0
    for (it.seekToFirst(); it.valid(); it.next()) {
      assert.equal(hex(it.key()), hex(data[i]![0]))
      assert.equal(hex(it.value()), hex(data[i]![1]))
      i++
    }
    it.checkError()
    assert.equal(i, data.length)
    assert.ok(file.log.length < blockCount / 8, `${file.log.length} reads for ${blockCount} blocks`)
    const lengths = file.log.map(([, length]) => length)
    assert.ok(Math.max(...lengths) <= MAX_READAHEAD, 'spans are capped')
    assert.ok(lengths.includes(MIN_READAHEAD) && lengths.includes(MAX_READAHEAD), `span sizes ${lengths.join(' ')}`)
    for (const [offset, length] of file.log) assert.ok(offset >= 0 && offset + length <= dataLimit, 'reads stay within the data blocks')
    // A span ends inside a block, which the next span reads again whole; nothing else is read twice.
    const total = lengths.reduce((a, b) => a + b, 0)
    assert.ok(total <= dataLimit + file.log.length * 1100, `${total} bytes read for ${dataLimit}`)
  })

  test('a backward scan reads spans ending at the block it needs', () => {
    const { table, file } = open(bytes)
    const it = table.newIterator()
    let i = data.length
    for (it.seekToLast(); it.valid(); it.prev()) {
      i--
      assert.equal(hex(it.key()), hex(data[i]![0]))
    }
    it.checkError()
    assert.equal(i, 0)
    assert.ok(file.log.length < blockCount / 8, `${file.log.length} reads for ${blockCount} blocks`)
    for (const [offset, length] of file.log) assert.ok(offset >= 0 && offset + length <= dataLimit && length <= MAX_READAHEAD)
  })

  test('random seeks read only the block they need', () => {
    const { table, file } = open(bytes)
    const rng = new Rng(3)
    const it = table.newIterator()
    for (let n = 0; n < 200; n++) {
      const [key, value] = data[rng.uniform(data.length)]!
      it.seek(key)
      assert.equal(hex(it.value()), hex(value))
    }
    for (const [, length] of file.log) assert.ok(length < 2 * 1024, `read of ${length} bytes for a seek`)
  })

  test('blocks cut from a span are checksum-verified: damage is reported, other blocks still read', () => {
    const damaged = bytes.slice()
    const at = Math.floor(dataLimit / 2)
    damaged[at]! ^= 0x40
    const { table, file } = open(damaged)
    const it = table.newIterator()
    let n = 0
    for (it.seekToFirst(); it.valid(); it.next()) n++
    assert.ok(file.log.some(([, length]) => length > 2 * 1024), 'the damaged block came from a span')
    assert.ok(n < data.length && n > data.length - 20, `${n} entries survived`)
    let err: unknown
    try {
      it.checkError()
    } catch (e) {
      err = e
    }
    assert.ok(isCorruption(err), `expected corruption, got ${String(err)}`)
    assert.match((err as ShaleError).message, /block checksum mismatch/)
    assert.equal((err as ShaleError).file, '000009.ldb')
    assert.ok((err as ShaleError).offset! <= at && (err as ShaleError).offset! > at - 1100)
  })

  test('a cached block does not keep its span alive: uncompressed blocks are copied out', () => {
    const cache = new LruCache<BlockCacheKey, Block>(64 << 20)
    const { table, file } = open(bytes, cache)
    const it = table.newIterator()
    for (it.seekToFirst(); it.valid(); it.next());
    it.checkError()
    assert.ok(cache.size > blockCount / 2)
    const spans = [...file.buffers].filter((b) => b.byteLength > 2 * 1024)
    assert.ok(spans.length > 0)
    for (const key of cache.keys()) {
      const block = cache.peek(key)!
      assert.ok(!spans.includes(block.data.buffer), 'a cached block is a view of a span')
    }
  })

  test('blocks found in the block cache keep a scan sequential', () => {
    const cache = new LruCache<BlockCacheKey, Block>(64 << 20)
    const { table, file } = open(bytes, cache)
    // Cache every other block by point lookups, then scan.
    for (let i = 0; i < data.length; i += 40) table.get(data[i]![0], () => {})
    file.log = []
    const it = table.newIterator()
    for (it.seekToFirst(); it.valid(); it.next());
    it.checkError()
    assert.ok(file.log.length < blockCount / 8, `${file.log.length} reads`)
  })

  test('footer sanity: the table has as many blocks as the test assumes', () => {
    const footer = decodeFooter(bytes.subarray(bytes.length - FOOTER_SIZE))
    assert.ok(footer.indexHandle.offset > 700 * 1024)
  })
})

describe('Readahead', () => {
  const file = new MemoryRandomAccessFile(new Uint8Array(1 << 20).map((_, i) => i & 0xff))
  const limit = file.size - 100

  test('the first block and any non-adjacent block are left to a plain read', () => {
    const ra = new Readahead()
    assert.equal(ra.blockBytes(file, { offset: 0, size: 995 }, limit), undefined)
    assert.equal(ra.blockBytes(file, { offset: 50000, size: 995 }, limit), undefined)
    assert.equal(file.reads, 0)
  })

  test('adjacent blocks forward: spans double from 16 KiB to 256 KiB and stop at the limit', () => {
    const ra = new Readahead()
    const reads: number[] = []
    let offset = 0
    assert.equal(ra.blockBytes(file, { offset, size: 995 }, limit), undefined)
    offset += 1000
    while (offset + 1000 <= limit) {
      const before = file.bytesRead
      const got = ra.blockBytes(file, { offset, size: 995 }, limit)!
      if (file.bytesRead !== before) reads.push(file.bytesRead - before)
      assert.equal(got.length, 1000)
      assert.equal(got[0], offset & 0xff)
      offset += 1000
    }
    assert.deepEqual(reads.slice(0, 6), [16384, 32768, 65536, 131072, 262144, 262144])
    assert.ok(reads[reads.length - 1]! <= 262144)
  })

  test('adjacent blocks backward read spans that end at the block', () => {
    const ra = new Readahead()
    let offset = 500000
    assert.equal(ra.blockBytes(file, { offset, size: 995 }, limit), undefined)
    const before = file.bytesRead
    offset -= 1000
    const got = ra.blockBytes(file, { offset, size: 995 }, limit)!
    assert.equal(got[0], offset & 0xff)
    assert.equal(file.bytesRead - before, MIN_READAHEAD)
    // The next blocks back come from the span.
    const reads = file.reads
    for (let i = 0; i < 10; i++) {
      offset -= 1000
      assert.equal(ra.blockBytes(file, { offset, size: 995 }, limit)![0], offset & 0xff)
    }
    assert.equal(file.reads, reads)
  })

  test('noteCached counts a cached block as read; a jump resets the size', () => {
    const ra = new Readahead()
    ra.noteCached({ offset: 0, size: 995 })
    const before = file.bytesRead
    assert.ok(ra.blockBytes(file, { offset: 1000, size: 995 }, limit) !== undefined)
    assert.equal(file.bytesRead - before, MIN_READAHEAD)
    ra.noteCached({ offset: 300000, size: 995 })
    const again = file.bytesRead
    assert.ok(ra.blockBytes(file, { offset: 301000, size: 995 }, limit) !== undefined)
    assert.equal(file.bytesRead - again, MIN_READAHEAD)
  })
})
