import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { NUM_LEVELS, VersionEdit, type FileMetaData } from '../../src/version/version-edit.js'
import { makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { concatBytes, fromHex, toHex, utf8 } from '../../src/util/coding.js'
import { ShaleError } from '../../src/util/errors.js'

const ik = (user: string, seq: number, type: ValueType = ValueType.Value): Uint8Array => makeInternalKey(utf8(user), seq, type)
const hex = (s: string): string => s.replace(/\s+/g, '')
const k1 = '0a' + toHex(utf8('k1')) + '0102000000000000' // length-prefixed k1@2 (value)

function corruptionWith (message: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof ShaleError, String(err))
    assert.equal(err.code, 'LEVEL_CORRUPTION')
    assert.equal(err.message, message)
    return true
  }
}

/** The fields of an edit as plain data, for deep comparison. */
function fields (e: VersionEdit): unknown {
  return {
    comparatorName: e.comparatorName,
    logNumber: e.logNumber,
    prevLogNumber: e.prevLogNumber,
    nextFileNumber: e.nextFileNumber,
    lastSequence: e.lastSequence,
    compactPointers: e.compactPointers.map((p) => [p.level, toHex(p.key)]),
    deletedFiles: e.deletedFiles.map((d) => [d.level, d.number]),
    newFiles: e.newFiles.map(({ level, file }) => [level, file.number, file.fileSize, toHex(file.smallest), toHex(file.largest)])
  }
}

// Each golden payload is checked both ways: the edit encodes to it, and it decodes to the edit.
function checkGolden (edit: VersionEdit, payload: string): void {
  assert.equal(toHex(edit.encode()), hex(payload))
  const decoded = VersionEdit.decode(fromHex(payload))
  assert.deepEqual(fields(decoded), fields(edit))
  assert.equal(toHex(decoded.encode()), hex(payload))
}

describe('VersionEdit golden payloads (reference Appendix A)', () => {
  test('MANIFEST-000002 and MANIFEST-000004 record 1: comparator only', () => {
    const e = new VersionEdit()
    e.comparatorName = 'leveldb.BytewiseComparator'
    checkGolden(e, '011a' + toHex(utf8('leveldb.BytewiseComparator')))
    assert.equal(e.encode().length, 0x1c)
  })

  test('MANIFEST-000002 record 2: LogNumber 3, PrevLog 0, NextFile 4, LastSeq 0', () => {
    const e = new VersionEdit()
    // Set in another order than encoded: the encoding order is fixed.
    e.lastSequence = 0
    e.nextFileNumber = 4
    e.prevLogNumber = 0
    e.logNumber = 3
    checkGolden(e, '02 03 09 00 03 04 04 00')
  })

  test('MANIFEST-000004 record 2: counters and NewFile L0 #5 (144 bytes, foo@3 del .. k1@2)', () => {
    const e = new VersionEdit()
    e.logNumber = 6
    e.prevLogNumber = 0
    e.nextFileNumber = 7
    e.lastSequence = 3
    e.addFile(0, { number: 5, fileSize: 144, smallest: ik('foo', 3, ValueType.Deletion), largest: ik('k1', 2) })
    const payload = '02 06 09 00 03 07 04 03' + '07 00 05 9001 0b 666f6f 0003000000000000' + k1
    checkGolden(e, payload)
    assert.equal(fromHex(payload).length, 0x24)
  })

  test('CompactRange edit 1: the empty memtable flush moves the log number only', () => {
    const e = new VersionEdit()
    e.logNumber = 7
    e.prevLogNumber = 0
    e.nextFileNumber = 9
    e.lastSequence = 3
    checkGolden(e, '02 07 09 00 03 09 04 03')
  })

  test('CompactRange edit 2: compact pointer, delete L0 #5, add L1 #9', () => {
    const e = new VersionEdit()
    e.logNumber = 7
    e.prevLogNumber = 0
    e.nextFileNumber = 10
    e.lastSequence = 3
    e.addFile(1, { number: 9, fileSize: 116, smallest: ik('k1', 2), largest: ik('k1', 2) })
    e.removeFile(0, 5)
    e.setCompactPointer(0, ik('k1', 2))
    checkGolden(e, '02 07 09 00 03 0a 04 03' + '05 00' + k1 + '06 00 05' + '07 01 09 74' + k1 + k1)
  })
})

