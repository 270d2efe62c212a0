// RepairDB: LevelDB's corruption_test scenarios that involve it (MissingDescriptor,
// CorruptedDescriptor, TableFileRepair, SequenceNumberRecovery), the other ways a directory loses
// its MANIFEST, CURRENT or a table, the torn log append of LevelDB issue 251, a read-order trap
// that LevelDB's repair falls into, a crash at every file call of a repair, and classic-level
// reading what Shale repaired.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DB } from '../../src/db/db.js'
import type { DBOptions } from '../../src/db/options.js'
import { repairDB, type RepairReport } from '../../src/db/repair.js'
import { joinPath, writeFileSynced, type Env } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { CrashError, FaultEnv, type FileCall } from '../../src/env/fault-env.js'
import { parseFileName } from '../../src/dbformat/filename.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { LogReader } from '../../src/log/reader.js'
import { HEADER_SIZE, RecordType, recordChecksum } from '../../src/log/format.js'
import { encodeFixed32 } from '../../src/util/coding.js'
import { ShaleError } from '../../src/util/errors.js'
import { Random } from '../../src/util/random.js'
import { readWithClassic, removeDir, sortedModel, tempDir, writeWithClassic } from '../interop/classic-fixture.js'
import {
  assertSameEntries, bytes, currentManifest, DIR, errorMessage, filesOfType, filesPerLevel, Harness, Model, rejection, scan,
  str
} from './helpers.js'

// ---- Helpers

/** LevelDB corruption_test's keys: 16-digit numbers. */
function numberKey (i: number): string {
  return String(i).padStart(16, '0')
}

function valueFor (i: number, length: number): string {
  return `v${i}-`.padEnd(length, String.fromCharCode(97 + (i % 26)))
}

function names (env: Env, dir = DIR): string[] {
  return env.getChildren(dir)
}

function lostNames (env: Env): string[] {
  return env.fileExists(joinPath(DIR, 'lost')) ? env.getChildren(joinPath(DIR, 'lost')) : []
}

/** XORs `length` bytes at `offset` with 0x80, as LevelDB's corruption_test does. */
function corrupt (env: Env, path: string, offset: number, length: number): void {
  const data = env.readFile(path).slice()
  const end = Math.min(data.length, offset + length)
  assert.ok(offset < end, `${path} has bytes at ${offset}`)
  for (let i = offset; i < end; i++) data[i]! ^= 0x80
  writeFileSynced(env, path, data)
}

function append (env: Env, path: string, data: Uint8Array): void {
  const file = env.newAppendableFile(path)
  try {
    file.append(data)
    file.sync()
  } finally {
    file.close()
  }
}

function removeDurably (env: Env, name: string): void {
  env.removeFile(joinPath(DIR, name))
  env.syncDir(DIR)
}

function only (list: string[], what: string): string {
  assert.equal(list.length, 1, `one ${what}: ${list.join(', ')}`)
  return list[0]!
}

async function repair (env: Env, options: DBOptions = {}): Promise<RepairReport> {
  return await repairDB(env, DIR, options)
}

/** Opens the database and checks that forward scans and point reads both equal `model`. */
async function assertContents (env: Env, model: Model, context: string, absent: string[] = []): Promise<void> {
  const db = await DB.open(DIR, { env, createIfMissing: false })
  try {
    assertSameEntries(scan(db), model.entries(), context)
    for (const [k, v] of model.entries()) {
      const got = db.getSync(k)
      assert.ok(got !== undefined && Buffer.compare(got, v) === 0, `${context}: get ${str(k)}`)
    }
    for (const k of absent) assert.equal(db.getSync(bytes(k)), undefined, `${context}: ${k} is absent`)
  } finally {
    await db.close()
  }
}

async function assertOpenFails (env: Env, context: string): Promise<void> {
  const err = await rejection(async () => await DB.open(DIR, { env, createIfMissing: false }), context)
  assert.ok(err instanceof ShaleError, `${context}: a ShaleError, got ${String(err)}`)
}

/** Writes keys 0..n-1 (one log record each) and closes, leaving them all in the log. */
async function writeToLog (env: Env, n: number, valueLength = 100): Promise<Model> {
  const model = new Model()
  const db = await DB.open(DIR, { env })
  for (let i = 0; i < n; i++) {
    const k = bytes(numberKey(i))
    const v = bytes(valueFor(i, valueLength))
    await db.put(k, v, { sync: true })
    model.put(k, v)
  }
  await db.close()
  return model
}

