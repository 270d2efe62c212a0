import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { runFlushJob } from '../../src/db/flush-job.js'
import type { TableWriteOptions } from '../../src/db/table-output.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { FaultEnv } from '../../src/env/fault-env.js'
import { systemErrorCode, type Env } from '../../src/env/env.js'
import { MemTable } from '../../src/memtable/memtable.js'
import {
  InternalFilterPolicy, InternalKeyComparator, internalKeyToString, ValueType
} from '../../src/dbformat/internal-key.js'
import { tableFileName } from '../../src/dbformat/filename.js'
import { BloomFilterPolicy } from '../../src/table/bloom.js'
import { Table } from '../../src/table/table.js'
import { toHex, utf8 } from '../../src/util/coding.js'
import { ShaleError } from '../../src/util/errors.js'
import type { InternalIterator } from '../../src/util/iterator.js'
import { Random } from '../../src/util/random.js'

const icmp = new InternalKeyComparator()
const DB = '/db'

const snappyBloom: TableWriteOptions = { blockSize: 1024, blockRestartInterval: 16, compression: 'snappy', bloomBitsPerKey: 10 }
const plain: TableWriteOptions = { blockSize: 4096, blockRestartInterval: 4, compression: 'none', bloomBitsPerKey: 0 }

function newEnv (): MemEnv {
  const env = new MemEnv()
  env.createDir(DB)
  env.syncDir('/')
  return env
}

interface Entry { key: string, value: string }

/** Every entry of an iterator as hex strings, in order. */
function drain (it: InternalIterator): Entry[] {
  const out: Entry[] = []
  for (it.seekToFirst(); it.valid(); it.next()) out.push({ key: toHex(it.key()), value: toHex(it.value()) })
  it.checkError()
  return out
}

function openTable (env: Env, number: number, size: number): Table {
  const path = tableFileName(DB, number)
  return Table.open(env.newRandomAccessFile(path), size, {
    comparator: icmp,
    fileName: path,
    filterPolicy: new InternalFilterPolicy(new BloomFilterPolicy(10)),
    verifyChecksums: true
  })
}

/** A memtable with overwrites and deletions: 300 user keys, several versions of some. */
function sampleMemTable (seed: number, count = 1000): MemTable {
  const mem = new MemTable(icmp)
  const rnd = new Random(seed)
  for (let seq = 1; seq <= count; seq++) {
    const key = utf8(`key${String(rnd.uniform(300)).padStart(4, '0')}`)
    if (rnd.oneIn(5)) mem.add(seq, ValueType.Deletion, key, new Uint8Array(0))
    else mem.add(seq, ValueType.Value, key, rnd.compressibleBytes(rnd.uniform(200)))
  }
  return mem
}