describe('VersionEdit encoding rules', () => {
  test('deleted files are a set, emitted sorted by (level, number); new files in insertion order', () => {
    const e = new VersionEdit()
    e.removeFile(2, 7)
    e.removeFile(0, 30)
    e.removeFile(2, 3)
    e.removeFile(0, 30)
    const f = (n: number): FileMetaData => ({ number: n, fileSize: 1, smallest: ik('a', 1), largest: ik('b', 1) })
    e.addFile(3, f(12))
    e.addFile(1, f(11))
    assert.deepEqual(e.deletedFiles, [{ level: 0, number: 30 }, { level: 2, number: 3 }, { level: 2, number: 7 }])
    assert.ok(e.hasRemovedFile(2, 3))
    assert.ok(!e.hasRemovedFile(3, 2))
    const enc = toHex(e.encode())
    assert.ok(enc.startsWith(hex('06 00 1e 06 02 03 06 02 07 07 03 0c')), enc)
    assert.deepEqual(VersionEdit.decode(e.encode()).newFiles.map((n) => n.file.number), [12, 11])
  })

  test('large numbers use varint64, up to 2^52; above, they are damage; clear() empties the edit', () => {
    const e = new VersionEdit()
    e.lastSequence = 2 ** 52
    e.nextFileNumber = 2 ** 40
    const d = VersionEdit.decode(e.encode())
    assert.equal(d.lastSequence, 2 ** 52)
    assert.equal(d.nextFileNumber, 2 ** 40)
    // A counter with no room left to grow would open and then fail every write.
    e.lastSequence = 2 ** 52 + 1
    assert.throws(() => VersionEdit.decode(e.encode()), (err: unknown) => (err as { code?: string }).code === 'LEVEL_CORRUPTION')
    e.clear()
    assert.equal(e.encode().length, 0)
    assert.deepEqual(fields(VersionEdit.decode(new Uint8Array(0))), fields(new VersionEdit()))
  })

  test('decoded keys do not alias the input buffer', () => {
    const bytes = fromHex('05 00' + k1)
    const d = VersionEdit.decode(bytes)
    bytes.fill(0)
    assert.equal(toHex(d.compactPointers[0]!.key), k1.slice(2))
  })

  test('toString names every field', () => {
    const e = VersionEdit.decode(fromHex('011a' + toHex(utf8('leveldb.BytewiseComparator')) +
      '02 07 09 00 03 0a 04 03' + '05 00' + k1 + '06 00 05' + '07 01 09 74' + k1 + k1))
    assert.equal(e.toString(), [
      'VersionEdit {',
      '  Comparator: leveldb.BytewiseComparator',
      '  LogNumber: 7',
      '  PrevLogNumber: 0',
      '  NextFile: 10',
      '  LastSeq: 3',
      "  CompactPointer: L0 'k1' @ 2 : 1",
      '  DeleteFile: L0 #5',
      "  AddFile: L1 #9 116 bytes 'k1' @ 2 : 1 .. 'k1' @ 2 : 1",
      '}'
    ].join('\n'))
  })
})