/**
 * A database whose data sits at several levels and in the log: overwrites and deletes over a small
 * key space with a tiny write buffer, so that flushes and compactions run all the time. With
 * `staleLog`, the first log, long flushed and deleted, is put back as a crash between a flush and
 * the deletion of its log would leave it: its records are all overwritten or deleted since.
 */
async function writeManyLevels (env: Env, seed: number, ops = 3000, staleLog = false): Promise<Model> {
  const rnd = new Random(seed)
  const model = new Model()
  // Small tables, and compactions of the whole range and of a part of it.
  const db = await DB.open(DIR, { env, writeBufferSize: 4096, maxFileSize: 4096, compression: false })
  const firstLog = only(filesOfType(env, DIR, 'log'), 'log')
  let oldLog: Uint8Array | undefined
  for (let i = 0; i < ops; i++) {
    const k = bytes(`k${String(rnd.uniform(300)).padStart(4, '0')}`)
    if (rnd.oneIn(5)) {
      await db.del(k, { sync: true })
      model.del(k)
    } else {
      const v = bytes(`${i}:`.padEnd(20 + rnd.uniform(100), 'x'))
      await db.put(k, v, { sync: true })
      model.put(k, v)
    }
    if (i === 20) oldLog = env.readFile(joinPath(DIR, firstLog)).slice()
    if (i === Math.floor(ops * 0.4)) await db.compactRange()
    if (i === Math.floor(ops * 0.7)) await db.compactRange(bytes('k0100'), bytes('k0150'))
  }
  await db.waitForIdle()
  await db.close()
  if (staleLog) {
    assert.ok(!env.fileExists(joinPath(DIR, firstLog)), 'the first log was deleted after its flush')
    writeFileSynced(env, joinPath(DIR, firstLog), oldLog!)
    env.syncDir(DIR)
  }
  return model
}

/**
 * Tables whose file numbers disagree with their sequences, over overlapping key ranges: a full
 * table at level 2, a newer full one at level 1, then two level-0 tables, one of them large; a
 * manual compaction of the small one into level 1 cannot take the large one along (too many bytes
 * for a 1 KiB file size), so level 1 gets a table numbered above the large level-0 table but
 * holding older versions of its keys. Returns the model.
 */
async function writeInterleavedLevels (env: Env): Promise<Model> {
  const model = new Model()
  const db = await DB.open(DIR, { env, maxFileSize: 1024, compression: false })
  const put = async (i: number, v: string): Promise<void> => {
    const k = bytes(`k${String(i).padStart(4, '0')}`)
    await db.put(k, bytes(v), { sync: true })
    model.put(k, bytes(v))
  }
  for (let i = 0; i < 200; i++) await put(i, `v1-${i}`)
  await db.flush()
  for (let i = 0; i < 200; i++) await put(i, `v2-${i}`)
  await db.flush()
  for (let i = 0; i < 50; i++) await put(i, `v3-${i}`)
  await db.flush()
  for (let i = 60; i < 70; i++) {
    const k = bytes(`k${String(i).padStart(4, '0')}`)
    await db.del(k, { sync: true })
    model.del(k)
  }
  for (let i = 150; i < 200; i++) await put(i, `v4-${i}-`.padEnd(1000, '-'))
  await db.flush()
  await db.compactLevel(0, bytes('k0000'), bytes('k0050'))
  assert.equal(filesPerLevel(db), '1,1,1', 'the layout the scenario needs')
  // A few writes left in the log.
  for (let i = 0; i < 5; i++) await put(i * 40, `v5-${i}`)
  await db.close()
  return model
}

function loseDescriptor (env: Env): void {
  for (const name of filesOfType(env, DIR, 'manifest')) env.removeFile(joinPath(DIR, name))
  env.removeFile(joinPath(DIR, 'CURRENT'))
  env.syncDir(DIR)
}

/** The keys of writeManyLevels' and writeInterleavedLevels' key space that the model lacks. */
function deletedKeys (model: Model): string[] {
  const out: string[] = []
  for (let i = 0; i < 300; i++) {
    const k = `k${String(i).padStart(4, '0')}`
    if (!model.has(bytes(k))) out.push(k)
  }
  return out
}

// ---- LevelDB's corruption_test scenarios

