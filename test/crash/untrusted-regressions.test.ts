// Untrusted files the engine once mishandled: each test failed before its fix.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import { writeFileSynced } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { logFileName, manifestFileName, setCurrentFile, tableFileName } from '../../src/dbformat/filename.js'
import { makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { blockChecksum, blockHandleBytes, encodeFooter } from '../../src/table/format.js'
import { ByteWriter, encodeFixed32 } from '../../src/util/coding.js'
import { ShaleError } from '../../src/util/errors.js'
import { VersionEdit } from '../../src/version/version-edit.js'
import { failure, logFile } from '../db/helpers.js'

const DIR = '/db'
const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

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

// Contract 6: a detected corruption names the file. A table whose keys are not internal keys
// (under a valid checksum) must fail reads with an error naming that table.
// WriteBatch.fromContents takes any 64-bit sequence; inserting it into the memtable then throws
// LEVEL_INVALID_ARGUMENT ("sequence number out of range", src/dbformat/internal-key.ts encodeTag),
// which recoverLogs (src/db/recovery.ts) does not count as damage and rethrows: the open fails,
// with the wrong code, even without paranoidChecks. Damage that checksums cannot see (a buggy
// writer, or a crafted file) should be LEVEL_CORRUPTION and be skipped like any damaged record.
// Contract 6: a detected corruption names the file. A table whose keys are not internal keys (under
// a valid checksum) fails reads with "corrupted internal key in DB iterator", which names none:
// src/db/db-iterator.ts raises it without knowing which table the key came from.
test('"corrupted internal key" names the table it came from', async () => {
  const w = new ByteWriter(64)
  for (const k of ['ab', 'cd']) { w.varint(0); w.varint(k.length); w.varint(1); w.bytes(enc(k)); w.bytes(enc('x')) }
  w.fixed32(0)
  w.fixed32(1)
  const data = w.finish()
  const parts: Uint8Array[] = []
  const trailer = (b: Uint8Array): Uint8Array => {
    const out = new Uint8Array(b.length + 5)
    out.set(b)
    encodeFixed32(out, b.length + 1, blockChecksum(b, 0))
    return out
  }
  const meta = new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0])
  const iw = new ByteWriter(64)
  const last = makeInternalKey(enc('zz'), 1, ValueType.Value)
  iw.varint(0); iw.varint(last.length); iw.varint(2); iw.bytes(last); iw.bytes(blockHandleBytes({ offset: 0, size: data.length }))
  iw.fixed32(0)
  iw.fixed32(1)
  const index = iw.finish()
  parts.push(trailer(data), trailer(meta), trailer(index))
  const metaOffset = data.length + 5
  const indexOffset = metaOffset + meta.length + 5
  parts.push(encodeFooter({ metaindexHandle: { offset: metaOffset, size: meta.length }, indexHandle: { offset: indexOffset, size: index.length } }))
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { bytes.set(p, at); at += p.length }
  const env = craftedDb(manifest((e) => {
    e.logNumber = 0
    e.addFile(1, { number: 5, fileSize: bytes.length, smallest: makeInternalKey(enc('a'), 1, ValueType.Value), largest: last })
  }), [[tableFileName(DIR, 5), bytes]])
  const db = await DB.open(DIR, { env })
  try {
    const err = await failure(async () => db.iterator().all())
    assert.ok(err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION', `a scan fails with LEVEL_CORRUPTION: ${String(err)}`)
    assert.ok(err.file === tableFileName(DIR, 5) || err.message.includes('000005.ldb'), `the error names the table: ${err.message}`)
  } finally {
    await db.close()
  }
})
