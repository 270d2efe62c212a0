// Version over real tables in a MemEnv: get() order (level 0 newest first, then one file per
// level), snapshots, deletions, seek charging and updateStats, read sampling, the iterators of
// addIterators (level iterators open tables lazily and cross file boundaries both ways),
// pickLevelForMemTableOutput, and errors from damaged tables.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { fromUtf8, utf8 } from '../../src/util/coding.js'
import { ShaleError } from '../../src/util/errors.js'
import { FaultEnv } from '../../src/env/fault-env.js'
import { tableFileName } from '../../src/dbformat/filename.js'
import { encodeTag, LookupKey, MAX_SEQUENCE, parseInternalKey } from '../../src/dbformat/internal-key.js'
import { DELETED } from '../../src/memtable/memtable.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import type { InternalIterator } from '../../src/util/iterator.js'
import { VersionEdit, type FileMetaData } from '../../src/version/version-edit.js'
import { type GetStats, type Version } from '../../src/version/version.js'
import type { VersionSet } from '../../src/version/version-set.js'
import { createAndRecover, DB, icmp, ik, meta, newEnv, type TableEntry, writeTable } from './helpers.js'

const MiB = 1024 * 1024

interface Built {
  env: FaultEnv
  vset: VersionSet
  v: Version
}

/** Writes each table and installs them all at their levels in one edit. */
async function build (tables: Array<{ level: number, number: number, entries: TableEntry[] }>): Promise<Built> {
  const mem = newEnv()
  const env = new FaultEnv(mem)
  const { vset } = createAndRecover(env)
  const e = new VersionEdit()
  for (const t of tables) {
    e.addFile(t.level, writeTable(env, t.number, t.entries))
    vset.markFileNumberUsed(t.number)
  }
  await vset.logAndApply(e)
  return { env, vset, v: vset.current }
}

// Older data deeper down, as compactions leave it.
const LAYERED = [
  { level: 2, number: 3, entries: [{ key: 'c', seq: 1, value: 'c-old' }, { key: 'd', seq: 2, value: 'd-old' }, { key: 'e', seq: 3, value: 'e-old' }] },
  { level: 1, number: 4, entries: [{ key: 'd', seq: 5 }, { key: 'f', seq: 6, value: 'f1' }] },
  { level: 0, number: 5, entries: [{ key: 'a', seq: 7, value: 'a1' }, { key: 'c', seq: 8, value: 'c-new' }] },
  { level: 0, number: 6, entries: [{ key: 'a', seq: 9, value: 'a2' }, { key: 'b', seq: 10, value: 'b1' }] }
]

function get (v: Version, key: string, seq = MAX_SEQUENCE): { value: string | 'DELETED' | undefined, stats: GetStats } {
  const stats: GetStats = { seekFile: undefined, seekFileLevel: -1 }
  const found = v.get(new LookupKey(utf8(key), seq), stats)
  return { value: found === undefined ? undefined : found === DELETED ? 'DELETED' : fromUtf8(found), stats }
}

function userKeys (it: InternalIterator): string[] {
  const out: string[] = []
  for (; it.valid(); it.next()) out.push(`${fromUtf8(parseInternalKey(it.key()).userKey)}@${parseInternalKey(it.key()).sequence}`)
  it.checkError()
  return out
}

