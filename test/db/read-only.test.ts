// The read-only open (doc/engine.md, "Read-only open"), black-box through DB.open: it reads what a
// writable open would (tables and unflushed log entries), never makes a mutating Env call (a
// FaultEnv refuses every one and counts them), refuses every write with LEVEL_READONLY, fails on a
// missing database without creating anything, reads a torn MANIFEST tail as its end, and keeps a
// consistent view while a writer in the same process rewrites, compacts and deletes under it.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import type { DBOptions } from '../../src/db/options.js'
import { manifestStamp } from '../../src/db/read-only.js'
import { manifestFileName } from '../../src/dbformat/filename.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import type { Env, FileLock, FileOp, RandomAccessFile, SequentialFile, WritableFile } from '../../src/env/env.js'
import { FaultEnv } from '../../src/env/fault-env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { Random } from '../../src/util/random.js'
import { VersionEdit } from '../../src/version/version-edit.js'
import {
  assertSameEntries, assertSameValue, bytes, DIR, errorCode, errorMessage, failure, type FrozenModel, key, logFile, Model,
  readLiveVersion, scan
} from './helpers.js'

/** Every Env call that changes the file system (or the lock). */
const MUTATING: readonly FileOp[] = ['create', 'append', 'sync', 'rename', 'remove', 'mkdir', 'rmdir', 'syncDir', 'lock']

/** A FaultEnv over `inner` that fails every mutating call (so that one would fail the test) and counts them. */
function refusingEnv (inner: Env): FaultEnv {
  const env = new FaultEnv(inner)
  env.inject({ op: MUTATING, sticky: true })
  return env
}

function assertNoMutation (env: FaultEnv, context: string): void {
  const made = env.calls.filter((c) => MUTATING.includes(c.op))
  assert.deepEqual(made.map((c) => `${c.op} ${c.path}`), [], `${context}: no mutating Env call`)
}

function assertSameFiles (before: Map<string, Uint8Array>, after: Map<string, Uint8Array>, context: string): void {
  assert.deepEqual([...after.keys()], [...before.keys()], `${context}: the same files`)
  for (const [path, content] of before) {
    assert.ok(Buffer.compare(after.get(path)!, content) === 0, `${context}: ${path} unchanged`)
  }
}

/**
 * Seeded puts and deletes over `keys` keys with small memtables, a compaction part-way, and the
 * last `unflushed` writes left in the log (the database is closed without a flush).
 */
async function writeWorkload (env: Env, seed: number, options: { writes: number, keys: number, unflushed: number }): Promise<Model> {
  const rnd = new Random(seed)
  const model = new Model()
  const db = await DB.open(DIR, { env, writeBufferSize: 2048, maxFileSize: 4096, backgroundWorkers: false })
  const one = async (i: number): Promise<void> => {
    const k = bytes(key(rnd.uniform(options.keys)))
    if (rnd.oneIn(5)) {
      await db.del(k)
      model.del(k)
    } else {
      const v = bytes(`v${i}-${'x'.repeat(rnd.uniform(60))}`)
      await db.put(k, v)
      model.put(k, v)
    }
  }
  for (let i = 0; i < options.writes; i++) {
    await one(i)
    if (i === options.writes >> 1) await db.compactRange()
  }
  await db.flush()
  for (let i = 0; i < options.unflushed; i++) await one(options.writes + i)
  await db.close()
  return model
}

/** Every read the engine offers, against the frozen model. */
function assertReadsMatch (db: DB, expected: FrozenModel, keys: number, context: string): void {
  assertSameEntries(scan(db), expected.expected(), `${context}: forward scan`)
  assertSameEntries(scan(db, { reverse: true }), expected.expected({ reverse: true }), `${context}: reverse scan`)
  const range = { gte: bytes(key(keys >> 2)), lt: bytes(key(keys >> 1)) }
  assertSameEntries(scan(db, range), expected.expected(range), `${context}: range scan`)
  for (let i = 0; i < keys; i += 7) {
    assertSameValue(db.getSync(bytes(key(i))), expected.get(bytes(key(i))), `${context}: getSync ${key(i)}`)
  }
  const it = db.iterator()
  try {
    const target = bytes(key(keys >> 1))
    it.seek(target)
    const after = it.nextv(5)
    assertSameEntries(after.map(([k, v]) => [k!, v!]), expected.expectedAfterSeek({}, target).slice(0, 5), `${context}: seek then nextv`)
  } finally {
    it.close()
  }
}