describe('corruption_test scenarios', () => {
  test('MissingDescriptor: 1000 records in the log, the MANIFEST gone', async () => {
    const env = new MemEnv()
    const model = await writeToLog(env, 1000)
    removeDurably(env, currentManifest(env, DIR))
    await assertOpenFails(env, 'open without the MANIFEST CURRENT names')
    const report = await repair(env)
    assert.equal(report.logsConverted, 1)
    assert.equal(report.recordsDropped, 0)
    assert.equal(report.lastSequence, 1000)
    await assertContents(env, model, 'after repair')
  })

  test('MissingDescriptor as LevelDB runs it: repair of an intact database loses nothing', async () => {
    const env = new MemEnv()
    const model = await writeToLog(env, 1000)
    await repair(env)
    await assertContents(env, model, 'after repair')
  })

  test('CorruptedDescriptor: the first 1000 bytes of the MANIFEST damaged', async () => {
    const h = await Harness.open()
    await h.put('foo', 'hello')
    await h.db.flush()
    await h.db.compactRange()
    await h.close()
    const manifest = currentManifest(h.env, DIR)
    corrupt(h.env, joinPath(DIR, manifest), 0, 1000)
    await assertOpenFails(h.env, 'open with a damaged MANIFEST')
    const report = await repair(h.env)
    assert.ok(report.filesMovedToLost.includes(`lost/${manifest}`), `the old MANIFEST is archived: ${report.filesMovedToLost.join(', ')}`)
    await h.reopen()
    assert.equal(h.get('foo'), 'hello')
  })

  test('TableFileRepair: a damaged table keeps its readable entries', async () => {
    const env = new MemEnv()
    const options: DBOptions = { env, blockSize: 2000, compression: false, paranoidChecks: true }
    const db = await DB.open(DIR, options)
    for (let i = 0; i < 100; i++) await db.put(bytes(numberKey(i)), bytes(valueFor(i, 1000)))
    await db.compactRange()
    await db.close()
    const table = only(filesOfType(env, DIR, 'table'), 'table')
    corrupt(env, joinPath(DIR, table), 100, 1)

    const report = await repair(env, { blockSize: 2000, compression: false, paranoidChecks: true })
    assert.equal(report.tablesRecovered, 1)
    assert.ok(report.filesMovedToLost.includes(`lost/${table}`), 'the damaged table is archived')
    assert.ok(lostNames(env).includes(table))
    assert.ok(!names(env).includes(table), 'not left in place')

    const reopened = await DB.open(DIR, options)
    try {
      const entries = scan(reopened)
      let correct = 0
      for (const [k, v] of entries) {
        const i = Number(str(k))
        assert.equal(str(v), valueFor(i, 1000), `no wrong value for ${str(k)}`)
        correct++
      }
      // One 2000-byte block holds one or two records.
      assert.ok(correct >= 95 && correct <= 99, `95 to 99 records survive, got ${correct}`)
    } finally {
      await reopened.close()
    }
  })

  test('SequenceNumberRecovery: the last sequence is restored', async () => {
    for (const flushEach of [false, true]) {
      const h = await Harness.open()
      for (let i = 1; i <= 5; i++) {
        await h.put('foo', `v${i}`)
        if (flushEach) await h.db.flush()
      }
      await h.close()
      const report = await repair(h.env)
      assert.equal(report.lastSequence, 5)
      await h.reopen()
      assert.equal(h.get('foo'), 'v5', `latest value (flushEach ${flushEach})`)
      // A sequence reset to less than 5 would leave the new value hidden behind v5.
      await h.put('foo', 'v6')
      assert.equal(h.get('foo'), 'v6', 'a new write is visible')
      await h.reopen()
      assert.equal(h.get('foo'), 'v6', 'and survives a reopen')
      await h.close()
    }
  })
})

// ---- Other losses

