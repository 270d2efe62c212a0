// Table builder and reader: the table_test ApproximateOffsetOf scenarios, get(), the filter and the block cache, and the reader's errors.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { compareBytes, concatBytes, encodeFixed32, utf8 } from '../../src/util/coding.js'
import { bytewiseComparator } from '../../src/util/comparator.js'
import { crc32c, maskCrc } from '../../src/util/crc32c.js'
import { isCorruption, ShaleError } from '../../src/util/errors.js'
import { LruCache } from '../../src/util/lru-cache.js'
import { BloomFilterPolicy } from '../../src/table/bloom.js'
import type { Block } from '../../src/table/block.js'
import type { FilterPolicy } from '../../src/table/filter-policy.js'
import { decodeFooter, FOOTER_SIZE } from '../../src/table/format.js'
import { InternalKeyComparator, makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { Table, type BlockCacheKey } from '../../src/table/table.js'
import { buildTableBytes, hex, MemoryRandomAccessFile, MemoryWritableFile, openTable, Rng } from './helpers.js'

function randomString (rng: Rng, length: number): Uint8Array {
  return rng.printable(length)
}

function compressibleString (rng: Rng, ratio: number, length: number): Uint8Array {
  const raw = randomString(rng, Math.max(1, Math.floor(length * ratio)))
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = raw[i % raw.length]!
  return out
}

function between (value: number, low: number, high: number): void {
  assert.ok(value >= low && value <= high, `${value} not in [${low}, ${high}]`)
}

describe('ApproximateOffsetOf', () => {
  test('ApproximateOffsetOfPlain', () => {
    const rng = new Rng(301)
    const entries: Array<[string, Uint8Array]> = [
      ['k01', utf8('hello')],
      ['k02', utf8('hello2')],
      ['k03', new Uint8Array(10000).fill(0x78)],
      ['k04', randomString(rng, 200000)],
      ['k05', randomString(rng, 300000)],
      ['k06', utf8('hello3')],
      ['k07', randomString(rng, 100000)]
    ]
    const bytes = buildTableBytes(entries.map(([k, v]) => [utf8(k), v]), { blockSize: 1024, compression: 'none' })
    const { table } = openTable(bytes)
    const at = (k: string): number => table.approximateOffsetOf(utf8(k))
    between(at('abc'), 0, 0)
    between(at('k01'), 0, 0)
    between(at('k01a'), 0, 0)
    between(at('k02'), 0, 0)
    between(at('k03'), 0, 0)
    between(at('k04'), 10000, 11000)
    between(at('k04a'), 210000, 211000)
    between(at('k05'), 210000, 211000)
    between(at('k06'), 510000, 511000)
    between(at('k07'), 510000, 511000)
    between(at('xyz'), 610000, 612000)
  })

  test('ApproximateOffsetOfCompressed (needs Snappy)', () => {
    const rng = new Rng(301)
    const entries: Array<[Uint8Array, Uint8Array]> = [
      [utf8('k01'), utf8('hello')],
      [utf8('k02'), compressibleString(rng, 0.25, 10000)],
      [utf8('k03'), utf8('hello3')],
      [utf8('k04'), compressibleString(rng, 0.25, 10000)]
    ]
    const bytes = buildTableBytes(entries, { blockSize: 1024, compression: 'snappy' })
    const { table } = openTable(bytes)
    const at = (k: string): number => table.approximateOffsetOf(utf8(k))
    // Each 10000-byte value compresses to about 2500 bytes; the compressor's effectiveness varies.
    const slop = 1000
    const expected = 2500
    between(at('abc'), 0, slop)
    between(at('k01'), 0, slop)
    between(at('k02'), 0, slop)
    between(at('k03'), expected - slop, expected + slop)
    between(at('k04'), expected - slop, expected + slop)
    between(at('xyz'), 2 * (expected - slop), 2 * (expected + slop))
    // And the compressed table reads back.
    const it = table.newIterator()
    let n = 0
    for (it.seekToFirst(); it.valid(); it.next()) {
      assert.equal(hex(it.key()), hex(entries[n]![0]))
      assert.equal(hex(it.value()), hex(entries[n]![1]))
      n++
    }
    it.checkError()
    assert.equal(n, entries.length)
  })
})

/** Entries k000000.. with values of `valueSize` random printable bytes. */
function numberedEntries (n: number, valueSize: number, seed = 7): Array<[Uint8Array, Uint8Array]> {
  const rng = new Rng(seed)
  const out: Array<[Uint8Array, Uint8Array]> = []
  for (let i = 0; i < n; i++) out.push([utf8('k' + String(i * 2).padStart(6, '0')), rng.printable(valueSize)])
  return out
}

describe('TableBuilder', () => {
  test('rejects keys out of order or repeated', () => {
    const b = new TableBuilder(new MemoryWritableFile(), { comparator: bytewiseComparator, compression: 'none' })
    b.add(utf8('b'), utf8('1'))
    assert.throws(() => b.add(utf8('b'), utf8('2')), /strictly increasing/)
    assert.throws(() => b.add(utf8('a'), utf8('2')), /strictly increasing/)
    b.add(utf8('c'), utf8('3'))
    assert.equal(b.numEntries, 2)
  })

  test('accepts exactly the keys its comparator puts after the last one, and reads them all back', () => {
    const seed = 1 + Math.floor(Math.random() * 1e6)
    const rng = new Rng(seed)
    const icmp = new InternalKeyComparator()
    // Short keys over a small alphabet, so that many share prefixes, are prefixes of one another,
    // or are equal; internal keys also tie on user keys and differ by tag only.
    const shortKey = (): Uint8Array => Uint8Array.from({ length: rng.uniform(5) }, () => 0x61 + rng.uniform(3))
    const cases = [
      { cmp: bytewiseComparator, make: shortKey },
      { cmp: icmp, make: () => makeInternalKey(shortKey(), rng.uniform(4), rng.oneIn(3) ? ValueType.Deletion : ValueType.Value) }
    ]
    for (const { cmp, make } of cases) {
      for (let round = 0; round < 20; round++) {
        const file = new MemoryWritableFile()
        const b = new TableBuilder(file, { comparator: cmp, compression: 'none', blockSize: 64, blockRestartInterval: 1 + rng.uniform(4) })
        const added: Uint8Array[] = []
        for (let i = 0; i < 300; i++) {
          const key = make()
          const expected = added.length === 0 || cmp.compare(key, added[added.length - 1]!) > 0
          let accepted = true
          try {
            b.add(key, key)
          } catch {
            accepted = false
          }
          assert.equal(accepted, expected, `seed ${seed}, ${cmp.name}, round ${round}, key ${hex(key)}`)
          if (accepted) added.push(key)
        }
        b.finish()
        const { table } = openTable(file.contents(), { comparator: cmp })
        const it = table.newIterator()
        const read: string[] = []
        for (it.seekToFirst(); it.valid(); it.next()) read.push(hex(it.key()) + '=' + hex(it.value()))
        assert.deepEqual(read, added.map((k) => hex(k) + '=' + hex(k)), `seed ${seed}, ${cmp.name}, round ${round}`)
      }
    }
  })

  test('finish() returns the file size; the builder cannot be used afterwards', () => {
    const file = new MemoryWritableFile()
    const b = new TableBuilder(file, { comparator: bytewiseComparator, compression: 'none' })
    for (const [k, v] of numberedEntries(1000, 100)) b.add(k, v)
    const size = b.finish()
    assert.equal(size, file.size)
    assert.equal(b.fileSize, size)
    assert.throws(() => b.add(utf8('zzz'), utf8('')), /after finish/)
    assert.throws(() => b.finish(), /after finish/)
  })

  test('an empty table is valid and iterates as empty', () => {
    const bytes = buildTableBytes([])
    const { table } = openTable(bytes)
    const it = table.newIterator()
    it.seekToFirst()
    assert.equal(it.valid(), false)
    it.seekToLast()
    assert.equal(it.valid(), false)
    let called = false
    table.get(utf8('a'), () => { called = true })
    assert.equal(called, false)
  })

  test('appends in large chunks, not once per block', () => {
    const file = new MemoryWritableFile()
    const b = new TableBuilder(file, { comparator: bytewiseComparator, compression: 'none' })
    for (const [k, v] of numberedEntries(20000, 100)) b.add(k, v)
    const size = b.finish()
    const blocks = Math.ceil(size / 4096)
    assert.ok(file.appendCalls * 20 < blocks, `${file.appendCalls} appends for about ${blocks} blocks`)
  })

  test('abandon() writes nothing more', () => {
    const file = new MemoryWritableFile()
    const b = new TableBuilder(file, { comparator: bytewiseComparator, compression: 'none' })
    b.add(utf8('a'), utf8('1'))
    b.abandon()
    assert.equal(file.size, 0)
    assert.throws(() => b.add(utf8('b'), utf8('2')))
  })

  test('data blocks close once their uncompressed estimate reaches blockSize', () => {
    const entries = numberedEntries(2000, 100)
    const bytes = buildTableBytes(entries, { blockSize: 4096, compression: 'none' })
    const { table } = openTable(bytes)
    // Each block holds entries until its size reaches 4096: every block but the last is >= 4096
    // raw bytes and below 4096 + one entry.
    const offsets = new Set<number>()
    for (const [k] of entries) offsets.add(table.approximateOffsetOf(k))
    const sorted = [...offsets].sort((a, b) => a - b)
    for (let i = 1; i < sorted.length; i++) {
      const stored = sorted[i]! - sorted[i - 1]! - 5
      assert.ok(stored >= 4096 && stored < 4096 + 120, `block ${i - 1} is ${stored} bytes`)
    }
  })

  test('a failed append makes the builder refuse further work with the same error', () => {
    const failing = new MemoryWritableFile()
    const boom = new Error('ENOSPC')
    failing.append = () => { throw boom }
    const b = new TableBuilder(failing, { comparator: bytewiseComparator, compression: 'none' })
    assert.throws(() => { for (const [k, v] of numberedEntries(5000, 100)) b.add(k, v); b.finish() }, (e) => e === boom)
    assert.throws(() => b.add(utf8('zzzz'), utf8('')), (e) => e === boom)
  })

  test('snappy: compressible blocks stored as type 1, incompressible as type 0 (needs Snappy)', () => {
    const rng = new Rng(9)
    const compressible = numberedEntries(200, 0).map(([k], i): [Uint8Array, Uint8Array] => [k, new Uint8Array(100).fill(0x61 + (i % 3))])
    const bytesC = buildTableBytes(compressible, { compression: 'snappy' })
    assert.equal(bytesC[firstBlockSize(bytesC)], 1, 'compressible data block should be snappy')
    const random = numberedEntries(200, 0).map(([k]): [Uint8Array, Uint8Array] => [k, rng.printable(100).map((x) => x * 7 + 13)])
    const bytesR = buildTableBytes(random, { compression: 'snappy' })
    assert.equal(bytesR[firstBlockSize(bytesR)], 0, 'incompressible data block should be stored raw')
    for (const [bytes, entries] of [[bytesC, compressible], [bytesR, random]] as const) {
      const { table } = openTable(bytes)
      const it = table.newIterator()
      let i = 0
      for (it.seekToFirst(); it.valid(); it.next(), i++) assert.equal(hex(it.value()), hex(entries[i]![1]))
      it.checkError()
      assert.equal(i, entries.length)
    }
  })
})

/** Size of the first data block, read from the index via the table reader's offsets. */
function firstBlockSize (bytes: Uint8Array): number {
  const { table } = openTable(bytes)
  // The second block starts after block 0 and its trailer.
  const it = table.newIterator()
  it.seekToFirst()
  let second = 0
  for (; it.valid(); it.next()) {
    const off = table.approximateOffsetOf(it.key())
    if (off > 0) { second = off; break }
  }
  assert.ok(second > 0, 'table should have at least two blocks')
  return second - 5
}

describe('Table.get', () => {
  const entries = numberedEntries(3000, 50)

  test('finds every key and reports the next entry of the block for misses', () => {
    const { table } = openTable(buildTableBytes(entries))
    for (const [k, v] of entries) {
      let got: string | undefined
      table.get(k, (gk, gv) => { got = hex(gk) + '=' + hex(gv) })
      assert.equal(got, hex(k) + '=' + hex(v))
    }
    // k000001 is absent; the first entry >= it is k000002, in the same block.
    let next: string | undefined
    table.get(utf8('k000001'), (gk) => { next = new TextDecoder().decode(gk) })
    assert.equal(next, 'k000002')
    let past = false
    table.get(utf8('z'), () => { past = true })
    assert.equal(past, false)
  })

  test('with a bloom filter, most misses read no data block', () => {
    const policy = new BloomFilterPolicy(10)
    const { table, file } = openTable(buildTableBytes(entries, { filterPolicy: policy }), { filterPolicy: policy })
    assert.equal(table.hasFilter, true)
    const readsAtOpen = file.reads
    for (const [k, v] of entries) {
      let got: Uint8Array | undefined
      table.get(k, (_gk, gv) => { got = gv.slice() })
      assert.equal(hex(got!), hex(v))
    }
    const readsForHits = file.reads - readsAtOpen
    assert.equal(readsForHits, entries.length)
    let falsePositives = 0
    for (let i = 0; i < entries.length; i++) {
      const before = file.reads
      table.get(utf8('k' + String(i * 2 + 1).padStart(6, '0')), () => {})
      falsePositives += file.reads - before
    }
    assert.ok(falsePositives < entries.length * 0.02, `${falsePositives} block reads for ${entries.length} misses`)
  })

  test('a policy of another name is ignored: the table works without a filter', () => {
    const written = new BloomFilterPolicy(10)
    const other: FilterPolicy = { name: 'other', createFilter: () => new Uint8Array(0), keyMayMatch: () => false }
    const { table } = openTable(buildTableBytes(entries, { filterPolicy: written }), { filterPolicy: other })
    assert.equal(table.hasFilter, false)
    let got = false
    table.get(entries[10]![0], () => { got = true })
    assert.equal(got, true)
  })

  test('a handler may call get() again', () => {
    const { table } = openTable(buildTableBytes(entries))
    const seen: string[] = []
    table.get(entries[5]![0], (k) => {
      seen.push(hex(k))
      table.get(entries[2000]![0], (k2) => { seen.push(hex(k2)) })
    })
    assert.deepEqual(seen, [hex(entries[5]![0]), hex(entries[2000]![0])])
  })
})

describe('block cache', () => {
  const entries = numberedEntries(3000, 50)

  test('caches decoded data blocks keyed by table and offset, charged by size', () => {
    const cache = new LruCache<BlockCacheKey, Block>(1 << 20)
    const bytes = buildTableBytes(entries)
    const { table, file } = openTable(bytes, { blockCache: cache, cacheId: 1 })
    const { table: other, file: otherFile } = openTable(bytes, { blockCache: cache, cacheId: 2 })
    const readsAtOpen = file.reads
    for (const [k] of entries) table.get(k, () => {})
    const firstPass = file.reads - readsAtOpen
    const blocks = cache.size
    assert.equal(firstPass, blocks, 'each block read once')
    for (const [k] of entries) table.get(k, () => {})
    const it = table.newIterator()
    for (it.seekToFirst(); it.valid(); it.next());
    it.checkError()
    assert.equal(file.reads - readsAtOpen, firstPass, 'second pass served from the cache')
    let charge = 0
    for (const key of cache.keys()) charge += cache.peek(key)!.size
    assert.equal(cache.totalCharge, charge)
    // Another table id does not see these blocks.
    const otherReads = otherFile.reads
    other.get(entries[0]![0], () => {})
    assert.equal(otherFile.reads, otherReads + 1)
  })

  test('respects its capacity, and fillCache: false leaves it untouched', () => {
    const cache = new LruCache<BlockCacheKey, Block>(10000)
    const { table } = openTable(buildTableBytes(entries), { blockCache: cache })
    for (const [k] of entries) table.get(k, () => {})
    assert.ok(cache.totalCharge <= 10000)
    assert.ok(cache.size >= 2)
    cache.clear()
    const it = table.newIterator({ fillCache: false })
    for (it.seekToFirst(); it.valid(); it.next());
    it.checkError()
    table.get(entries[0]![0], () => {}, { fillCache: false })
    assert.equal(cache.size, 0)
  })
})

describe('Table: block memory reused after eviction (block-buffers.ts)', () => {
  test('gets through a small cache that releases evicted blocks return the right values, and an iterator keeps reading its blocks', () => {
    const seed = 1 + Math.floor(Math.random() * 1e6)
    const rng = new Rng(seed)
    const entries: Array<[Uint8Array, Uint8Array]> = []
    for (let i = 0; i < 3000; i++) entries.push([utf8(`key${String(i).padStart(6, '0')}`), compressibleString(rng, 0.5, 20 + rng.uniform(200))])
    const bytes = buildTableBytes(entries, { compression: 'snappy', blockSize: 1024 })
    let released = 0
    // Room for a few blocks only: almost every get evicts one, whose memory the next read reuses.
    const cache = new LruCache<BlockCacheKey, Block>(4096, { onEvict: (_key, block) => { released++; block.release() } })
    const { table } = openTable(bytes, { blockCache: cache })
    // An iterator positioned in the middle of the table before the gets, and one that walks
    // while they run: their blocks must not be reused under them. Each block they enter was
    // read by a get just before, so they take it from the cache, in memory a get may reuse.
    table.get(entries[1500]![0], () => {})
    const it = table.newIterator()
    it.seek(entries[1500]![0])
    table.get(entries[0]![0], () => {})
    const walker = table.newIterator()
    walker.seekToFirst()
    let walked = 0
    for (let round = 0; round < 4000; round++) {
      if (walked + 1 < entries.length) table.get(entries[walked + 1]![0], () => {})
      const i = rng.uniform(entries.length)
      let got: string | undefined
      table.get(entries[i]![0], (k, v) => { if (compareBytes(k, entries[i]![0]) === 0) got = hex(v) })
      assert.equal(got, hex(entries[i]![1]), `seed ${seed}, round ${round}, entry ${i}`)
      if (walker.valid()) {
        assert.equal(hex(walker.key()), hex(entries[walked]![0]), `seed ${seed}, walker at ${walked}`)
        assert.equal(hex(walker.value()), hex(entries[walked]![1]), `seed ${seed}, walker at ${walked}`)
        walker.next()
        walked++
      }
    }
    assert.ok(released > 1000, `blocks released: ${released}`)
    for (let i = 1500; i < 1600; i++, it.next()) {
      assert.ok(it.valid())
      assert.equal(hex(it.key()), hex(entries[i]![0]), `seed ${seed}, iterator at ${i}`)
      assert.equal(hex(it.value()), hex(entries[i]![1]), `seed ${seed}, iterator at ${i}`)
    }
    it.checkError()
    walker.checkError()
  })
})

function expectCorruption (fn: () => unknown, pattern: RegExp): ShaleError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof ShaleError, `expected a ShaleError, got ${String(caught)}`)
  assert.equal(caught.code, 'LEVEL_CORRUPTION')
  assert.match(caught.message, pattern)
  return caught
}