describe('Version.get', () => {
  test('finds the newest visible entry: level 0 newest file first, then one file per level', async () => {
    const { v } = await build(LAYERED)
    assert.deepEqual(get(v, 'a'), { value: 'a2', stats: { seekFile: undefined, seekFileLevel: -1 } })
    assert.equal(get(v, 'b').value, 'b1')
    assert.equal(get(v, 'c').value, 'c-new')
    assert.equal(get(v, 'd').value, 'DELETED')
    assert.equal(get(v, 'f').value, 'f1')
    assert.equal(get(v, 'z').value, undefined)
    assert.equal(get(v, '0').value, undefined)
  })

  test('snapshots see older entries, in the files below', async () => {
    const { v } = await build(LAYERED)
    assert.equal(get(v, 'a', 8).value, 'a1')
    assert.equal(get(v, 'a', 6).value, undefined)
    assert.equal(get(v, 'c', 7).value, 'c-old')
    assert.equal(get(v, 'd', 4).value, 'd-old')
  })

  test('the first file read is charged when more than one was read', async () => {
    const { v } = await build(LAYERED)
    // e lies in L1 #4's range but is not there: #4 is read in vain, then L2 #3.
    const e = get(v, 'e')
    assert.equal(e.value, 'e-old')
    assert.equal(e.stats.seekFile?.number, 4)
    assert.equal(e.stats.seekFileLevel, 1)
    // Three files read for a@6: #6, #5 (both level 0), then nothing deeper holds a: #6 charged.
    const a = get(v, 'a', 6)
    assert.equal(a.stats.seekFile?.number, 6)
    assert.equal(a.stats.seekFileLevel, 0)

    const f4 = v.files[1]![0]!
    assert.equal(f4.allowedSeeks, 100)
    let scheduled = false
    for (let i = 0; i < 100; i++) scheduled = v.updateStats(get(v, 'e').stats)
    assert.equal(scheduled, true)
    assert.equal(v.fileToCompact, f4)
    assert.equal(v.fileToCompactLevel, 1)
    assert.equal(v.updateStats({ seekFile: undefined, seekFileLevel: -1 }), false)
  })

  test('a value is returned as a copy', async () => {
    const { v } = await build(LAYERED)
    const stats: GetStats = { seekFile: undefined, seekFileLevel: -1 }
    const first = v.get(new LookupKey(utf8('f'), MAX_SEQUENCE), stats) as Uint8Array
    first[0] = 0x58
    assert.equal(get(v, 'f').value, 'f1')
  })

  test('a table entry whose key does not parse is corruption naming the table', async () => {
    const mem = newEnv()
    const { vset } = createAndRecover(mem)
    const bad = new Uint8Array(9)
    bad[0] = 0x61 // 'a'
    encodeTag(bad, 1, 1, 7) // type 7 does not exist
    const file = mem.newWritableFile(tableFileName(DB, 10))
    const builder = new TableBuilder(file, { comparator: icmp, compression: 'none' })
    builder.add(bad, utf8('x'))
    const fileSize = builder.finish()
    file.sync()
    file.close()
    const e = new VersionEdit()
    e.addFile(1, { number: 10, fileSize, smallest: bad, largest: bad })
    vset.markFileNumberUsed(10)
    await vset.logAndApply(e)
    assert.throws(() => get(vset.current, 'a'), (err: unknown) => {
      assert.ok(err instanceof ShaleError)
      assert.equal(err.code, 'LEVEL_CORRUPTION')
      assert.equal(err.file, tableFileName(DB, 10))
      return true
    })
  })

  test('a missing table fails the get with the table cache\'s error', async () => {
    const { env, v } = await build(LAYERED)
    env.removeFile(tableFileName(DB, 3))
    assert.throws(() => get(v, 'e'), /table file missing/)
  })
})

describe('recordReadSample', () => {
  test('charges the first of two or more files holding the key', async () => {
    const { v } = await build(LAYERED)
    const f6 = v.files[0]!.find((f) => f.number === 6)!
    const f5 = v.files[0]!.find((f) => f.number === 5)!
    // 'a' lies in the ranges of #6 and #5: #6 (newest) is charged.
    assert.equal(v.recordReadSample(ik('a', 9)), false)
    assert.equal(f6.allowedSeeks, 99)
    assert.equal(f5.allowedSeeks, 100)
    // 'f' lies only in #4's range: nothing is charged.
    assert.equal(v.recordReadSample(ik('f', 6)), false)
    assert.equal(v.files[1]![0]!.allowedSeeks, 100)
    // An unparsable key is ignored.
    assert.equal(v.recordReadSample(utf8('short')), false)
    f6.allowedSeeks = 1
    assert.equal(v.recordReadSample(ik('a', 9)), true)
    assert.equal(v.fileToCompact, f6)
  })
})