describe('lost files', () => {
  test('a missing CURRENT', async () => {
    const env = new MemEnv()
    const model = await writeManyLevels(env, 7, 1000)
    removeDurably(env, 'CURRENT')
    await assertOpenFails(env, 'open without CURRENT')
    await repair(env)
    await assertContents(env, model, 'after repair')
  })

  test('a missing table: the others are kept', async () => {
    const h = await Harness.open()
    // Three tables over disjoint ranges.
    for (const prefix of ['a', 'b', 'c']) {
      for (let i = 0; i < 20; i++) await h.put(`${prefix}${i}`, `${prefix}-value-${i}`)
      await h.db.flush()
    }
    await h.close()
    const tables = filesOfType(h.env, DIR, 'table')
    assert.equal(tables.length, 3)
    // The table holding the "b" keys.
    const lost = tables.sort()[1]!
    removeDurably(h.env, lost)
    await assertOpenFails(h.env, 'open with a table missing')
    const report = await repair(h.env)
    assert.equal(report.tablesKept, 2)
    await h.reopen()
    for (let i = 0; i < 20; i++) {
      assert.equal(h.get(`a${i}`), `a-value-${i}`)
      assert.equal(h.get(`b${i}`), 'NOT_FOUND')
      assert.equal(h.get(`c${i}`), `c-value-${i}`)
    }
    await h.close()
  })

  test('random workloads over several levels, MANIFEST lost: reads equal the model', async () => {
    for (const seed of [1, 2, 3]) {
      const env = new MemEnv()
      const model = await writeManyLevels(env, seed)
      loseDescriptor(env)
      await repair(env)
      await assertContents(env, model, `seed ${seed}`, deletedKeys(model))
      // And the repaired database keeps working.
      const h = await Harness.open({ env })
      await h.put('k0000', 'after')
      await h.reopen()
      assert.equal(h.get('k0000'), 'after')
      await h.close()
    }
  })

  test('tables whose numbers disagree with their sequences are merged: no old value or deleted key comes back', async () => {
    // LevelDB's repair puts every table in level 0, where reads take the highest-numbered table
    // holding the key: here that is the level-1 table, with older versions (and a value under
    // each deleted key).
    const env = new MemEnv()
    const model = await writeInterleavedLevels(env)
    loseDescriptor(env)
    const report = await repair(env)
    assert.equal(report.consolidated, true)
    assert.equal(report.files.length, 1)
    assert.equal(report.files[0]!.level, 1)
    await assertContents(env, model, 'after repair', deletedKeys(model))
  })

  test('a log left behind by a crash after its flush, MANIFEST readable: not replayed', async () => {
    for (const seed of [4, 5]) {
      const env = new MemEnv()
      const model = await writeManyLevels(env, seed, 3000, true)
      // A damaged MANIFEST still tells, in the records that pass their checksums: here a byte of
      // the comparator name in its first record (the log reader alone would drop the whole block).
      if (seed === 5) corrupt(env, joinPath(DIR, currentManifest(env, DIR)), 20, 1)
      const report = await repair(env)
      assert.equal(report.logsObsolete, 1, `seed ${seed}`)
      assert.ok(lostNames(env).length >= 2, 'the stale log is archived with the rest')
      await assertContents(env, model, `seed ${seed}`, deletedKeys(model))
    }
  })

  test('a log left behind by a crash after its flush, MANIFEST lost: the newest versions win', async () => {
    const h = await Harness.open()
    await h.put('a', 'old')
    await h.put('z', 'old')
    const logName = only(filesOfType(h.env, DIR, 'log'), 'log')
    const oldLog = h.env.readFile(joinPath(DIR, logName)).slice()
    await h.reopen()
    await h.put('a', 'new')
    await h.db.flush()
    await h.close()
    assert.ok(!h.env.fileExists(joinPath(DIR, logName)), 'the old log was deleted after its flush')
    writeFileSynced(h.env, joinPath(DIR, logName), oldLog)
    loseDescriptor(h.env)
    // The old log's table would be the newest in level 0: merged instead.
    const report = await repair(h.env)
    assert.equal(report.consolidated, true)
    await h.reopen()
    assert.equal(h.get('a'), 'new')
    assert.equal(h.contents(), '(a->new)(z->old)')
    await h.close()

    // With nothing left to say the log was flushed, a key deleted since, whose deletion
    // compaction has dropped, comes back (as with LevelDB); every other key reads its newest value.
    const env = new MemEnv()
    const model = await writeManyLevels(env, 6, 3000, true)
    loseDescriptor(env)
    assert.equal((await repair(env)).consolidated, true)
    const db = await DB.open(DIR, { env, createIfMissing: false })
    try {
      const deleted = new Set(deletedKeys(model))
      for (const [k, v] of scan(db)) {
        const expected = model.get(k)
        if (expected === undefined) assert.ok(deleted.has(str(k)), `${str(k)}: only deleted keys come back`)
        else assert.equal(str(v), str(expected), `${str(k)}: the newest value`)
      }
      for (const [k] of model.entries()) assert.ok(db.getSync(k) !== undefined, `${str(k)} is present`)
    } finally {
      await db.close()
    }
  })

  test('logs alone stay in level 0 as LevelDB places them', async () => {
    const env = new MemEnv()
    const model = await writeToLog(env, 200)
    loseDescriptor(env)
    const report = await repair(env)
    assert.equal(report.consolidated, false)
    assert.deepEqual(report.files.map((f) => f.level), [0])
    assert.deepEqual(report.filesRemoved, [])
    await assertContents(env, model, 'after repair')
  })
})

