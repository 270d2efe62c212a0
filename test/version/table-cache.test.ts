// TableCache over real tables in a MemEnv: LRU eviction at maxOpenFiles - 10, files closed only
// when evicted and unused, iterators that outlive their cache entry, the .sst fallback, and the
// errors for missing, damaged and unreadable tables.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { fromUtf8 } from '../../src/util/coding.js'
import { ShaleError } from '../../src/util/errors.js'
import { LruCache } from '../../src/util/lru-cache.js'
import { FaultEnv } from '../../src/env/fault-env.js'
import { sstTableFileName, tableFileName } from '../../src/dbformat/filename.js'
import { parseInternalKey } from '../../src/dbformat/internal-key.js'
import type { Block } from '../../src/table/block.js'
import type { BlockCacheKey } from '../../src/table/table.js'
import type { InternalIterator } from '../../src/util/iterator.js'
import { TableCache } from '../../src/version/table-cache.js'
import { DB, filterPolicy, icmp, ik, newEnv, type TableEntry, writeTable } from './helpers.js'

function entries (prefix: string, n: number): TableEntry[] {
  const out: TableEntry[] = []
  for (let i = 0; i < n; i++) out.push({ key: `${prefix}${String(i).padStart(4, '0')}`, seq: i + 1, value: `${prefix}value-${i}` })
  return out
}

function lookup (cache: TableCache, number: number, size: number, key: string): string | undefined {
  let found: string | undefined
  cache.get(number, size, ik(key, 1e6), (k, v) => {
    if (fromUtf8(parseInternalKey(k).userKey) === key) found = fromUtf8(v)
  })
  return found
}

function drain (it: InternalIterator): string[] {
  const out: string[] = []
  for (; it.valid(); it.next()) out.push(fromUtf8(parseInternalKey(it.key()).userKey))
  it.checkError()
  return out
}

/** Opens and closes of table files, by file number. */
function fileCalls (env: FaultEnv, op: 'open' | 'close', number: number): number {
  return env.calls.filter((c) => c.op === op && c.path === tableFileName(DB, number)).length
}

function setup (maxOpenFiles: number, tables = 3): { env: FaultEnv, cache: TableCache, sizes: number[] } {
  const mem = newEnv()
  const sizes = [0]
  for (let n = 1; n <= tables; n++) sizes.push(writeTable(mem, n, entries(`t${n}-`, 50)).fileSize)
  const env = new FaultEnv(mem)
  return { env, cache: new TableCache(env, DB, { icmp, filterPolicy, maxOpenFiles }), sizes }
}