describe('Table.open errors', () => {
  const bytes = buildTableBytes(numberedEntries(500, 100))

  test('file is too short to be an sstable', () => {
    const err = expectCorruption(() => openTable(bytes.subarray(0, 47)), /file is too short to be an sstable/)
    assert.equal(err.file, '000005.ldb')
    assert.match(err.message, /000005\.ldb/)
  })

  test('not an sstable (bad magic number)', () => {
    const damaged = bytes.slice()
    damaged[damaged.length - 1]! ^= 1
    expectCorruption(() => openTable(damaged), /not an sstable \(bad magic number\)/)
    // Truncation moves the footer: the magic is not where it should be.
    expectCorruption(() => openTable(bytes.subarray(0, bytes.length - 10)), /bad magic number/)
  })

  test('a damaged index block is an error naming the file and the offset', () => {
    const footer = decodeFooter(bytes.subarray(bytes.length - FOOTER_SIZE))
    const damaged = bytes.slice()
    damaged[footer.indexHandle.offset + 3]! ^= 0x40
    const err = expectCorruption(() => openTable(damaged), /block checksum mismatch/)
    assert.equal(err.offset, footer.indexHandle.offset)
    assert.equal(err.file, '000005.ldb')
    // Without verification the damage can go unnoticed at open, but reads never return junk
    // that is not an entry: see corruption.test.ts.
  })

  test('a damaged data block: iteration skips it and reports the error; get throws', () => {
    const entries = numberedEntries(500, 100)
    const damaged = bytes.slice()
    damaged[5000]! ^= 0x01
    const { table } = openTable(damaged)
    const it = table.newIterator()
    let n = 0
    for (it.seekToFirst(); it.valid(); it.next()) {
      const e = entries.find(([k]) => compareBytes(k, it.key()) === 0)
      assert.ok(e !== undefined && hex(e[1]) === hex(it.value()), 'only intact entries are returned')
      n++
    }
    assert.ok(n < entries.length && n > entries.length - 50, `${n} entries survived`)
    const err = expectCorruption(() => it.checkError(), /block checksum mismatch/)
    assert.equal(err.file, '000005.ldb')
    assert.ok(err.offset! <= 5000 && err.offset! > 5000 - 4200)
    let failures = 0
    for (const [k] of entries) {
      try {
        table.get(k, () => {})
      } catch (e) {
        assert.ok(isCorruption(e))
        failures++
      }
    }
    assert.ok(failures > 0 && failures < 50, `${failures} gets failed`)
  })

  test('a damaged filter or metaindex block only disables the filter', () => {
    const policy = new BloomFilterPolicy(10)
    const entries = numberedEntries(500, 100)
    const withFilter = buildTableBytes(entries, { filterPolicy: policy })
    const footer = decodeFooter(withFilter.subarray(withFilter.length - FOOTER_SIZE))
    for (const at of [footer.metaindexHandle.offset - 10, footer.metaindexHandle.offset + 2]) {
      const damaged = withFilter.slice()
      damaged[at]! ^= 0x10
      const { table } = openTable(damaged, { filterPolicy: policy })
      assert.equal(table.hasFilter, false)
      let found = 0
      for (const [k] of entries) table.get(k, () => { found++ })
      assert.equal(found, entries.length)
    }
  })

  test('a block of unknown compression type is corruption ("bad block type")', () => {
    // Rewrite the first data block's trailer as type 2 (zstd, which LevelDB 1.20 cannot read)
    // with a matching checksum, so that only the type is wrong.
    const size = firstBlockSize(bytes)
    const damaged = bytes.slice()
    damaged[size] = 2
    const crcInput = concatBytes([damaged.subarray(0, size), new Uint8Array([2])])
    encodeFixed32(damaged, size + 1, maskCrc(crc32c(crcInput)))
    const { table } = openTable(damaged)
    const err = expectCorruption(() => table.get(utf8('k000000'), () => {}), /bad block type 2/)
    assert.equal(err.offset, 0)
  })

  test('index handles past the end of the file are refused before any read', () => {
    // A footer whose index handle claims 2^40 bytes.
    const damaged = bytes.slice()
    const f = damaged.length - FOOTER_SIZE
    const footer = decodeFooter(damaged.subarray(f))
    const w = new Uint8Array(40)
    let p = 0
    for (const v of [footer.metaindexHandle.offset, footer.metaindexHandle.size, footer.indexHandle.offset, 2 ** 40]) {
      let x = v
      while (x >= 128) { w[p++] = (x % 128) | 0x80; x = Math.floor(x / 128) }
      w[p++] = x
    }
    damaged.set(w, f)
    const file = new MemoryRandomAccessFile(damaged)
    expectCorruption(() => Table.open(file, damaged.length, { comparator: bytewiseComparator }), /runs past/)
    assert.equal(file.bytesRead, FOOTER_SIZE, 'only the footer was read')
  })
})