// ---- The torn log append (LevelDB issue 251)

/** The file offset of each record of a log, as the reader finds them. */
function recordOffsets (env: Env, path: string): number[] {
  const offsets: number[] = []
  const file = env.newSequentialFile(path)
  const reader = new LogReader(file)
  while (reader.readRecord() !== null) offsets.push(reader.lastRecordOffset)
  file.close()
  return offsets
}

/** Records the log reader returns from `path` (checksums verified unless told otherwise). */
function readRecords (env: Env, path: string, checksum = true): Uint8Array[] {
  const out: Uint8Array[] = []
  const file = env.newSequentialFile(path)
  const reader = new LogReader(file, { checksum })
  for (let r = reader.readRecord(); r !== null; r = reader.readRecord()) out.push(r.slice())
  file.close()
  return out
}

/** A physical FULL record holding `payload`, with its checksum spoiled when `badChecksum`. */
function physicalRecord (payload: Uint8Array, badChecksum: boolean, claimedLength = payload.length): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + payload.length)
  encodeFixed32(out, 0, (recordChecksum(RecordType.Full, payload) ^ (badChecksum ? 1 : 0)) >>> 0)
  out[4] = claimedLength & 0xff
  out[5] = claimedLength >>> 8
  out[6] = RecordType.Full
  out.set(payload, HEADER_SIZE)
  return out
}

describe('torn log appends', () => {
  test('garbage, a forged record and a truncated record at the end, a damaged record in the middle', async () => {
    const env = new MemEnv()
    const n = 300
    const model = await writeToLog(env, n)
    const path = joinPath(DIR, only(filesOfType(env, DIR, 'log'), 'log'))
    const offsets = recordOffsets(env, path)
    assert.equal(offsets.length, n)

    // A record in the middle of the first block: a payload byte flipped.
    const damaged = 50
    corrupt(env, path, offsets[damaged]! + HEADER_SIZE + 20, 1)
    model.del(bytes(numberKey(damaged)))
    // The tail of a torn append: a well-formed batch under a wrong checksum (what LevelDB 1.20's
    // repair, reading without checksums, took for data), random bytes, and a record cut short.
    const forged = new WriteBatch()
    forged.put(bytes('evil'), bytes('garbage'))
    forged.sequence = 1_000_000
    append(env, path, physicalRecord(forged.contents(), true))
    append(env, path, new Random(5).bytes(45))
    const cut = new WriteBatch()
    cut.put(bytes('cut'), bytes('x'.repeat(400)))
    cut.sequence = n + 1
    append(env, path, physicalRecord(cut.contents(), false).subarray(0, 100))

    // The test's premises: without checksums the forged record reads as data, and the log
    // reader alone loses the intact records after the damage in the same block.
    assert.ok(readRecords(env, path, false).some((r) => str(r).includes('evil')), 'the forged record parses without checksums')
    const plain = readRecords(env, path).length
    assert.ok(plain < n - 1 - 100, `the reader alone drops the rest of the block (${plain} records)`)

    loseDescriptor(env)
    const report = await repair(env)
    assert.equal(report.recordsSkippedInPlace, 1, 'the damaged record is dropped alone')
    assert.ok(report.recordsDropped >= 2, `damage reported: ${JSON.stringify(report.damage)}`)
    assert.equal(report.lastSequence, n, 'no sequence from the garbage')
    await assertContents(env, model, 'every intact record and nothing else', ['evil', 'cut', numberKey(damaged)])
  })

  test('a damaged record whose length is damaged too loses the rest of its block, no more', async () => {
    const env = new MemEnv()
    const n = 600
    const model = await writeToLog(env, n)
    const path = joinPath(DIR, only(filesOfType(env, DIR, 'log'), 'log'))
    const offsets = recordOffsets(env, path)
    const damaged = 10
    // The length's low byte: the next header can no longer be found.
    corrupt(env, path, offsets[damaged]! + 4, 1)
    const blockEnd = 32768
    for (let i = 0; i < n; i++) {
      if (i >= damaged && offsets[i]! < blockEnd) model.del(bytes(numberKey(i)))
    }
    assert.ok(offsets.some((o) => o >= blockEnd), 'the log spans more than one block')
    loseDescriptor(env)
    const report = await repair(env)
    assert.equal(report.recordsSkippedInPlace, 0)
    await assertContents(env, model, 'records of later blocks kept')
  })
})

