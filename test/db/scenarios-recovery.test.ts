// LevelDB's recovery_test scenarios that apply to Shale, plus the recovery cases its contracts add
// (a torn log tail, a missing CURRENT, what open deletes and what it must leave alone).
//
// Shale, like classic-level (reuse_logs off), never reuses a log or a MANIFEST: every open replays
// the logs into level-0 tables, starts a new log and writes a new MANIFEST. So ManifestReused and
// LogFileReuse become the opposite assertions, and LargeManifestCompacted holds at every open.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import { joinPath, type Env } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { logFileName, manifestFileName, parseFileName, tempFileName } from '../../src/dbformat/filename.js'
import { makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { LogWriter } from '../../src/log/writer.js'
import { VersionEdit } from '../../src/version/version-edit.js'
import { Random } from '../../src/util/random.js'
import {
  assertCorruption, bytes, currentManifest, DIR, errorMessage, filesOfType, Harness, key, readLiveVersion, rejection,
  str, truncateFile
} from './helpers.js'

function numberOf (name: string): number {
  const parsed = parseFileName(name)
  assert.ok(parsed !== undefined, `${name} is a LevelDB name`)
  return parsed.number
}

function manifests (env: Env): string[] {
  return filesOfType(env, DIR, 'manifest')
}

function logs (env: Env): string[] {
  return filesOfType(env, DIR, 'log')
}

/** A hand-made log holding one batch that puts `k` = `v` at sequence `seq`. */
function makeLogFile (env: Env, number: number, seq: number, k: string, v: string): void {
  const batch = new WriteBatch()
  batch.put(bytes(k), bytes(v))
  batch.sequence = seq
  const file = env.newWritableFile(logFileName(DIR, number))
  new LogWriter(file).addRecord(batch.contents())
  file.sync()
  file.close()
}

function snapshotFiles (env: Env): Map<string, string> {
  return new Map(env.getChildren(DIR).map((name) => [name, Buffer.from(env.readFile(joinPath(DIR, name))).toString('hex')]))
}

describe('recovery_test scenarios', () => {
  test('ManifestReused (does not apply: each open writes a new MANIFEST and deletes the old)', async () => {
    const h = await Harness.open()
    await h.put('foo', 'bar')
    let previous = currentManifest(h.env, DIR)
    for (let i = 0; i < 3; i++) {
      await h.reopen()
      const now = currentManifest(h.env, DIR)
      assert.notEqual(now, previous, `open ${i + 2} writes a new MANIFEST`)
      assert.ok(numberOf(now) > numberOf(previous), `${now} is numbered after ${previous}`)
      assert.deepEqual(manifests(h.env), [now], 'the old MANIFEST is deleted')
      assert.equal(h.get('foo'), 'bar')
      previous = now
    }
    await h.close()
  })

  test('LargeManifestCompacted (zero padding)', async () => {
    const h = await Harness.open()
    for (let i = 0; i < 5; i++) {
      await h.put(key(i), `v${i}`)
      await h.db.flush()
    }
    await h.close()
    const old = currentManifest(h.env, DIR)
    // Pad the MANIFEST to 3 MiB with zeros, as preallocated space would be.
    const path = joinPath(DIR, old)
    const file = h.env.newAppendableFile(path)
    file.append(new Uint8Array(3 * 1024 * 1024 - file.size))
    file.close()
    assert.equal(h.env.getFileSize(path), 3 * 1024 * 1024)
    await h.reopen()
    const fresh = currentManifest(h.env, DIR)
    assert.notEqual(fresh, old)
    const size = h.env.getFileSize(joinPath(DIR, fresh))
    assert.ok(size < 10000, `the new MANIFEST is small: ${size} bytes`)
    assert.deepEqual(manifests(h.env), [fresh])
    for (let i = 0; i < 5; i++) assert.equal(h.get(key(i)), `v${i}`)
    await h.reopen()
    assert.notEqual(currentManifest(h.env, DIR), fresh, 'not reused on the next open either')
    for (let i = 0; i < 5; i++) assert.equal(h.get(key(i)), `v${i}`)
    await h.close()
  })

  test('LargeManifestCompacted (3 MiB of real edits)', async () => {
    // A MANIFEST grown by a long history: a file added and removed again and again. The next open
    // writes only the live state.
    const h = await Harness.open()
    for (let i = 0; i < 5; i++) {
      await h.put(key(i), `v${i}`)
      await h.db.flush()
    }
    await h.close()
    const state = readLiveVersion(h.env, DIR)
    const used = new Set(h.env.getChildren(DIR).map((n) => parseFileName(n)?.number))
    let ghost = 1
    while (used.has(ghost)) ghost++
    assert.ok(ghost < state.nextFileNumber, 'a free file number below the next one')
    // Keys above everything the database holds, 10 KB each, so that each edit is big.
    const far = new Uint8Array(10000).fill(0xff)
    const add = new VersionEdit()
    add.addFile(6, { number: ghost, fileSize: 1000, smallest: makeInternalKey(far, 1, ValueType.Value), largest: makeInternalKey(far, 1, ValueType.Value) })
    const remove = new VersionEdit()
    remove.removeFile(6, ghost)
    const path = joinPath(DIR, state.manifest)
    const file = h.env.newAppendableFile(path)
    const writer = new LogWriter(file, file.size)
    while (writer.size < 3 * 1024 * 1024) {
      writer.addRecord(add.encode())
      writer.addRecord(remove.encode())
    }
    file.sync()
    file.close()
    assert.equal(readLiveVersion(h.env, DIR).files.length, state.files.length, 'the padded MANIFEST still reads as before')
    await h.reopen()
    const fresh = currentManifest(h.env, DIR)
    assert.notEqual(fresh, state.manifest)
    const size = h.env.getFileSize(joinPath(DIR, fresh))
    assert.ok(size < 10000, `the new MANIFEST is small: ${size} bytes`)
    assert.ok(!readLiveVersion(h.env, DIR).files.some((f) => f.number === ghost), 'the removed file stays removed')
    for (let i = 0; i < 5; i++) assert.equal(h.get(key(i)), `v${i}`)
    await h.close()
  })

  test('NoLogFiles', async () => {
    const h = await Harness.open()
    await h.put('foo', 'bar')
    await h.close()
    const found = logs(h.env)
    assert.equal(found.length, 1, 'one log')
    for (const name of found) h.env.removeFile(joinPath(DIR, name))
    await h.reopen()
    assert.equal(h.get('foo'), 'NOT_FOUND', 'the write lived only in the deleted log')
    await h.reopen()
    assert.equal(h.get('foo'), 'NOT_FOUND')
    await h.put('foo', 'bar2')
    await h.reopen()
    assert.equal(h.get('foo'), 'bar2', 'the database works normally afterwards')
    await h.close()
  })

  test('LogFileReuse (does not apply: each open starts a new log)', async () => {
    const h = await Harness.open()
    for (const write of [false, true]) {
      if (write) await h.put('foo', 'bar')
      const before = logs(h.env)
      assert.equal(before.length, 1)
      await h.reopen()
      const after = logs(h.env)
      assert.equal(after.length, 1, 'still one log')
      assert.ok(numberOf(after[0]!) > numberOf(before[0]!), `a new log (${before[0]} -> ${after[0]})`)
    }
    assert.equal(h.get('foo'), 'bar')
    await h.close()
  })

  test('MultipleMemTables', async () => {
    const h = await Harness.open()
    const n = 1000
    const k = (i: number): string => String(i).padStart(50, '0')
    for (let i = 0; i < n; i++) await h.put(k(i), k(i))
    assert.equal(h.tableFiles().length, 0)
    await h.close()
    assert.equal(h.tableFiles().length, 0)
    assert.equal(logs(h.env).length, 1)
    const oldLog = logs(h.env)[0]!
    // Replaying the log with a small write buffer fills several memtables.
    await h.reopen({ writeBufferSize: (n * 100) / 2 })
    assert.ok(h.tableFiles().length >= 2, `several tables: ${h.tableFiles().join(' ')}`)
    assert.equal(logs(h.env).length, 1)
    assert.notEqual(logs(h.env)[0], oldLog, 'a new log')
    for (let i = 0; i < n; i++) assert.equal(h.get(k(i)), k(i))
    await h.close()
  })

  test('MultipleLogFiles', async () => {
    const h = await Harness.open()
    await h.put('foo', 'bar')
    await h.close()
    assert.equal(logs(h.env).length, 1)
    const oldLog = numberOf(logs(h.env)[0]!)
    // Unflushed logs made by hand, after the database's own, with later sequence numbers.
    makeLogFile(h.env, oldLog + 1, 1000, 'hello', 'world')
    makeLogFile(h.env, oldLog + 2, 1001, 'hi', 'there')
    makeLogFile(h.env, oldLog + 3, 1002, 'foo', 'bar2')
    await h.reopen()
    assert.ok(h.tableFiles().length >= 1)
    assert.equal(logs(h.env).length, 1)
    const newLog = numberOf(logs(h.env)[0]!)
    assert.ok(newLog > oldLog + 3, `the new log ${newLog} is numbered after the replayed ones`)
    const check = (when: string): void => {
      assert.equal(h.get('foo'), 'bar2', `${when}: replayed in order, the later log wins`)
      assert.equal(h.get('hello'), 'world', when)
      assert.equal(h.get('hi'), 'there', when)
    }
    check('first open')
    // New writes continue after the replayed sequence numbers.
    await h.put('after', 'x')
    await h.put('foo', 'bar3')
    await h.reopen()
    assert.equal(h.get('foo'), 'bar3')
    await h.put('foo', 'bar2')
    await h.reopen()
    assert.ok(h.tableFiles().length >= 1)
    assert.equal(logs(h.env).length, 1)
    check('second open')
    // A log numbered below the MANIFEST's log number is obsolete: never replayed, deleted.
    await h.close()
    makeLogFile(h.env, oldLog + 1, 2000, 'hello', 'stale write')
    await h.reopen()
    assert.equal(logs(h.env).length, 1)
    check('with an old log reintroduced')
    assert.equal(h.get('after'), 'x')
    await h.close()
  })

  test('ManifestMissing', async () => {
    const h = await Harness.open()
    await h.put('foo', 'bar')
    await h.close()
    h.env.removeFile(joinPath(DIR, currentManifest(h.env, DIR)))
    const err = await rejection(() => h.reopen(), 'open with the MANIFEST gone')
    assertCorruption(err, undefined, 'ManifestMissing')
  })
})

describe('recovery cases of the contracts', () => {
  test('a torn log tail opens and keeps every complete record', async () => {
    // 120 writes, some spanning several 32 KiB log blocks, each its own log record; the log's size
    // after each write marks where each record ends. The log is then cut inside chosen records.
    const seed = 8080
    const rnd = new Random(seed)
    const env = new MemEnv()
    const db = await DB.open(DIR, { env })
    const n = 120
    const values: Uint8Array[] = []
    const ends: number[] = []
    const logPath = (): string => joinPath(DIR, logs(env)[0]!)
    for (let i = 0; i < n; i++) {
      const size = i % 17 === 5 ? 40000 + rnd.uniform(40000) : rnd.uniform(2000)
      values.push(rnd.bytes(size))
      await db.put(bytes(key(i)), values[i]!)
      ends.push(env.getFileSize(logPath()))
    }
    await db.close()
    assert.equal(logs(env).length, 1, 'everything is in one log')
    const big = values.findIndex((v) => v.length > 40000)
    const cuts: Array<{ record: number, at: number, why: string }> = [
      { record: n - 1, at: ends[n - 1]! - 1, why: 'one byte short of the end' },
      { record: n - 1, at: ends[n - 2]! + 3, why: 'inside the last header' },
      { record: 60, at: ends[59]! + 7 + 10, why: 'inside a payload' },
      { record: big, at: ends[big - 1]! + 40000, why: 'inside a record spanning blocks' },
      { record: 0, at: 5, why: 'inside the first header' }
    ]
    for (const cut of cuts) {
      for (const paranoidChecks of [false, true]) {
        const what = `seed ${seed}, cut ${cut.why} (record ${cut.record}, offset ${cut.at}), paranoid ${paranoidChecks}`
        const copy = env.clone()
        truncateFile(copy, logPath(), cut.at)
        const reopened = await DB.open(DIR, { env: copy, paranoidChecks })
        for (let i = 0; i < n; i++) {
          const got = reopened.getSync(bytes(key(i)))
          if (i < cut.record) assert.ok(got !== undefined && Buffer.compare(got, values[i]!) === 0, `${what}: record ${i} kept`)
          else assert.equal(got, undefined, `${what}: record ${i} was torn or after the tear`)
        }
        await reopened.put(bytes('after'), bytes('tear'))
        await reopened.close()
        const again = await DB.open(DIR, { env: copy })
        assert.equal(str(again.getSync(bytes('after'))!), 'tear', `${what}: writes after the tear survive`)
        assert.equal(again.getSync(bytes(key(cut.record))), undefined, what)
        await again.close()
      }
    }
  })

  test('CURRENT missing with a MANIFEST present: an error unless createIfMissing', async () => {
    const h = await Harness.open()
    await h.put('foo', 'bar')
    await h.db.flush()
    await h.put('baz', 'qux')
    await h.close()
    h.env.removeFile(joinPath(DIR, 'CURRENT'))
    assert.equal(manifests(h.env).length, 1)
    const before = snapshotFiles(h.env)
    const err = await rejection(() => DB.open(DIR, { env: h.env, createIfMissing: false }), 'open without CURRENT')
    assert.ok(errorMessage(err).includes('does not exist'), errorMessage(err))
    // The failed open changed nothing (it may have created LOCK, which was there already).
    assert.deepEqual(snapshotFiles(h.env), before, 'files untouched by the failed open')
    // With createIfMissing the directory is treated as a new database, as LevelDB does.
    const db = await DB.open(DIR, { env: h.env, createIfMissing: true })
    await db.put(bytes('new'), bytes('db'))
    await db.close()
    const again = await DB.open(DIR, { env: h.env, createIfMissing: false })
    assert.equal(str(again.getSync(bytes('new'))!), 'db')
    await again.close()
  })

  test('open deletes obsolete files and never touches foreign files or lock claims', async () => {
    const h = await Harness.open({ writeBufferSize: 4096 })
    for (let i = 0; i < 300; i++) await h.put(key(i % 100), 'v'.repeat(100) + String(i))
    await h.db.flush()
    await h.close()
    const state = readLiveVersion(h.env, DIR)
    const used = new Set(h.env.getChildren(DIR).map((n) => parseFileName(n)?.number))
    const free: number[] = []
    for (let n = 1; n < state.logNumber; n++) if (!used.has(n)) free.push(n)
    assert.ok(free.length >= 3, `free numbers below the log number: ${free.join(',')}`)
    const junk = bytes('not a real file')
    const write = (path: string): void => {
      const f = h.env.newWritableFile(path)
      f.append(junk)
      f.close()
    }
    const manifestNumber = numberOf(state.manifest)
    const obsolete = [
      joinPath(DIR, `${String(free[0]).padStart(6, '0')}.ldb`),
      logFileName(DIR, free[1]!),
      tempFileName(DIR, free[2]!),
      manifestFileName(DIR, manifestNumber - 1)
    ]
    for (const path of obsolete) write(path)
    const foreign = ['README.txt', 'notes.ldb.bak', '000123.ldb~', 'MANIFEST-', 'MANIFEST-12x', '12.logs',
      'LOCK.shale-4242-1-abcdef', 'LOCK.shale-1-2-3']
    for (const name of foreign) write(joinPath(DIR, name))
    h.env.createDir(joinPath(DIR, 'lost'))
    write(joinPath(DIR, 'lost/000001.log'))
    // The info logs are the engine's but never obsolete: the open only moves LOG over LOG.old.
    write(joinPath(DIR, 'LOG.old'))
    const previousLog = h.env.readFile(joinPath(DIR, 'LOG'))
    await h.reopen()
    assert.deepEqual(h.env.readFile(joinPath(DIR, 'LOG.old')), previousLog, 'LOG.old is the previous LOG')
    assert.ok(h.env.fileExists(joinPath(DIR, 'LOG')))
    for (const path of obsolete) assert.ok(!h.env.fileExists(path), `${path} is obsolete and deleted`)
    for (const name of [...foreign, 'lost/000001.log']) {
      const path = joinPath(DIR, name)
      assert.ok(h.env.fileExists(path), `${name} is not the engine's and stays`)
      assert.equal(str(h.env.readFile(path)), 'not a real file', `${name} is unchanged`)
    }
    for (let i = 200; i < 300; i++) assert.equal(h.get(key(i % 100)), 'v'.repeat(100) + String(i))
    // Every table on disk is live, and every live table is on disk.
    const live = readLiveVersion(h.env, DIR).files.map((f) => f.number).sort((a, b) => a - b)
    assert.deepEqual(h.tableFiles().map(numberOf).sort((a, b) => a - b), live)
    await h.close()
  })
})