describe('read-only open', () => {
  test('reads tables and unflushed log entries, and makes no mutating Env call', async () => {
    const mem = new MemEnv()
    const model = await writeWorkload(mem, 11, { writes: 3000, keys: 800, unflushed: 150 })
    const expected = model.freeze()
    const before = mem.dumpFiles()
    const logs = [...before].filter(([path, content]) => path.endsWith('.log') && content.length > 0)
    assert.ok(logs.length > 0, 'the last writes are only in a log')
    assert.ok(before.has(`${DIR}/LOG`), 'the writer\'s info log is there, to be left alone')

    const env = refusingEnv(mem)
    // A 1 KiB write buffer: the replayed log is larger, and still nothing may be flushed.
    const db = await DB.open(DIR, { env, readOnly: true, writeBufferSize: 1024 })
    try {
      assert.equal(db.readOnly, true)
      assertReadsMatch(db, expected, 800, 'read-only')
      for (let i = 0; i < 800; i += 13) {
        assertSameValue(await db.get(bytes(key(i))), expected.get(bytes(key(i))), `get ${key(i)}`)
      }
      const snapshot = db.snapshot()
      assertSameEntries(scan(db, { snapshot }), expected.expected(), 'through a snapshot')
      snapshot.close()
      assert.ok(db.approximateSize(bytes(key(0)), bytes(key(800))) > 0, 'approximateSize sees the tables')
      assert.match(db.getProperty('shale.sstables')!, /\.ldb|\d+:\d+/)
      assert.ok(Number(db.getProperty('shale.approximate-memory-usage')) > 0)
      let tables = 0
      for (let level = 0; level < 7; level++) tables += Number(db.getProperty(`shale.num-files-at-level${level}`))
      assert.ok(tables > 0)
      // Reads that would schedule a compaction in a writable database (seek sampling, many gets)
      // must not start one either.
      for (let round = 0; round < 20; round++) scan(db)
      await db.waitForIdle()
    } finally {
      await db.close()
    }
    assertNoMutation(env, 'open, reads, close')
    assertSameFiles(before, mem.dumpFiles(), 'after close')
  })

  test('every write fails with LEVEL_READONLY and changes nothing', async () => {
    const mem = new MemEnv()
    const model = await writeWorkload(mem, 12, { writes: 400, keys: 100, unflushed: 20 })
    const env = refusingEnv(mem)
    const db = await DB.open(DIR, { env, readOnly: true })
    const writes: Array<[string, () => Promise<unknown>]> = [
      ['put', () => db.put(bytes('a'), bytes('b'))],
      ['del', () => db.del(bytes(key(1)))],
      ['write', () => {
        const batch = new WriteBatch()
        batch.put(bytes('a'), bytes('b'))
        return db.write(batch)
      }],
      ['flush', () => db.flush()],
      ['compactRange', () => db.compactRange()],
      ['compactLevel', () => db.compactLevel(0)]
    ]
    for (const [name, write] of writes) {
      const err = await failure(write)
      assert.equal(errorCode(err), 'LEVEL_READONLY', `${name}: ${errorMessage(err)}`)
      assert.match(errorMessage(err), new RegExp(`cannot ${name}: the database was opened read-only`))
    }
    assertSameEntries(scan(db), model.freeze().expected(), 'contents after the refused writes')
    await db.close()
    assert.equal(errorCode(await failure(() => db.put(bytes('a'), bytes('b')))), 'LEVEL_DATABASE_NOT_OPEN', 'closed comes first')
    assertNoMutation(env, 'refused writes')
  })

  test('a missing database fails whatever createIfMissing says, and nothing is created', async () => {
    for (const createIfMissing of [true, false]) {
      const mem = new MemEnv()
      const env = refusingEnv(mem)
      const err = await failure(() => DB.open('/none/db', { env, readOnly: true, createIfMissing }))
      assert.equal(errorCode(err), 'LEVEL_INVALID_ARGUMENT', errorMessage(err))
      assert.match(errorMessage(err), /there is no database here \(no CURRENT file\)/)
      assert.equal(mem.fileExists('/none'), false, 'no directory created')
      assert.equal(mem.dumpFiles().size, 0)
      assertNoMutation(env, `createIfMissing ${String(createIfMissing)}`)
    }
    // A directory without CURRENT is no database either, even if it holds other files.
    const mem = new MemEnv()
    mem.createDir(DIR)
    const f = mem.newWritableFile(`${DIR}/000003.log`)
    f.close()
    assert.equal(errorCode(await failure(() => DB.open(DIR, { env: refusingEnv(mem), readOnly: true }))), 'LEVEL_INVALID_ARGUMENT')
  })

  test('errorIfExists with readOnly, or a readOnly that is not a boolean, is an invalid argument', async () => {
    const env = new MemEnv()
    const err = await failure(() => DB.open(DIR, { env, readOnly: true, errorIfExists: true }))
    assert.equal(errorCode(err), 'LEVEL_INVALID_ARGUMENT')
    assert.match(errorMessage(err), /readOnly and errorIfExists/)
    const bad = await failure(() => DB.open(DIR, { env, readOnly: 'yes' } as unknown as DBOptions))
    assert.equal(errorCode(bad), 'LEVEL_INVALID_ARGUMENT')
    assert.equal(env.dumpFiles().size, 0)
  })

  test('a torn MANIFEST tail is the end of the MANIFEST: the state before it, and nothing written', async () => {
    const mem = new MemEnv()
    const model = await writeWorkload(mem, 13, { writes: 1500, keys: 400, unflushed: 0 })
    const live = readLiveVersion(mem, DIR)
    const manifest = `${DIR}/${live.manifest}`
    // The record a writer would append next: an edit that drops every live table, so that
    // whether it was applied shows in the contents.
    const edit = new VersionEdit()
    for (const f of live.files) edit.removeFile(f.level, f.number)
    assert.ok(live.files.length > 0)
    const record = logFile([edit.encode()])
    const intact = mem.readFile(manifest)
    const expected = model.freeze().expected()

    for (let cut = 1; cut < record.length; cut++) {
      const env = mem.clone()
      const file = env.newAppendableFile(manifest)
      file.append(record.subarray(0, cut))
      file.close()
      const before = env.dumpFiles()
      const fault = refusingEnv(env)
      const db = await DB.open(DIR, { env: fault, readOnly: true })
      assertSameEntries(scan(db), expected, `cut after ${cut} of ${record.length} bytes`)
      await db.close()
      assertNoMutation(fault, `cut ${cut}`)
      assertSameFiles(before, env.dumpFiles(), `cut ${cut}`)
    }
    // The whole record is an edit like any other: the tables it drops are gone from the view.
    const env = mem.clone()
    const file = env.newAppendableFile(manifest)
    file.append(record)
    file.close()
    assert.equal(env.getFileSize(manifest), intact.length + record.length)
    const db = await DB.open(DIR, { env, readOnly: true })
    assert.ok(scan(db).length < expected.length, 'the complete record is applied')
    await db.close()
  })

  test('another DB of this process holds the database and keeps writing: the view stays as it was at open', async () => {
    const mem = new MemEnv()
    const options = { env: mem, writeBufferSize: 2048, maxFileSize: 4096, backgroundWorkers: false }
    const writer = await DB.open(DIR, options)
    const model = new Model()
    const rnd = new Random(14)
    const write = async (i: number): Promise<void> => {
      const k = bytes(key(rnd.uniform(500)))
      if (rnd.oneIn(6)) {
        await writer.del(k)
        model.del(k)
      } else {
        const v = bytes(`w${i}`)
        await writer.put(k, v)
        model.put(k, v)
      }
    }
    try {
      for (let i = 0; i < 2000; i++) await write(i)
      const atOpen = model.freeze()
      const env = refusingEnv(mem)
      const reader = await DB.open(DIR, { env, readOnly: true })
      const it = reader.iterator()
      const firstEntries = it.nextv(10)
      try {
        // Everything the reader opened on is rewritten: every table compacted away and deleted,
        // every log retired, the MANIFEST rotated.
        for (let i = 2000; i < 5000; i++) await write(i)
        await writer.compactRange()
        for (let i = 5000; i < 5200; i++) await write(i)
        assertReadsMatch(reader, atOpen, 500, 'the reader, after the writer moved on')
        const rest = it.all()
        assertSameEntries([...firstEntries, ...rest].map(([k, v]) => [k!, v!]), atOpen.expected(), 'an iterator opened before')
      } finally {
        it.close()
        await reader.close()
      }
      assertNoMutation(env, 'reader')
      // A new read-only open sees the writer's state now, unflushed writes included.
      const again = await DB.open(DIR, { env: mem, readOnly: true })
      assertSameEntries(scan(again), model.freeze().expected(), 'a reopen sees the later writes')
      await again.close()
      // The writer was never disturbed.
      await write(5200)
      assertSameEntries(scan(writer), model.freeze().expected(), 'the writer')
    } finally {
      await writer.close()
    }
  })

  test('a writer that deletes what an attempt is reading makes it start over; the result is a consistent state', async () => {
    // Two states of one database: A, and B after the writer flushed, compacted (deleting A's
    // tables and logs) and wrote more. The open starts on A and finds B from a chosen call on, as
    // if the writer had moved on at that moment.
    const writerEnv = new MemEnv()
    const writer = await DB.open(DIR, { env: writerEnv, writeBufferSize: 2048, maxFileSize: 4096, backgroundWorkers: false })
    const model = new Model()
    for (let i = 0; i < 1500; i++) {
      const k = bytes(key(i % 400))
      const v = bytes(`a${i}`)
      await writer.put(k, v)
      model.put(k, v)
    }
    const stateA = writerEnv.clone()
    for (let i = 0; i < 1500; i++) {
      const k = bytes(key(i % 400))
      const v = bytes(`b${i}`)
      await writer.put(k, v)
      model.put(k, v)
    }
    await writer.compactRange()
    const flushedB = model.freeze()
    const logAfterCompaction = readLiveVersion(writerEnv, DIR).logNumber
    // Few enough to stay in the log: B's MANIFEST describes flushedB exactly.
    for (let i = 0; i < 10; i++) {
      const k = bytes(key(i))
      const v = bytes(`late${i}`)
      await writer.put(k, v)
      model.put(k, v)
    }
    const fullB = model.freeze()
    const stateB = writerEnv.clone()
    await writer.close()
    assert.equal(readLiveVersion(stateB, DIR).logNumber, logAfterCompaction, 'the late writes are only in the log')

    const cases: Array<{ name: string, switchAfter: (op: FileOp, path: string) => boolean, expected: FrozenModel, attempts: number }> = [
      // After the MANIFEST was read: A's logs and tables are gone when the attempt opens them. The
      // attempt fails, the stamp shows B, and the second attempt reads B whole.
      { name: 'after the MANIFEST was read', switchAfter: (op, path) => op === 'close' && path.includes('MANIFEST'), expected: fullB, attempts: 2 },
      // After the first listing, before the MANIFEST: the MANIFEST is B's, the logs listed are A's
      // (all older than B's log number). B's own log came after the listing: its writes are the
      // latest, and leaving them out leaves a consistent earlier state.
      { name: 'after the first listing', switchAfter: (op) => op === 'list', expected: flushedB, attempts: 1 }
    ]
    for (const c of cases) {
      const target = new SwitchEnv(stateA.clone())
      const next = stateB.clone()
      let switched = false
      const env = new FaultEnv(target, {
        onCall: (call) => {
          if (!switched && c.switchAfter(call.op, call.path)) {
            switched = true
            target.target = next
          }
        }
      })
      env.inject({ op: MUTATING, sticky: true })
      const db = await DB.open(DIR, { env, readOnly: true })
      try {
        assert.ok(switched, `${c.name}: the switch happened`)
        const manifestReads = env.calls.filter((call) => call.op === 'open' && call.path.includes('MANIFEST')).length
        assert.equal(manifestReads, c.attempts, `${c.name}: attempts`)
        assertSameEntries(scan(db), c.expected.expected(), c.name)
      } finally {
        await db.close()
      }
      assertNoMutation(env, c.name)
    }
  })

  test('a failure while nothing changed is the open\'s error, not retried', async () => {
    const mem = new MemEnv()
    await writeWorkload(mem, 15, { writes: 600, keys: 200, unflushed: 10 })
    const env = new FaultEnv(mem)
    env.inject({ op: 'open', when: (call) => call.path.endsWith('.log'), sticky: true })
    const err = await failure(() => DB.open(DIR, { env, readOnly: true }))
    assert.equal(errorCode(err), 'LEVEL_IO_ERROR', errorMessage(err))
    const logOpens = env.calls.filter((c) => c.op === 'open' && c.path.endsWith('.log'))
    assert.equal(logOpens.length, 1, 'one attempt')
  })

  test('the stamp changes with every edit and with CURRENT, and names an unreadable CURRENT', async () => {
    const mem = new MemEnv()
    assert.match(manifestStamp(mem, DIR), /^CURRENT unreadable: ENOENT/)
    const db = await DB.open(DIR, { env: mem, writeBufferSize: 1024, backgroundWorkers: false })
    const first = manifestStamp(mem, DIR)
    assert.match(first, /^MANIFEST-\d{6} \d+$/)
    await db.put(bytes('a'), bytes('b'))
    assert.equal(manifestStamp(mem, DIR), first, 'a write to the log is no edit')
    await db.flush()
    const second = manifestStamp(mem, DIR)
    assert.notEqual(second, first, 'a flush appends an edit')
    await db.close()
    mem.removeFile(manifestFileName(DIR, Number(second.slice('MANIFEST-'.length, 'MANIFEST-000000'.length))))
    assert.match(manifestStamp(mem, DIR), /unreadable: ENOENT/)
  })
})