// ---- Failures

describe('refusals', () => {
  test('an empty directory: "repair found no files", and no LOCK left behind', async () => {
    const env = new MemEnv()
    env.createDir('/empty')
    const err = await rejection(async () => await repairDB(env, '/empty'), 'repair of an empty directory')
    assert.ok(err instanceof ShaleError)
    assert.equal(err.code, 'LEVEL_IO_ERROR')
    assert.match(errorMessage(err), /repair found no files/)
    assert.deepEqual(env.getChildren('/empty'), [])
  })

  test('a directory that does not exist: an I/O error', async () => {
    const err = await rejection(async () => await repairDB(new MemEnv(), '/nowhere'), 'repair of a missing directory')
    assert.ok(err instanceof ShaleError)
    assert.equal(err.code, 'LEVEL_IO_ERROR')
  })

  test('an open database is locked against repair', async () => {
    const h = await Harness.open()
    await h.put('k', 'v')
    const err = await rejection(async () => await repair(h.env), 'repair of an open database')
    assert.ok(err instanceof ShaleError)
    assert.equal(err.code, 'LEVEL_LOCKED')
    assert.deepEqual(lostNames(h.env), [], 'nothing archived')
    await h.close()
    await repair(h.env)
    await h.reopen()
    assert.equal(h.get('k'), 'v')
    await h.close()
  })

  test('an I/O error stops the repair with nothing changed; damage never hides it', async () => {
    for (const rule of [
      { op: 'read' as const, when: (c: FileCall) => c.path.endsWith('.log') },
      { op: 'append' as const, when: (c: FileCall) => c.path.endsWith('.ldb'), code: 'ENOSPC' as const },
      { op: 'sync' as const, when: (c: FileCall) => c.path.includes('MANIFEST') }
    ]) {
      const env = new MemEnv()
      const model = await writeManyLevels(env, 8, 500)
      loseDescriptor(env)
      const before = names(env)
      const fault = new FaultEnv(env)
      fault.inject(rule)
      const err = await rejection(async () => await repairDB(fault, DIR), `repair failing at ${rule.op}`)
      assert.ok(err instanceof ShaleError, String(err))
      assert.equal(err.code, 'LEVEL_IO_ERROR', `${rule.op}: ${err.message}`)
      assert.deepEqual(names(env), before, `${rule.op}: what the failed repair wrote is gone`)
      await repair(env)
      await assertContents(env, model, `${rule.op}: repaired without the fault`)
    }
  })

  test('legacy .sst tables are found and kept under their name', async () => {
    const env = new MemEnv()
    const model = await writeManyLevels(env, 9, 600)
    for (const name of filesOfType(env, DIR, 'table')) env.renameFile(joinPath(DIR, name), joinPath(DIR, name.replace('.ldb', '.sst')))
    loseDescriptor(env)
    const report = await repair(env)
    assert.ok(report.tablesKept > 0)
    assert.equal(report.consolidated, false)
    assert.ok(names(env).some((name) => name.endsWith('.sst')), 'the .sst tables stay')
    await assertContents(env, model, 'after repair')
  })

  test('logs and old MANIFESTs are archived in lost/, not deleted', async () => {
    const env = new MemEnv()
    await writeToLog(env, 20)
    const before = names(env).filter((name) => {
      const type = parseFileName(name)?.type
      return type === 'log' || type === 'manifest'
    })
    const report = await repair(env)
    assert.deepEqual([...report.filesMovedToLost].sort(), before.map((name) => `lost/${name}`).sort())
    assert.deepEqual(lostNames(env).sort(), [...before].sort())
    assert.deepEqual(filesOfType(env, DIR, 'log'), [], 'no log left in the directory')
    // A second repair archives beside, never over, the first one's files.
    const again = await repair(env)
    for (const name of again.filesMovedToLost) assert.ok(env.fileExists(joinPath(DIR, name)), `${name} exists`)
    assert.equal(lostNames(env).length, before.length + again.filesMovedToLost.length)
  })
})

