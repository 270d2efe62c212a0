// VersionSet.recover from hand-made MANIFESTs: the golden MANIFEST bytes of a new LevelDB database (doc/dbformat.md),
// createNew's MANIFEST-000001, and every error recovery must report.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { concatBytes, fromHex, toHex, utf8 } from '../../src/util/coding.js'
import { ShaleError } from '../../src/util/errors.js'
import type { Env } from '../../src/env/env.js'
import { manifestFileName } from '../../src/dbformat/filename.js'
import { LogWriter } from '../../src/log/writer.js'
import type { Comparator } from '../../src/util/comparator.js'
import { bytewiseComparator } from '../../src/util/comparator.js'
import { InternalKeyComparator, ValueType } from '../../src/dbformat/internal-key.js'
import { VersionEdit } from '../../src/version/version-edit.js'
import { VersionSet } from '../../src/version/version-set.js'
import { DB, filesOf, icmp, ik, meta, newEnv, openVersionSet, readCurrent } from './helpers.js'

const hex = (s: string): Uint8Array => fromHex(s.replace(/'([^']*)'/g, (_m, text: string) => toHex(utf8(text))))

// Appendix A payloads. Internal-key tags: foo@3 deletion, k1@2 value.
const COMPARATOR = hex("01 1a 'leveldb.BytewiseComparator'")
const FOO3 = "0b 'foo' 00 03 00 00 00 00 00 00"
const K12 = "0a 'k1' 01 02 00 00 00 00 00 00"
const FRESH_COUNTERS = hex('02 03 09 00 03 04 04 00')
const REOPEN = hex(`02 06 09 00 03 07 04 03 07 00 05 90 01 ${FOO3} ${K12}`)
const FLUSH_EMPTY = hex('02 07 09 00 03 09 04 03')
const COMPACT = hex(`02 07 09 00 03 0a 04 03 05 00 ${K12} 06 00 05 07 01 09 74 ${K12} ${K12}`)

/** Writes records into MANIFEST-<number> and points CURRENT at it (plain writes, no fault tests here). */
function writeManifest (env: Env, number: number, records: Uint8Array[]): Uint8Array {
  const file = env.newWritableFile(manifestFileName(DB, number))
  const log = new LogWriter(file)
  for (const r of records) log.addRecord(r)
  file.sync()
  file.close()
  writeCurrent(env, `MANIFEST-${String(number).padStart(6, '0')}\n`)
  return env.readFile(manifestFileName(DB, number))
}

function writeCurrent (env: Env, text: string | Uint8Array): void {
  const f = env.newWritableFile(`${DB}/CURRENT`)
  f.append(typeof text === 'string' ? utf8(text) : text)
  f.sync()
  f.close()
}

function edit (fill: (e: VersionEdit) => void): Uint8Array {
  const e = new VersionEdit()
  fill(e)
  return e.encode()
}

function recoverError (env: Env, code: string, message: RegExp, vset = openVersionSet(env).vset): ShaleError {
  let caught: unknown
  try {
    vset.recover()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof ShaleError, `expected a ShaleError, got ${String(caught)}`)
  assert.equal(caught.code, code)
  assert.match(caught.message, message)
  return caught
}