describe('addIterators', () => {
  test('one iterator per level-0 file and one per non-empty deeper level, covering every entry', async () => {
    const { v } = await build(LAYERED)
    const its: InternalIterator[] = []
    v.addIterators(its)
    assert.equal(its.length, 4)
    const all: string[] = []
    for (const it of its) {
      it.seekToFirst()
      all.push(...userKeys(it))
      it.close()
    }
    assert.deepEqual(all.sort(), ['a@7', 'a@9', 'b@10', 'c@1', 'c@8', 'd@2', 'd@5', 'e@3', 'f@6'].sort())
  })

  test('a level iterator opens tables only as it reaches them, and crosses files both ways', async () => {
    const tables = [0, 1, 2, 3].map((i) => ({
      level: 1,
      number: 10 + i,
      entries: Array.from({ length: 20 }, (_, j) => ({ key: `k${i}${String(j).padStart(2, '0')}`, seq: 100 + i * 20 + j, value: 'v' }))
    }))
    const { env, v } = await build(tables)
    const opens = (): number => env.calls.filter((c) => c.op === 'open' && c.path.endsWith('.ldb')).length
    const its: InternalIterator[] = []
    v.addIterators(its)
    assert.equal(its.length, 1)
    const it = its[0]!
    assert.equal(opens(), 0)
    it.seek(ik('k205', MAX_SEQUENCE))
    assert.equal(opens(), 1)
    assert.equal(fromUtf8(parseInternalKey(it.key()).userKey), 'k205')
    const flat = tables.flatMap((t) => t.entries.map((e) => e.key))
    // Backward over the boundary into #11, forward again into #13.
    for (let i = 0; i < 6; i++) it.prev()
    assert.equal(fromUtf8(parseInternalKey(it.key()).userKey), 'k119')
    for (let i = 0; i < 26; i++) it.next()
    assert.equal(fromUtf8(parseInternalKey(it.key()).userKey), 'k305')
    it.seekToLast()
    assert.equal(fromUtf8(parseInternalKey(it.key()).userKey), 'k319')
    it.seekToFirst()
    assert.deepEqual(userKeys(it).map((k) => k.split('@')[0]), flat)
    it.seek(ik('zzz', MAX_SEQUENCE))
    assert.equal(it.valid(), false)
    it.close()

    // Random seeks land where a sorted list says.
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('k', '0', '1', '2', '3', '5', '9', 'a'), maxLength: 4 }), (target) => {
      const its2: InternalIterator[] = []
      v.addIterators(its2)
      const it2 = its2[0]!
      it2.seek(ik(target, MAX_SEQUENCE))
      const expected = flat.find((k) => k >= target)
      assert.equal(it2.valid() ? fromUtf8(parseInternalKey(it2.key()).userKey) : undefined, expected)
      it2.close()
    }), { seed: 42, numRuns: 200 })
  })

  test('a level-0 table that cannot be opened yields an empty iterator reporting the error', async () => {
    const { env, v } = await build(LAYERED)
    env.removeFile(tableFileName(DB, 5))
    const its: InternalIterator[] = []
    v.addIterators(its)
    const broken = its.find((it) => { it.seekToFirst(); return !it.valid() })!
    assert.throws(() => broken.checkError(), /table file missing/)
  })
})

describe('placement and ranges', () => {
  async function withFiles (files: Array<[number, FileMetaData]>): Promise<Version> {
    const { vset } = createAndRecover(newEnv())
    const e = new VersionEdit()
    for (const [level, f] of files) e.addFile(level, f)
    await vset.logAndApply(e)
    return vset.current
  }
  const pick = (v: Version, a: string, b: string): number => v.pickLevelForMemTableOutput(utf8(a), utf8(b))

  test('pickLevelForMemTableOutput', async () => {
    assert.equal(pick(await withFiles([]), 'a', 'b'), 2)
    assert.equal(pick(await withFiles([[0, meta(1, 'b', 'c')]]), 'a', 'b'), 0)
    assert.equal(pick(await withFiles([[0, meta(1, 'x', 'z')]]), 'a', 'b'), 2)
    assert.equal(pick(await withFiles([[1, meta(1, 'a', 'a5')]]), 'a', 'b'), 0)
    assert.equal(pick(await withFiles([[2, meta(1, 'a5', 'c')]]), 'a', 'b'), 1)
    // Grandparent overlap over 20 MiB keeps the table from going deeper.
    assert.equal(pick(await withFiles([[2, meta(1, 'a', 'b', 21 * MiB)]]), 'a', 'b'), 0)
    assert.equal(pick(await withFiles([[3, meta(1, 'a', 'b', 21 * MiB)]]), 'a', 'b'), 1)
    assert.equal(pick(await withFiles([[3, meta(1, 'a', 'b', 20 * MiB)]]), 'a', 'b'), 2)
  })

  test('overlapInLevel and getOverlappingInputs', async () => {
    const v = await withFiles([[0, meta(1, 'a', 'c')], [0, meta(2, 'b', 'f')], [0, meta(3, 'x', 'y')], [1, meta(4, 'c', 'd')], [1, meta(5, 'g', 'h')]])
    assert.equal(v.overlapInLevel(1, utf8('e'), utf8('f')), false)
    assert.equal(v.overlapInLevel(1, utf8('e'), utf8('g')), true)
    assert.equal(v.overlapInLevel(1, undefined, utf8('c')), true)
    assert.equal(v.overlapInLevel(0, utf8('g'), utf8('w')), false)
    assert.equal(v.overlapInLevel(0, utf8('g'), undefined), true)
    assert.deepEqual(v.getOverlappingInputs(0, ik('a'), ik('a')).map((f) => f.number), [1, 2])
    assert.deepEqual(v.getOverlappingInputs(0, undefined, undefined).map((f) => f.number), [1, 2, 3])
    assert.deepEqual(v.getOverlappingInputs(1, ik('d'), ik('g')).map((f) => f.number), [4, 5])
    assert.deepEqual(v.getOverlappingInputs(1, ik('e'), ik('f')).map((f) => f.number), [])
    assert.equal(v.numFiles(0), 3)
    assert.equal(v.levelBytes(1), 2000)
    const text = v.toString()
    assert.match(text, /--- level 0 ---\n 1:1000\['a' @ 100 : 1 \.\. 'c' @ 100 : 1\]\n/)
    assert.match(text, /--- level 6 ---\n$/)
  })
})