describe('runFlushJob', () => {
  for (const [name, options] of [['snappy + bloom', snappyBloom], ['no compression, no filter', plain]] as const) {
    test(`writes a table that reads back identically (${name})`, () => {
      const env = newEnv()
      const mem = sampleMemTable(7)
      const meta = runFlushJob(env, DB, mem.newIterator(), 12, options)
      assert.ok(meta !== undefined)
      assert.equal(meta.number, 12)
      assert.equal(meta.fileSize, env.getFileSize(tableFileName(DB, 12)))
      const expected = drain(mem.newIterator())
      assert.equal(expected.length, 1000)
      assert.equal(toHex(meta.smallest), expected[0]!.key)
      assert.equal(toHex(meta.largest), expected[expected.length - 1]!.key)
      const table = openTable(env, 12, meta.fileSize)
      assert.deepEqual(drain(table.newIterator()), expected)
      assert.equal(table.hasFilter, options.bloomBitsPerKey > 0)
    })
  }

  test('every version is kept: deletions and overwritten values survive a flush', () => {
    const env = newEnv()
    const mem = new MemTable(icmp)
    mem.add(1, ValueType.Value, utf8('a'), utf8('old'))
    mem.add(2, ValueType.Value, utf8('a'), utf8('new'))
    mem.add(3, ValueType.Deletion, utf8('b'), new Uint8Array(0))
    const meta = runFlushJob(env, DB, mem.newIterator(), 5, plain)!
    const it = openTable(env, 5, meta.fileSize).newIterator()
    const keys: string[] = []
    for (it.seekToFirst(); it.valid(); it.next()) keys.push(internalKeyToString(it.key()))
    assert.deepEqual(keys, ["'a' @ 2 : 1", "'a' @ 1 : 1", "'b' @ 3 : 0"])
  })

  test('the table and its directory entry are durable when the job returns', () => {
    const env = newEnv()
    const meta = runFlushJob(env, DB, sampleMemTable(3, 200).newIterator(), 9, snappyBloom)!
    const before = env.readFile(tableFileName(DB, 9))
    env.powerLoss()
    assert.deepEqual(env.readFile(tableFileName(DB, 9)), before)
    assert.equal(before.length, meta.fileSize)
  })

  test('an empty memtable gives undefined and creates no file', () => {
    const env = new FaultEnv(newEnv())
    const meta = runFlushJob(env, DB, new MemTable(icmp).newIterator(), 4, snappyBloom)
    assert.equal(meta, undefined)
    assert.deepEqual(env.inner.getChildren(DB), [])
    assert.equal(env.counts.create, 0)
  })

  for (const op of ['create', 'append', 'sync', 'close', 'syncDir'] as const) {
    test(`a failed ${op} throws LEVEL_IO_ERROR and leaves no file`, () => {
      const env = new FaultEnv(newEnv())
      env.inject({ op, code: 'ENOSPC' })
      assert.throws(() => runFlushJob(env, DB, sampleMemTable(5, 3000).newIterator(), 8, snappyBloom), (err: unknown) => {
        assert.ok(err instanceof ShaleError)
        assert.equal(err.code, 'LEVEL_IO_ERROR')
        assert.equal(systemErrorCode(err), 'ENOSPC')
        return true
      })
      assert.equal(env.counts[op] > 0, true, `the workload must reach ${op}`)
      assert.deepEqual(env.inner.getChildren(DB), [])
    })
  }

  test('an input iterator that reports an error fails the job and leaves no file', () => {
    const env = newEnv()
    const inner = sampleMemTable(11, 100).newIterator()
    const failing: InternalIterator = {
      valid: () => inner.valid(),
      seekToFirst: () => inner.seekToFirst(),
      seekToLast: () => inner.seekToLast(),
      seek: (t) => inner.seek(t),
      next: () => inner.next(),
      prev: () => inner.prev(),
      key: () => inner.key(),
      value: () => inner.value(),
      checkError: () => { throw new ShaleError('LEVEL_CORRUPTION', 'bad block') },
      close: () => inner.close()
    }
    assert.throws(() => runFlushJob(env, DB, failing, 3, plain), /bad block/)
    assert.deepEqual(env.getChildren(DB), [])
  })

  test('property: any memtable flushes to a table holding exactly its entries', () => {
    const entry = fc.record({
      key: fc.uint8Array({ maxLength: 12 }),
      del: fc.boolean(),
      value: fc.uint8Array({ maxLength: 40 })
    })
    const options = fc.constantFrom(snappyBloom, plain,
      { blockSize: 64, blockRestartInterval: 1, compression: 'snappy', bloomBitsPerKey: 3 } satisfies TableWriteOptions)
    fc.assert(fc.property(fc.array(entry, { maxLength: 200 }), options, (entries, opts) => {
      const env = newEnv()
      const mem = new MemTable(icmp)
      entries.forEach((e, i) => mem.add(i + 1, e.del ? ValueType.Deletion : ValueType.Value, e.key, e.del ? new Uint8Array(0) : e.value))
      const meta = runFlushJob(env, DB, mem.newIterator(), 20, opts)
      if (entries.length === 0) {
        assert.equal(meta, undefined)
        assert.deepEqual(env.getChildren(DB), [])
        return
      }
      assert.ok(meta !== undefined)
      const expected = drain(mem.newIterator())
      assert.deepEqual(drain(openTable(env, 20, meta.fileSize).newIterator()), expected)
      assert.equal(toHex(meta.smallest), expected[0]!.key)
      assert.equal(toHex(meta.largest), expected[expected.length - 1]!.key)
    }), { seed: 42, numRuns: 150 })
  })
})
