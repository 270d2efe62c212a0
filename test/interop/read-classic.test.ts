// Reading the real thing: classic-level (LevelDB 1.20) writes a database with its defaults — Snappy
// on, bloom filter on — and enough data that tables sit at several levels and the log is not empty.
// Shale's own readers then decode every piece: the MANIFEST's VersionEdits, every live table (every
// entry in order, checksums verified, the filter admitting every present key) and every log record.
// Merging those pieces by sequence number must give exactly what classic-level itself reads.

import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync } from 'node:fs'
import { readWithClassic, removeDir, sortedModel, tempDir, writeWithClassic, type Model } from './classic-fixture.js'
import {
  batchEntries, env, icmp, logName, NUM_LEVELS, openTable, readLogRecords, readManifest, tableEntries, tableName,
  type Entry, type ManifestState
} from './shale-pieces.js'
import { LookupKey, makeInternalKey, MAX_SEQUENCE, parseInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { compareBytes, toHex } from '../../src/util/coding.js'

for (const compression of [true, false]) {
  describe(`a database written by classic-level (compression ${compression ? 'on' : 'off'})`, () => {
    const seed = compression ? 20261121 : 11212026
    let dir: string
    let copy: string
    let model: Model
    let manifest: ManifestState
    let classic: Array<[Buffer, Buffer]>

    before(async () => {
      dir = tempDir('read-classic')
      model = await writeWithClassic(dir, {
        seed, operations: 20_000, keySpace: 20_000, maxValue: 1200, compression, writeBufferSize: 64 * 1024
      })
      manifest = readManifest(dir)
      // Opening with LevelDB flushes the log into a table, so classic-level reads a copy and the
      // original keeps the state Shale decodes.
      copy = tempDir('read-classic-copy')
      cpSync(dir, copy, { recursive: true })
      classic = await readWithClassic(copy)
    })
    after(() => { removeDir(dir); removeDir(copy) })

    test('classic-level itself agrees with the workload model', () => {
      assert.deepEqual(classic, sortedModel(model), `seed ${seed}`)
    })

    test('the MANIFEST decodes into a consistent set of live files at several levels', () => {
      assert.equal(manifest.comparator, 'leveldb.BytewiseComparator')
      assert.ok(manifest.logNumber > 0 && manifest.nextFileNumber > manifest.logNumber)
      assert.ok(manifest.edits.length >= 3, 'several VersionEdits')
      // LevelDB compacts in a background thread, so how many tables sit where depends on timing;
      // the workload reliably leaves several tables on at least two levels.
      const levels = new Set([...manifest.files.values()].map((f) => f.level))
      assert.ok(manifest.files.size >= 4, `several tables (got ${manifest.files.size})`)
      assert.ok(levels.size >= 2, `tables at several levels (got ${[...levels].join(',')})`)
      const onDisk = new Set(env.getChildren(dir))
      for (const f of manifest.files.values()) {
        assert.ok(f.level >= 0 && f.level < NUM_LEVELS)
        assert.ok(onDisk.has(tableName(dir, f.number).split('/').pop()!), `table #${f.number} exists`)
        assert.equal(env.getFileSize(tableName(dir, f.number)), f.fileSize, `size of #${f.number} matches the MANIFEST`)
        assert.ok(icmp.compare(f.smallest, f.largest) <= 0)
      }
      // Levels >= 1 hold disjoint, sorted key ranges.
      for (let level = 1; level < NUM_LEVELS; level++) {
        const files = [...manifest.files.values()].filter((f) => f.level === level)
          .sort((a, b) => icmp.compare(a.smallest, b.smallest))
        for (let i = 1; i < files.length; i++) {
          assert.ok(icmp.compare(files[i - 1]!.largest, files[i]!.smallest) < 0, `L${level} files overlap`)
        }
      }
    })

    test('every live table decodes in order, within its recorded range, and its filter admits every key', () => {
      let total = 0
      for (const f of manifest.files.values()) {
        const table = openTable(dir, f)
        assert.ok(table.hasFilter, `table #${f.number} has LevelDB's bloom filter`)
        const it = table.newIterator()
        let prev: Uint8Array | undefined
        let first: Uint8Array | undefined
        let n = 0
        for (it.seekToFirst(); it.valid(); it.next()) {
          const key = it.key().slice()
          if (prev !== undefined) assert.ok(icmp.compare(prev, key) < 0, `entries of #${f.number} in strict order`)
          first ??= key
          prev = key
          n++
        }
        it.checkError()
        assert.ok(n > 0)
        assert.deepEqual(first, f.smallest, `smallest of #${f.number}`)
        assert.deepEqual(prev, f.largest, `largest of #${f.number}`)
        total += n

        // The filter (over user keys) must admit every present key: a lookup through get(), which
        // consults the filter first, finds each entry. Absent keys are mostly turned away.
        for (const e of tableEntries(table)) {
          let found = false
          table.get(new LookupKey(e.userKey, e.sequence).internalKey(), (k) => {
            const p = parseInternalKey(k)
            found = compareBytes(p.userKey, e.userKey) === 0 && p.sequence === e.sequence
          })
          assert.ok(found, `get finds ${toHex(e.userKey)}@${e.sequence} in #${f.number}`)
        }
        table.file.close()
      }
      assert.ok(total > 1000)
    })

    test('the bloom filters turn away absent keys', () => {
      let probes = 0
      let passed = 0
      for (const f of manifest.files.values()) {
        const table = openTable(dir, f)
        for (let i = 0; i < 200; i++) {
          probes++
          let reached = false
          table.get(makeInternalKey(Buffer.from(`absent-${f.number}-${i}`), MAX_SEQUENCE, ValueType.Value), () => { reached = true })
          if (reached) passed++
        }
        table.file.close()
      }
      // An absent key reaches a data block only on a filter false positive (about 1% at 10 bits/key),
      // or when it sorts past the last block.
      assert.ok(passed / probes < 0.05, `${passed} of ${probes} absent probes passed the filters`)
    })

    test('tables and logs merged by sequence equal what classic-level reads', () => {
      const newest = new Map<string, Entry>()
      const consider = (e: Entry): void => {
        const k = toHex(e.userKey)
        const had = newest.get(k)
        if (had === undefined || had.sequence < e.sequence) newest.set(k, e)
      }
      for (const f of manifest.files.values()) {
        const table = openTable(dir, f)
        for (const e of tableEntries(table)) consider(e)
        table.file.close()
      }
      // Logs the MANIFEST has not yet absorbed: number >= log number, or the previous log.
      const logs = env.getChildren(dir).filter((n) => /^\d+\.log$/.test(n)).map((n) => parseInt(n, 10))
        .filter((n) => n >= manifest.logNumber || n === manifest.prevLogNumber).sort((a, b) => a - b)
      assert.ok(logs.length >= 1)
      let logEntries = 0
      let maxSequence = 0
      for (const n of logs) {
        for (const record of readLogRecords(logName(dir, n))) {
          for (const e of batchEntries(record)) {
            consider(e)
            logEntries++
            maxSequence = Math.max(maxSequence, e.sequence)
          }
        }
      }
      assert.ok(logEntries >= 20, 'the unflushed writes are in the log')
      // (The MANIFEST's last sequence may already count them: LevelDB records its current last
      // sequence in every edit, and a background compaction may have logged one after them.)
      assert.ok(maxSequence > 0)
      const merged = [...newest.values()]
        .filter((e) => e.type === ValueType.Value)
        .sort((a, b) => compareBytes(a.userKey, b.userKey))
        .map((e): [Buffer, Buffer] => [Buffer.from(e.userKey), Buffer.from(e.value)])
      assert.equal(merged.length, classic.length)
      assert.deepEqual(merged, classic, `seed ${seed}`)
    })
  })
}