// ---- Crashes

describe('a crash at any file call of a repair', () => {
  for (const scenario of ['logs only', 'several levels'] as const) {
    test(scenario, async () => {
      const base = new MemEnv()
      const model = scenario === 'logs only' ? await writeToLog(base, 200) : await writeInterleavedLevels(base)
      loseDescriptor(base)
      // Everything the test relies on is durable: a power cut now changes nothing.
      base.powerLoss()

      const probe = new FaultEnv(base.clone())
      const report = await repairDB(probe, DIR)
      assert.equal(report.consolidated, scenario === 'several levels', 'both placements are exercised')
      const calls = probe.total
      assert.ok(calls > 20, `${calls} calls`)
      console.log(`${scenario}: crash after each of ${calls} file calls, 2 modes`)

      let openedDirectly = 0
      for (let k = 0; k < calls; k++) {
        for (const mode of ['powerLoss', 'processCrash'] as const) {
          const env = base.clone()
          const fault = new FaultEnv(env)
          fault.crashAfter(k)
          const err = await rejection(async () => await repairDB(fault, DIR), `repair crashing after call ${k}`)
          assert.ok(err instanceof CrashError, `call ${k}: the crash, got ${String(err)}`)
          env.crash(mode)
          // The database either opens with exactly its contents, or does not open...
          const copy = env.clone()
          let db: DB | undefined
          try {
            db = await DB.open(DIR, { env: copy, createIfMissing: false })
          } catch (openErr) {
            assert.ok(openErr instanceof ShaleError, `call ${k} ${mode}: open fails cleanly: ${String(openErr)}`)
          }
          if (db !== undefined) {
            openedDirectly++
            try {
              assertSameEntries(scan(db), model.entries(), `call ${k} ${mode}: opened after the crash`)
            } finally {
              await db.close()
            }
          }
          // ...and a second repair always brings back everything.
          await repairDB(env, DIR)
          await assertContents(env, model, `call ${k} ${mode}: repaired again`)
        }
      }
      assert.ok(openedDirectly > 0, 'crashes after the CURRENT swap leave a database that opens')
    })
  }
})

// ---- classic-level

describe('classic-level reads a repaired directory', () => {
  test('written by Shale, its MANIFEST and CURRENT lost, repaired by Shale', async () => {
    const dir = tempDir('repair-shale')
    try {
      const rnd = new Random(99)
      const model = new Map<string, Buffer>()
      const db = await DB.open(dir, { writeBufferSize: 16 * 1024 })
      for (let i = 0; i < 4000; i++) {
        const k = Buffer.from(`key${String(rnd.uniform(1500)).padStart(6, '0')}`)
        if (rnd.oneIn(6)) {
          await db.del(k)
          model.delete(k.toString('hex'))
        } else {
          const v = Buffer.from(rnd.compressibleBytes(rnd.range(10, 300)))
          await db.put(k, v)
          model.set(k.toString('hex'), v)
        }
        if (i === 2000) await db.compactRange()
      }
      await db.waitForIdle()
      await db.close()
      for (const name of readdirSync(dir)) {
        if (name === 'CURRENT' || name.startsWith('MANIFEST-')) rmSync(join(dir, name))
      }
      await DB.repair(dir)
      const classic = await readWithClassic(dir)
      assertSameEntries(classic, sortedModel(model), 'classic-level after the repair')
    } finally {
      removeDir(dir)
    }
  })

  test('written by classic-level, its MANIFEST lost, repaired by Shale', async () => {
    const dir = tempDir('repair-classic')
    try {
      const model = await writeWithClassic(dir, {
        seed: 4242, operations: 5000, keySpace: 3000, maxValue: 600, compression: true, writeBufferSize: 64 * 1024
      })
      for (const name of readdirSync(dir)) {
        if (name.startsWith('MANIFEST-')) rmSync(join(dir, name))
      }
      await DB.repair(dir)
      const classic = await readWithClassic(dir)
      assertSameEntries(classic, sortedModel(model), 'classic-level after the repair')
      // And Shale reads the same.
      const db = await DB.open(dir, { createIfMissing: false })
      try {
        assertSameEntries(scan(db), sortedModel(model), 'Shale after the repair')
      } finally {
        await db.close()
      }
    } finally {
      removeDir(dir)
    }
  })
})