describe('TableCache', () => {
  test('holds maxOpenFiles - 10 tables, least recently used out first, closing their files', () => {
    const { env, cache, sizes } = setup(12)
    assert.equal(cache.capacity, 2)
    assert.equal(lookup(cache, 1, sizes[1]!, 't1-0007'), 't1-value-7')
    assert.equal(lookup(cache, 2, sizes[2]!, 't2-0003'), 't2-value-3')
    assert.equal(lookup(cache, 1, sizes[1]!, 't1-0009'), 't1-value-9')
    assert.equal(fileCalls(env, 'open', 1), 1, 'table 1 stays open between reads')
    assert.equal(cache.size, 2)
    // Table 3 pushes out table 2, the least recently used.
    assert.equal(lookup(cache, 3, sizes[3]!, 't3-0000'), 't3-value-0')
    assert.equal(cache.size, 2)
    assert.equal(fileCalls(env, 'close', 2), 1)
    assert.equal(fileCalls(env, 'close', 1), 0)
    assert.equal(lookup(cache, 2, sizes[2]!, 't2-0049'), 't2-value-49')
    assert.equal(fileCalls(env, 'open', 2), 2)
    assert.equal(fileCalls(env, 'close', 1), 1)
    assert.equal(lookup(cache, 2, sizes[2]!, 'absent'), undefined)
  })

  test('an iterator keeps its table usable after eviction; the file closes with the iterator', () => {
    const { env, cache, sizes } = setup(11)
    assert.equal(cache.capacity, 1)
    const it = cache.newIterator(1, sizes[1]!)
    it.seekToFirst()
    const first = fromUtf8(parseInternalKey(it.key()).userKey)
    // Evicted for room, then explicitly (as when the file is deleted), then the cache closes.
    lookup(cache, 2, sizes[2]!, 't2-0001')
    cache.evict(1)
    cache.close()
    assert.equal(fileCalls(env, 'close', 1), 0, 'still in use')
    assert.equal(fileCalls(env, 'close', 2), 1)
    assert.equal(first, 't1-0000')
    assert.deepEqual(drain(it), entries('t1-', 50).map((e) => e.key))
    it.seek(ik('t1-0025', 1e6))
    assert.equal(fromUtf8(parseInternalKey(it.key()).userKey), 't1-0025')
    it.close()
    it.close()
    assert.equal(fileCalls(env, 'close', 1), 1)
  })

  test('two iterators on one table: the file closes after the second', () => {
    const { env, cache, sizes } = setup(11)
    const a = cache.newIterator(1, sizes[1]!)
    const b = cache.newIterator(1, sizes[1]!)
    assert.equal(fileCalls(env, 'open', 1), 1)
    cache.evict(1)
    a.close()
    assert.equal(fileCalls(env, 'close', 1), 0)
    b.seekToLast()
    assert.equal(fromUtf8(parseInternalKey(b.key()).userKey), 't1-0049')
    b.close()
    assert.equal(fileCalls(env, 'close', 1), 1)
  })

  test('a pinned file is opened once, survives eviction and deletion, and closes only at close()', () => {
    const { env, cache, sizes } = setup(11)
    assert.equal(cache.capacity, 1)
    cache.pinFile(1)
    cache.pinFile(1)
    cache.pinFile(2)
    assert.equal(cache.pinnedCount, 2)
    assert.equal(fileCalls(env, 'open', 1), 1, 'opened at pinFile, once')
    assert.equal(cache.size, 0, 'pinning parses nothing')
    // Deleted, as a writer beside a read-only open would: still readable through the pinned file.
    env.removeFile(tableFileName(DB, 1))
    env.removeFile(tableFileName(DB, 2))
    assert.equal(lookup(cache, 1, sizes[1]!, 't1-0005'), 't1-value-5')
    // Table 2 evicts table 1 from the cache; the pinned file stays open and serves it again.
    assert.equal(lookup(cache, 2, sizes[2]!, 't2-0005'), 't2-value-5')
    assert.equal(lookup(cache, 1, sizes[1]!, 't1-0006'), 't1-value-6')
    assert.equal(fileCalls(env, 'open', 1), 1)
    assert.equal(fileCalls(env, 'close', 1), 0)
    // A table that is neither pinned nor on disk is missing as before.
    assert.throws(() => cache.pinFile(9), /table file missing/)
    cache.close()
    assert.equal(cache.pinnedCount, 0)
    assert.equal(fileCalls(env, 'close', 1), 1)
    assert.equal(fileCalls(env, 'close', 2), 1)
  })

  test('falls back to the legacy .sst name', () => {
    const mem = newEnv()
    const meta = writeTable(mem, 7, entries('s', 10), sstTableFileName(DB, 7))
    const cache = new TableCache(mem, DB, { icmp, filterPolicy, maxOpenFiles: 100 })
    assert.equal(lookup(cache, 7, meta.fileSize, 's0004'), 'svalue-4')
    assert.equal(drain(withFirst(cache.newIterator(7, meta.fileSize))).length, 10)
  })

  test('a missing table is LEVEL_CORRUPTION naming the .ldb file (both names tried)', () => {
    const { cache } = setup(100, 0)
    assert.throws(() => lookup(cache, 9, 1000, 'a'), (err: unknown) => {
      assert.ok(err instanceof ShaleError)
      assert.equal(err.code, 'LEVEL_CORRUPTION')
      assert.equal(err.file, tableFileName(DB, 9))
      assert.match(err.message, /table file missing \(also tried \/db\/000009\.sst\)/)
      return true
    })
    assert.throws(() => cache.newIterator(9, 1000), /table file missing/)
    assert.equal(cache.approximateOffsetOf(9, 1000, ik('a')), 0)
  })

  test('a damaged table is the reader\'s LEVEL_CORRUPTION naming the file, and is not cached', () => {
    const { env, cache, sizes } = setup(100, 1)
    // A wrong size from the MANIFEST puts the footer in the wrong place.
    assert.throws(() => lookup(cache, 1, sizes[1]! - 1, 't1-0001'), (err: unknown) => {
      assert.ok(err instanceof ShaleError)
      assert.equal(err.code, 'LEVEL_CORRUPTION')
      assert.equal(err.file, tableFileName(DB, 1))
      return true
    })
    assert.equal(cache.size, 0)
    assert.equal(fileCalls(env, 'close', 1), 1, 'the file opened for the failed attempt is closed')
    assert.equal(lookup(cache, 1, sizes[1]!, 't1-0001'), 't1-value-1')
  })

  test('an I/O error opening a table is LEVEL_IO_ERROR, not "missing"', () => {
    const { env, cache, sizes } = setup(100, 1)
    env.inject({ op: 'open', code: 'EIO' })
    assert.throws(() => lookup(cache, 1, sizes[1]!, 't1-0001'), (err: unknown) => err instanceof ShaleError && err.code === 'LEVEL_IO_ERROR')
    assert.equal(lookup(cache, 1, sizes[1]!, 't1-0001'), 't1-value-1')
  })

  test('fillCache: false reads blocks without adding them to the block cache', () => {
    const mem = newEnv()
    const meta = writeTable(mem, 1, entries('b', 200))
    const blockCache = new LruCache<BlockCacheKey, Block>(1 << 20)
    const cache = new TableCache(mem, DB, { icmp, filterPolicy, blockCache, maxOpenFiles: 100 })
    let found = false
    cache.get(1, meta.fileSize, ik('b0100', 1e6), () => { found = true }, { fillCache: false })
    assert.ok(found)
    assert.equal(blockCache.size, 0)
    drain(withFirst(cache.newIterator(1, meta.fileSize, { fillCache: false })))
    assert.equal(blockCache.size, 0)
    lookup(cache, 1, meta.fileSize, 'b0100')
    assert.equal(blockCache.size, 1)
  })

  test('approximateOffsetOf grows through the table', () => {
    const mem = newEnv()
    const meta = writeTable(mem, 1, entries('o', 300))
    const cache = new TableCache(mem, DB, { icmp, filterPolicy, maxOpenFiles: 100 })
    const a = cache.approximateOffsetOf(1, meta.fileSize, ik('o0000', 1e6))
    const b = cache.approximateOffsetOf(1, meta.fileSize, ik('o0150', 1e6))
    const c = cache.approximateOffsetOf(1, meta.fileSize, ik('z', 1e6))
    assert.equal(a, 0)
    assert.ok(b > a && c > b && c < meta.fileSize, `${a} ${b} ${c}`)
  })
})

function withFirst (it: InternalIterator): InternalIterator {
  it.seekToFirst()
  return it
}