describe('VersionEdit decode errors (doc/dbformat.md, "VersionEdit")', () => {
  const cases: Array<[string, string]> = [
    // Unknown tags, including the obsolete 8.
    ['08 00', 'VersionEdit: unknown tag'],
    ['0a 00', 'VersionEdit: unknown tag'],
    ['00', 'VersionEdit: unknown tag'],
    ['02 03 ff ff 01', 'VersionEdit: unknown tag'],
    // Leftover bytes that do not form a tag.
    ['02 03 80', 'VersionEdit: invalid tag'],
    ['ff ff ff ff ff ff', 'VersionEdit: invalid tag'],
    // Each field named.
    ['01', 'VersionEdit: comparator name'],
    ['01 05 6c 65', 'VersionEdit: comparator name'],
    ['02', 'VersionEdit: log number'],
    ['02 80', 'VersionEdit: log number'],
    ['09', 'VersionEdit: previous log number'],
    ['03 ff', 'VersionEdit: next file number'],
    ['04', 'VersionEdit: last sequence number'],
    ['05 00', 'VersionEdit: compaction pointer'],
    ['05 07' + k1, 'VersionEdit: compaction pointer'],
    ['05 00 00', 'VersionEdit: compaction pointer'],
    ['06 00', 'VersionEdit: deleted file'],
    ['06 07 05', 'VersionEdit: deleted file'],
    ['07 07 09 74' + k1 + k1, 'VersionEdit: new-file entry'],
    ['07 00 09 74 00' + k1, 'VersionEdit: new-file entry'],
    ['07 00 09 74' + k1 + '00', 'VersionEdit: new-file entry'],
    ['07 00 09 74' + k1, 'VersionEdit: new-file entry'],
    ['07 00 09', 'VersionEdit: new-file entry'],
    // A number beyond 2^53 cannot be held exactly.
    ['04 ff ff ff ff ff ff ff ff ff 01', 'VersionEdit: last sequence number']
  ]
  for (const [payload, message] of cases) {
    test(`${hex(payload).slice(0, 24)} -> ${message}`, () => {
      assert.throws(() => VersionEdit.decode(fromHex(payload)), corruptionWith(message))
    })
  }

  test('level 6 is the last valid level', () => {
    assert.equal(NUM_LEVELS, 7)
    assert.deepEqual(VersionEdit.decode(fromHex('06 06 05')).deletedFiles, [{ level: 6, number: 5 }])
  })

  test('a one-byte internal key is accepted (only emptiness is checked, as LevelDB does)', () => {
    assert.equal(VersionEdit.decode(fromHex('05 00 01 61')).compactPointers[0]!.key.length, 1)
  })
})

describe('VersionEdit properties', () => {
  const keyArb = fc.uint8Array({ minLength: 1, maxLength: 30 })
  const numArb = fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: 2 ** 52 }))
  const levelArb = fc.nat(NUM_LEVELS - 1)
  const editArb = fc.record({
    comparatorName: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
    logNumber: fc.option(numArb, { nil: undefined }),
    prevLogNumber: fc.option(numArb, { nil: undefined }),
    nextFileNumber: fc.option(numArb, { nil: undefined }),
    lastSequence: fc.option(numArb, { nil: undefined }),
    pointers: fc.array(fc.tuple(levelArb, keyArb), { maxLength: 4 }),
    deleted: fc.array(fc.tuple(levelArb, numArb), { maxLength: 6 }),
    added: fc.array(fc.tuple(levelArb, numArb, numArb, keyArb, keyArb), { maxLength: 5 })
  }).map((r) => {
    const e = new VersionEdit()
    e.comparatorName = r.comparatorName
    e.logNumber = r.logNumber
    e.prevLogNumber = r.prevLogNumber
    e.nextFileNumber = r.nextFileNumber
    e.lastSequence = r.lastSequence
    for (const [level, key] of r.pointers) e.setCompactPointer(level, key)
    for (const [level, n] of r.deleted) e.removeFile(level, n)
    for (const [level, number, fileSize, smallest, largest] of r.added) e.addFile(level, { number, fileSize, smallest, largest })
    return e
  })

  test('property: decode(encode(e)) has the same fields and re-encodes to the same bytes', () => {
    fc.assert(fc.property(editArb, (e) => {
      const bytes = e.encode()
      const d = VersionEdit.decode(bytes)
      assert.deepEqual(fields(d), fields(e))
      assert.deepEqual(d.encode(), bytes)
    }), { seed: 42, numRuns: 500 })
  })

  test('property: random bytes decode or fail with LEVEL_CORRUPTION only', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        VersionEdit.decode(bytes)
      } catch (err) {
        assert.ok(err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION', String(err))
        assert.match(err.message, /^VersionEdit: /)
      }
    }), { seed: 42, numRuns: 3000 })
  })

  test('property: damaged valid edits fail with LEVEL_CORRUPTION only', () => {
    fc.assert(fc.property(editArb, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(), (e, where, xor, cut) => {
      const good = e.encode()
      if (good.length === 0) return
      const flipped = good.slice()
      flipped[where % good.length] = flipped[where % good.length]! ^ xor
      for (const bytes of [flipped, good.subarray(0, cut % good.length), concatBytes([good, fromHex('80')])]) {
        try {
          VersionEdit.decode(bytes)
        } catch (err) {
          assert.ok(err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION', String(err))
        }
      }
    }), { seed: 42, numRuns: 500 })
  })
})