/** An Env that forwards every call to `target`, which a test can swap. */
class SwitchEnv implements Env {
  target: Env
  constructor (target: Env) { this.target = target }
  newWritableFile (path: string): WritableFile { return this.target.newWritableFile(path) }
  newAppendableFile (path: string): WritableFile { return this.target.newAppendableFile(path) }
  newRandomAccessFile (path: string): RandomAccessFile { return this.target.newRandomAccessFile(path) }
  newSequentialFile (path: string): SequentialFile { return this.target.newSequentialFile(path) }
  readFile (path: string): Uint8Array { return this.target.readFile(path) }
  fileExists (path: string): boolean { return this.target.fileExists(path) }
  getFileSize (path: string): number { return this.target.getFileSize(path) }
  getChildren (dir: string): string[] { return this.target.getChildren(dir) }
  removeFile (path: string): void { this.target.removeFile(path) }
  renameFile (from: string, to: string): void { this.target.renameFile(from, to) }
  createDir (path: string): void { this.target.createDir(path) }
  removeDir (path: string): void { this.target.removeDir(path) }
  syncDir (path: string): void { this.target.syncDir(path) }
  lockFile (path: string): FileLock { return this.target.lockFile(path) }
  unlockFile (lock: FileLock): void { this.target.unlockFile(lock) }
}