describe('recover', () => {
  test('the golden MANIFEST-000002 of a fresh database', () => {
    const env = newEnv()
    const bytes = writeManifest(env, 2, [COMPARATOR, FRESH_COUNTERS])
    // The log writer reproduces LevelDB's bytes, headers included.
    assert.equal(bytes.length, 50)
    assert.equal(toHex(bytes.subarray(0, 7)), '56f9b8f81c0001')
    assert.equal(toHex(bytes.subarray(35, 42)), 'a49c8bbe080001')
    const { vset } = openVersionSet(env)
    vset.recover()
    assert.equal(vset.logNumber, 3)
    assert.equal(vset.prevLogNumber, 0)
    assert.equal(vset.lastSequence, 0)
    assert.equal(vset.manifestFileNumber, 2)
    // Number 4 is set aside for the next MANIFEST, so the next file is 5 (000005.ldb in Appendix A).
    assert.equal(vset.newFileNumber(), 5)
    assert.deepEqual(filesOf(vset.current), [])
  })

  test("Appendix A's MANIFEST-000004, re-encoded through VersionEdit, then with the CompactRange records", () => {
    const reopen = edit((e) => {
      e.logNumber = 6
      e.prevLogNumber = 0
      e.nextFileNumber = 7
      e.lastSequence = 3
      e.addFile(0, { number: 5, fileSize: 144, smallest: ik('foo', 3, ValueType.Deletion), largest: ik('k1', 2) })
    })
    assert.equal(toHex(reopen), toHex(REOPEN))
    const env = newEnv()
    const bytes = writeManifest(env, 4, [COMPARATOR, reopen])
    assert.equal(bytes.length, 78)
    assert.equal(toHex(bytes.subarray(35, 42)), 'd8b6e810240001')

    let { vset } = openVersionSet(env)
    vset.recover()
    assert.deepEqual(filesOf(vset.current), ['0:5'])
    const f = vset.current.files[0]![0]!
    assert.equal(f.fileSize, 144)
    assert.equal(toHex(f.smallest), toHex(ik('foo', 3, ValueType.Deletion)))
    assert.equal(vset.logNumber, 6)
    assert.equal(vset.lastSequence, 3)
    assert.equal(vset.nextFileNumber, 8)

    // The two records CompactRange appends: log 7, then the compaction moving foo..k1 to #9 at L1.
    writeManifest(env, 4, [COMPARATOR, reopen, FLUSH_EMPTY, COMPACT])
    vset = openVersionSet(env).vset
    vset.recover()
    assert.deepEqual(filesOf(vset.current), ['1:9'])
    assert.equal(vset.current.files[1]![0]!.fileSize, 116)
    assert.equal(vset.logNumber, 7)
    assert.equal(vset.nextFileNumber, 11)
    assert.equal(toHex(vset.compactPointer(0)!), toHex(ik('k1', 2)))
  })

  test('createNew writes MANIFEST-000001 {comparator, log 0, next file 2, last sequence 0} and CURRENT', () => {
    const env = newEnv()
    VersionSet.createNew(env, DB, icmp)
    assert.equal(readCurrent(env), 'MANIFEST-000001\n')
    const expected = new VersionEdit()
    expected.comparatorName = 'leveldb.BytewiseComparator'
    expected.logNumber = 0
    expected.nextFileNumber = 2
    expected.lastSequence = 0
    const manifest = env.readFile(manifestFileName(DB, 1))
    assert.equal(toHex(manifest.subarray(7)), toHex(expected.encode()))
    // Everything is durable: a power cut right after changes nothing.
    env.powerLoss()
    assert.equal(readCurrent(env), 'MANIFEST-000001\n')
    assert.equal(toHex(env.readFile(manifestFileName(DB, 1))), toHex(manifest))
    assert.deepEqual(env.getChildren(DB), ['CURRENT', 'MANIFEST-000001'])
    const { vset } = openVersionSet(env)
    vset.recover()
    assert.equal(vset.logNumber, 0)
    assert.equal(vset.manifestFileNumber, 1)
    assert.equal(vset.nextFileNumber, 3)
  })

  test('a non-zero previous log number is honoured and never handed out again', () => {
    const env = newEnv()
    writeManifest(env, 2, [COMPARATOR, edit((e) => { e.logNumber = 20; e.prevLogNumber = 19; e.nextFileNumber = 10; e.lastSequence = 55 })])
    const { vset } = openVersionSet(env)
    vset.recover()
    assert.equal(vset.prevLogNumber, 19)
    assert.equal(vset.logNumber, 20)
    assert.equal(vset.lastSequence, 55)
    // The damaged next-file number (10 < 20) must not lead to reuse.
    assert.ok(vset.nextFileNumber > 20)
  })

  test('a table numbered at or past the next-file number does not get its number reused', () => {
    const env = newEnv()
    writeManifest(env, 2, [COMPARATOR, edit((e) => {
      e.logNumber = 3; e.nextFileNumber = 4; e.lastSequence = 0
      e.addFile(1, meta(40, 'a', 'b'))
    })])
    const { vset } = openVersionSet(env)
    vset.recover()
    assert.ok(vset.newFileNumber() > 40)
  })

  test('later records override earlier counters; edits accumulate', () => {
    const env = newEnv()
    writeManifest(env, 2, [
      COMPARATOR,
      edit((e) => { e.logNumber = 3; e.nextFileNumber = 4; e.lastSequence = 0 }),
      edit((e) => { e.logNumber = 5; e.nextFileNumber = 8; e.lastSequence = 9; e.addFile(0, meta(6, 'a', 'c')); e.addFile(0, meta(7, 'b', 'd')) }),
      edit((e) => { e.lastSequence = 12; e.removeFile(0, 6); e.addFile(1, meta(6, 'a', 'c')) })
    ])
    const { vset } = openVersionSet(env)
    vset.recover()
    assert.deepEqual(filesOf(vset.current), ['0:7', '1:6'])
    assert.equal(vset.logNumber, 5)
    assert.equal(vset.lastSequence, 12)
    assert.equal(vset.nextFileNumber, 9)
  })

  test('a torn last record (the writer died mid-append) ends the MANIFEST silently', () => {
    const env = newEnv()
    const bytes = writeManifest(env, 2, [COMPARATOR, FRESH_COUNTERS, edit((e) => { e.addFile(0, meta(9, 'a', 'b')); e.logNumber = 8 })])
    const f = env.newWritableFile(manifestFileName(DB, 2))
    f.append(bytes.subarray(0, bytes.length - 5))
    f.sync()
    f.close()
    const { vset } = openVersionSet(env)
    vset.recover()
    assert.deepEqual(filesOf(vset.current), [])
    assert.equal(vset.logNumber, 3)
  })

  describe('errors', () => {
    for (const [name, content] of [
      ['empty', new Uint8Array(0)],
      ['no newline', utf8('MANIFEST-000002')],
      ['16 zero bytes (google/leveldb#74)', new Uint8Array(16)]
    ] as const) {
      test(`CURRENT ${name}: "CURRENT file does not end with newline"`, () => {
        const env = newEnv()
        writeManifest(env, 2, [COMPARATOR, FRESH_COUNTERS])
        writeCurrent(env, content)
        const err = recoverError(env, 'LEVEL_CORRUPTION', /^CURRENT file does not end with newline/)
        assert.equal(err.file, `${DB}/CURRENT`)
      })
    }

    test('CURRENT naming something that is not a MANIFEST is refused before any file is opened', () => {
      const env = newEnv()
      writeCurrent(env, '../../etc/passwd\n')
      recoverError(env, 'LEVEL_CORRUPTION', /CURRENT names an invalid MANIFEST file/)
    })

    test('"CURRENT points to a non-existent file"', () => {
      const env = newEnv()
      writeCurrent(env, 'MANIFEST-000009\n')
      const err = recoverError(env, 'LEVEL_CORRUPTION', /^CURRENT points to a non-existent file/)
      assert.equal(err.file, `${DB}/MANIFEST-000009`)
    })

    test('a missing CURRENT is the Env error (ENOENT)', () => {
      const env = newEnv()
      recoverError(env, 'LEVEL_IO_ERROR', /ENOENT/)
    })

    for (const [missing, message] of [
      ['next file', /^no meta-nextfile entry in descriptor/],
      ['log number', /^no meta-lognumber entry in descriptor/],
      ['last sequence', /^no last-sequence-number entry in descriptor/]
    ] as const) {
      test(`missing ${missing}: ${String(message)}`, () => {
        const env = newEnv()
        writeManifest(env, 2, [COMPARATOR, edit((e) => {
          if (missing !== 'next file') e.nextFileNumber = 4
          if (missing !== 'log number') e.logNumber = 3
          if (missing !== 'last sequence') e.lastSequence = 0
        })])
        recoverError(env, 'LEVEL_CORRUPTION', message)
      })
    }

    test('a MANIFEST written under another comparator: LEVEL_INVALID_ARGUMENT naming both', () => {
      const env = newEnv()
      writeManifest(env, 2, [COMPARATOR, FRESH_COUNTERS])
      const reversed: Comparator = {
        ...bytewiseComparator,
        name: 'test.ReverseComparator',
        compare: (a, b) => bytewiseComparator.compare(b, a)
      }
      const { vset } = openVersionSet(env, { icmp: new InternalKeyComparator(reversed) })
      recoverError(env, 'LEVEL_INVALID_ARGUMENT',
        /^leveldb\.BytewiseComparator does not match existing comparator test\.ReverseComparator/, vset)
    })

    test('a checksum mismatch anywhere fails recovery, naming the file and offset', () => {
      const env = newEnv()
      const bytes = writeManifest(env, 2, [COMPARATOR, FRESH_COUNTERS, edit((e) => { e.lastSequence = 7 })])
      const damaged = bytes.slice()
      damaged[20]! ^= 0x01 // inside the comparator record
      const f = env.newWritableFile(manifestFileName(DB, 2))
      f.append(damaged)
      f.sync()
      f.close()
      const err = recoverError(env, 'LEVEL_CORRUPTION', /checksum mismatch/)
      assert.equal(err.file, `${DB}/MANIFEST-000002`)
      assert.equal(err.offset, 0)
    })

    test('a record that is not a VersionEdit fails recovery with the decoder\'s message', () => {
      const env = newEnv()
      writeManifest(env, 2, [COMPARATOR, FRESH_COUNTERS, hex('08 01')])
      const err = recoverError(env, 'LEVEL_CORRUPTION', /^VersionEdit: unknown tag/)
      assert.equal(err.file, `${DB}/MANIFEST-000002`)
      assert.equal(err.offset, 50)
    })

    test('overlapping files in a level >= 1 fail recovery', () => {
      const env = newEnv()
      writeManifest(env, 2, [COMPARATOR, FRESH_COUNTERS, edit((e) => { e.addFile(3, meta(5, 'a', 'm')); e.addFile(3, meta(6, 'c', 'z')) })])
      recoverError(env, 'LEVEL_CORRUPTION', /overlapping ranges in level 3/)
    })

    test('a failed recovery leaves the VersionSet as it was', () => {
      const env = newEnv()
      writeManifest(env, 2, [COMPARATOR, FRESH_COUNTERS, edit((e) => { e.addFile(0, meta(5, 'a', 'b')); e.logNumber = 4 })])
      const { vset } = openVersionSet(env)
      vset.recover()
      const before = vset.current
      writeManifest(env, 3, [COMPARATOR, concatBytes([FRESH_COUNTERS, hex('08')])])
      assert.throws(() => vset.recover())
      assert.equal(vset.current, before)
      assert.equal(vset.logNumber, 4)
    })
  })
})
