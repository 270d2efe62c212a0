// Untrusted files the engine once mishandled (issue 4, item 9): each test failed before its fix.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import { writeFileSynced } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { logFileName, manifestFileName, setCurrentFile } from '../../src/dbformat/filename.js'
import { LogWriter } from '../../src/log/writer.js'
import { ShaleError } from '../../src/util/errors.js'
import { VersionEdit } from '../../src/version/version-edit.js'

const DIR = '/db'
const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

function logFile (records: readonly Uint8Array[]): Uint8Array {
  const scratch = new MemEnv()
  const f = scratch.newWritableFile('/f')
  const w = new LogWriter(f)
  for (const r of records) w.addRecord(r)
  f.close()
  return scratch.readFile('/f')
}

function manifest (fill: (e: VersionEdit) => void): Uint8Array {
  const e = new VersionEdit()
  e.comparatorName = 'leveldb.BytewiseComparator'
  e.logNumber = 3
  e.nextFileNumber = 10
  e.lastSequence = 1000
  fill(e)
  return logFile([e.encode()])
}

function craftedDb (manifestBytes: Uint8Array, files: Array<[string, Uint8Array]> = []): MemEnv {
  const env = new MemEnv()
  env.createDir(DIR)
  writeFileSynced(env, manifestFileName(DIR, 4), manifestBytes)
  for (const [path, bytes] of files) writeFileSynced(env, path, bytes)
  setCurrentFile(env, DIR, 4)
  return env
}

async function failure (op: () => Promise<unknown>): Promise<unknown> {
  try {
    await op()
  } catch (err) {
    return err
  }
  return undefined
}

// WriteBatch.fromContents takes any 64-bit sequence; inserting it into the memtable then throws
// LEVEL_INVALID_ARGUMENT ("sequence number out of range", src/dbformat/internal-key.ts encodeTag),
// which recoverLogs (src/db/recovery.ts) does not count as damage and rethrows: the open fails,
// with the wrong code, even without paranoidChecks. Damage that checksums cannot see (a buggy
// writer, or a crafted file) should be LEVEL_CORRUPTION and be skipped like any damaged record.
test('a log record whose sequence number is out of range is damage', async () => {
  const batch = new Uint8Array(12 + 7)
  const view = new DataView(batch.buffer)
  view.setBigUint64(0, 2n ** 60n, true)
  view.setUint32(8, 1, true)
  batch.set([1, 1, 0x61, 3, 0x62, 0x63, 0x64], 12)
  const log = logFile([batch])
  const build = (): MemEnv => craftedDb(manifest(() => {}), [[logFileName(DIR, 3), log]])

  const plain = await failure(async () => { await (await DB.open(DIR, { env: build() })).close() })
  assert.equal(plain, undefined, `without paranoidChecks the damaged record is skipped: ${String(plain)}`)
  const paranoid = await failure(async () => { await (await DB.open(DIR, { env: build(), paranoidChecks: true })).close() })
  assert.ok(paranoid instanceof ShaleError && paranoid.code === 'LEVEL_CORRUPTION', `with paranoidChecks: LEVEL_CORRUPTION, not ${String(paranoid)}`)
})

// The MANIFEST's last sequence is read up to 2^53 - 1 (the largest exact number) and accepted. The
// database opens; a write then gets sequence 2^53, which fails with LEVEL_INVALID_ARGUMENT only
// after its record reached the log (db.ts writeGroup logs first, then inserts), and every later
// open fails replaying that record. Either the open refuses such a MANIFEST (LEVEL_CORRUPTION), or
// the database keeps working and reopening.
test('a MANIFEST whose last sequence is near 2^53 is refused or harmless', async () => {
  const env = craftedDb(manifest((e) => { e.lastSequence = 2 ** 53 - 2 }))
  let db: DB
  try {
    db = await DB.open(DIR, { env })
  } catch (err) {
    assert.ok(err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION', `refused with LEVEL_CORRUPTION, not ${String(err)}`)
    return
  }
  for (let i = 0; i < 3; i++) await failure(() => db.put(enc(`k${i}`), enc('v')))
  await db.close()
  const again = await failure(async () => { await (await DB.open(DIR, { env })).close() })
  assert.equal(again, undefined, `the database reopens: ${String(again)}`)
})

// The same with the next file number: file numbers pass 2^53, the engine writes a MANIFEST its own
// decoder refuses ("VersionEdit: next file number"), and the database cannot be reopened.
test('a MANIFEST whose next file number is near 2^53 is refused or harmless', async () => {
  const env = craftedDb(manifest((e) => { e.logNumber = 0; e.nextFileNumber = 2 ** 53 - 3 }))
  let db: DB
  try {
    db = await DB.open(DIR, { env })
  } catch (err) {
    assert.ok(err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION', `refused with LEVEL_CORRUPTION, not ${String(err)}`)
    return
  }
  for (let i = 0; i < 3; i++) {
    await failure(() => db.put(enc(`k${i}`), enc('v')))
    await failure(() => db.flush())
  }
  await db.close()
  const again = await failure(async () => { await (await DB.open(DIR, { env })).close() })
  assert.equal(again, undefined, `the database reopens: ${String(again)}`)
})

