// Both directions against LevelDB 1.20 itself (through classic-level, a devDependency):
// - tables written by classic-level read back with Shale's reader: every entry, in order, with and
//   without Snappy, and through LevelDB's bloom filter (always on in classic-level, over user keys);
// - tables written by Shale's builder (Snappy and bloom filter on) opened by classic-level, with a
//   hand-made MANIFEST that names them.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ClassicLevel } from 'classic-level'
import { ByteWriter, compareBytes, concatBytes, decodeFixed64, encodeFixed32, encodeFixed64, fromHex, fromUtf8, utf8 } from '../../src/util/coding.js'
import { bytewiseComparator, type Comparator } from '../../src/util/comparator.js'
import { crc32c, maskCrc } from '../../src/util/crc32c.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { BloomFilterPolicy } from '../../src/table/bloom.js'
import type { FilterPolicy } from '../../src/table/filter-policy.js'
import { Table } from '../../src/table/table.js'
import { MemoryRandomAccessFile, MemoryWritableFile } from './helpers.js'

/** Filters on the user key inside an internal key, as LevelDB's internal filter policy does. */
function userKeyPolicy (inner: FilterPolicy): FilterPolicy {
  return {
    name: inner.name,
    createFilter: (keys) => inner.createFilter(keys.map((k) => k.subarray(0, k.length - 8))),
    keyMayMatch: (key, filter) => inner.keyMayMatch(key.subarray(0, key.length - 8), filter)
  }
}

function userKey (i: number): string {
  return 'key' + String(i).padStart(6, '0')
}

function valueFor (i: number, compressible: boolean): string {
  return compressible ? `value-${i}-` + 'abcdefgh'.repeat(1 + (i % 20)) : `value-${i}-${(i * 2654435761 >>> 0).toString(36)}`
}

async function writeWithClassicLevel (dir: string, n: number, compression: boolean): Promise<void> {
  const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8', compression })
  await db.open()
  const ops: Array<{ type: 'put', key: string, value: string }> = []
  for (let i = 0; i < n; i++) ops.push({ type: 'put', key: userKey(i), value: valueFor(i, compression) })
  await db.batch(ops)
  await db.compactRange('\x00', '\xff')
  await db.close()
}

describe('tables written by classic-level (LevelDB 1.20)', () => {
  for (const compression of [false, true]) {
    test(`read back every entry, compression ${compression ? 'snappy' : 'off'}`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shale-table-interop-'))
      try {
        const n = 5000
        await writeWithClassicLevel(dir, n, compression)
        const tables = fs.readdirSync(dir).filter((f) => f.endsWith('.ldb'))
        assert.ok(tables.length >= 1, 'classic-level wrote a table')
        const seen = new Set<string>()
        const policy = userKeyPolicy(new BloomFilterPolicy(10))
        for (const name of tables) {
          const bytes = new Uint8Array(fs.readFileSync(path.join(dir, name)))
          const table = Table.open(new MemoryRandomAccessFile(bytes), bytes.length, { comparator: bytewiseComparator, fileName: name, filterPolicy: policy })
          assert.equal(table.hasFilter, true, 'the bloom filter block is found and used')
          const it = table.newIterator()
          let prev: Uint8Array | undefined
          for (it.seekToFirst(); it.valid(); it.next()) {
            const key = it.key()
            if (prev !== undefined) assert.ok(compareBytes(prev, key) < 0)
            prev = key.slice()
            const user = fromUtf8(key.subarray(0, key.length - 8))
            const tag = decodeFixed64(key, key.length - 8)
            assert.equal(tag % 256, 1, 'value type')
            const i = Number(user.slice(3))
            assert.equal(fromUtf8(it.value()), valueFor(i, compression))
            seen.add(user)

            let got: string | undefined
            table.get(key, (_k, v) => { got = fromUtf8(v) })
            assert.equal(got, valueFor(i, compression))
          }
          it.checkError()
          // Keys that were never written are mostly turned away by the filter without a block read.
          const file = new MemoryRandomAccessFile(bytes)
          const t2 = Table.open(file, bytes.length, { comparator: bytewiseComparator, filterPolicy: policy })
          const before = file.reads
          for (let i = 0; i < 1000; i++) {
            const probe = new Uint8Array(10 + 8) // user key "keyNNNNNNx" + a zero tag
            probe.set(utf8(userKey(i) + 'x'))
            t2.get(probe, () => {})
          }
          assert.ok(file.reads - before < 50, `${file.reads - before} block reads for 1000 absent keys`)
        }
        assert.equal(seen.size, n)
        if (compression) {
          // The values are highly repetitive: LevelDB stored Snappy blocks, and we decoded them.
          let raw = 0
          for (let i = 0; i < n; i++) raw += valueFor(i, true).length
          let stored = 0
          for (const name of tables) stored += fs.statSync(path.join(dir, name)).size
          assert.ok(stored < raw / 2, `${stored} bytes stored for ${raw} bytes of values`)
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  }
})

const MAX_SEEK_TAG = fromHex('01 ff ff ff ff ff ff ff')

/**
 * Bytewise order (equal to LevelDB's internal-key order for distinct user keys of one length, each
 * written once) with the internal-key index-key rule, so that index keys stay valid internal keys.
 */
const internalStyleBytewise: Comparator = {
  name: 'shale.test.InternalStyleBytewise',
  compare: compareBytes,
  findShortestSeparator (start, limit) {
    const user = start.subarray(0, start.length - 8)
    const sep = bytewiseComparator.findShortestSeparator(user, limit.subarray(0, limit.length - 8))
    return sep.length < user.length && compareBytes(user, sep) < 0 ? concatBytes([sep, MAX_SEEK_TAG]) : start
  },
  findShortSuccessor (key) {
    const user = key.subarray(0, key.length - 8)
    const succ = bytewiseComparator.findShortSuccessor(user)
    return succ.length < user.length && compareBytes(user, succ) < 0 ? concatBytes([succ, MAX_SEEK_TAG]) : key
  }
}

function internalKey (user: string, seq: number): Uint8Array {
  const out = new Uint8Array(user.length + 8)
  out.set(utf8(user))
  encodeFixed64(out, user.length, seq * 256 + 1)
  return out
}

/** One FULL log record (header: masked CRC of type + payload, length, type 1). */
function logRecord (payload: Uint8Array): Uint8Array {
  const header = new Uint8Array(7)
  encodeFixed32(header, 0, maskCrc(crc32c(concatBytes([new Uint8Array([1]), payload]))))
  header[4] = payload.length & 0xff
  header[5] = payload.length >>> 8
  header[6] = 1
  return concatBytes([header, payload])
}

describe('tables written by Shale, opened by classic-level (LevelDB 1.20)', () => {
  test('snappy and bloom filter on: every key reads back, and survives a compaction', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shale-table-export-'))
    try {
      const n = 3000
      const file = new MemoryWritableFile()
      const builder = new TableBuilder(file, {
        comparator: internalStyleBytewise, compression: 'snappy', filterPolicy: userKeyPolicy(new BloomFilterPolicy(10))
      })
      for (let i = 0; i < n; i++) builder.add(internalKey(userKey(i), i + 1), utf8(valueFor(i, true)))
      const size = builder.finish()
      fs.writeFileSync(path.join(dir, '000005.ldb'), file.contents())

      // MANIFEST-000001: the comparator, then LogNumber 0, NextFile 6, LastSequence n and the
      // table at level 0 with its size and smallest/largest internal keys.
      const edit = new ByteWriter()
      edit.varint(2); edit.varint(0)
      edit.varint(3); edit.varint(6)
      edit.varint(4); edit.varint(n)
      edit.varint(7); edit.varint(0); edit.varint(5); edit.varint(size)
      edit.lengthPrefixed(internalKey(userKey(0), 1))
      edit.lengthPrefixed(internalKey(userKey(n - 1), n))
      const cmp = new ByteWriter()
      cmp.varint(1); cmp.lengthPrefixed(utf8('leveldb.BytewiseComparator'))
      fs.writeFileSync(path.join(dir, 'MANIFEST-000001'), concatBytes([logRecord(cmp.finish()), logRecord(edit.finish())]))
      fs.writeFileSync(path.join(dir, 'CURRENT'), 'MANIFEST-000001\n')

      const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8', createIfMissing: false })
      await db.open()
      try {
        for (const i of [0, 1, 17, 1234, n - 1]) assert.equal(await db.get(userKey(i)), valueFor(i, true))
        assert.equal(await db.get(userKey(n)), undefined)
        let count = 0
        for await (const [k, v] of db.iterator()) {
          assert.equal(k, userKey(count))
          assert.equal(v, valueFor(count, true))
          count++
        }
        assert.equal(count, n)
        await db.compactRange(userKey(0), userKey(n))
        assert.equal(await db.get(userKey(2999)), valueFor(2999, true))
      } finally {
        await db.close()
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
