// LevelDB's log tests (db/log_test.cc), one test per
// scenario, asserting the records read, the bytes reported dropped and the reasons.

import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { BLOCK_SIZE, HEADER_SIZE, RecordType } from '../../src/log/format.js'
import { LogHarness, TestRandom, bigString } from './helpers.js'

function numberString (n: number): string {
  return `${n}.`
}

function assertNoReports (h: LogHarness): void {
  assert.equal(h.reporter.droppedBytes, 0)
  assert.equal(h.reporter.messages, '')
}

function assertReported (h: LogHarness, bytes: number, reason: string): void {
  assert.equal(h.reporter.droppedBytes, bytes)
  assert.ok(h.reporter.messages.includes(reason), `expected "${reason}" in "${h.reporter.messages}"`)
}

describe('log (db/log_test.cc scenarios)', () => {
  test('Empty', () => {
    const h = new LogHarness()
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('ReadWrite', () => {
    const h = new LogHarness()
    h.write('foo')
    h.write('bar')
    h.write('')
    h.write('xxxx')
    assert.equal(h.read(), 'foo')
    assert.equal(h.read(), 'bar')
    assert.equal(h.read(), '')
    assert.equal(h.read(), 'xxxx')
    assert.equal(h.read(), 'EOF')
    assert.equal(h.read(), 'EOF') // reading again at the end stays at the end
    assertNoReports(h)
  })

  test('ManyBlocks', () => {
    const h = new LogHarness()
    for (let i = 0; i < 100000; i++) h.write(numberString(i))
    assert.ok(h.writtenBytes > 20 * BLOCK_SIZE)
    for (let i = 0; i < 100000; i++) {
      const got = h.read()
      if (got !== numberString(i)) assert.equal(got, numberString(i))
    }
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('Fragmentation', () => {
    const h = new LogHarness()
    h.write('small')
    h.write(bigString('medium', 50000))
    h.write(bigString('large', 100000))
    assert.equal(h.read(), 'small')
    assert.equal(h.read(), bigString('medium', 50000))
    assert.equal(h.read(), bigString('large', 100000))
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('MarginalTrailer', () => {
    // The first record leaves exactly a header's worth of space in the block.
    const h = new LogHarness()
    const n = BLOCK_SIZE - 2 * HEADER_SIZE
    h.write(bigString('foo', n))
    assert.equal(h.writtenBytes, BLOCK_SIZE - HEADER_SIZE)
    h.write('')
    h.write('bar')
    assert.equal(h.read(), bigString('foo', n))
    assert.equal(h.read(), '')
    assert.equal(h.read(), 'bar')
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('MarginalTrailer2', () => {
    const h = new LogHarness()
    const n = BLOCK_SIZE - 2 * HEADER_SIZE
    h.write(bigString('foo', n))
    assert.equal(h.writtenBytes, BLOCK_SIZE - HEADER_SIZE)
    h.write('bar')
    // "bar" began with a zero-length FIRST that closed the block.
    assert.equal(h.contents()[BLOCK_SIZE - 1], RecordType.First)
    assert.equal(h.read(), bigString('foo', n))
    assert.equal(h.read(), 'bar')
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('ShortTrailer', () => {
    const h = new LogHarness()
    const n = BLOCK_SIZE - 2 * HEADER_SIZE + 4
    h.write(bigString('foo', n))
    assert.equal(h.writtenBytes, BLOCK_SIZE - HEADER_SIZE + 4)
    h.write('')
    h.write('bar')
    // Three zero bytes of padding, then "" and "bar" in the next block.
    assert.equal(h.writtenBytes, BLOCK_SIZE + HEADER_SIZE + HEADER_SIZE + 3)
    assert.deepEqual([...h.contents().subarray(BLOCK_SIZE - 3, BLOCK_SIZE)], [0, 0, 0])
    assert.equal(h.read(), bigString('foo', n))
    assert.equal(h.read(), '')
    assert.equal(h.read(), 'bar')
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('AlignedEof', () => {
    const h = new LogHarness()
    const n = BLOCK_SIZE - 2 * HEADER_SIZE + 4
    h.write(bigString('foo', n))
    assert.equal(h.writtenBytes, BLOCK_SIZE - HEADER_SIZE + 4)
    assert.equal(h.read(), bigString('foo', n))
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('OpenForAppend', () => {
    const h = new LogHarness()
    h.write('hello')
    h.reopenForAppend()
    h.write('world')
    assert.equal(h.read(), 'hello')
    assert.equal(h.read(), 'world')
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('OpenForAppend across a block boundary', () => {
    // The reopened writer must continue the block layout, padding where the old one would have.
    const h = new LogHarness()
    const n = BLOCK_SIZE - 2 * HEADER_SIZE + 4
    h.write(bigString('foo', n))
    h.reopenForAppend()
    h.write('world')
    assert.equal(h.writtenBytes, BLOCK_SIZE + HEADER_SIZE + 5)
    assert.equal(h.read(), bigString('foo', n))
    assert.equal(h.read(), 'world')
    assert.equal(h.lastRecordOffset, BLOCK_SIZE)
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('RandomRead', () => {
    const h = new LogHarness()
    const n = 500
    const skewed = (i: number, rnd: TestRandom): string => bigString(numberString(i), rnd.skewed(17))
    const writeRnd = new TestRandom(301)
    for (let i = 0; i < n; i++) h.write(skewed(i, writeRnd))
    const readRnd = new TestRandom(301)
    for (let i = 0; i < n; i++) assert.equal(h.read(), skewed(i, readRnd))
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('ReadError', () => {
    const h = new LogHarness()
    h.write('foo')
    h.forceReadError('read error')
    assert.equal(h.read(), 'EOF')
    assertReported(h, BLOCK_SIZE, 'read error')
    assert.equal(h.reporter.reports[0]!.error.code, 'LEVEL_IO_ERROR')
    assert.equal(h.read(), 'EOF') // the log ends at the failed read
  })

  test('BadRecordType', () => {
    const h = new LogHarness()
    h.write('foo')
    h.incrementByte(6, 100) // the type byte
    h.fixChecksum(0, 3)
    assert.equal(h.read(), 'EOF')
    assertReported(h, 3, 'unknown record type')
    assert.equal(h.reporter.messages, 'unknown record type 101')
  })

  test('TruncatedTrailingRecordIsIgnored', () => {
    const h = new LogHarness()
    h.write('foo')
    h.shrinkSize(4) // all of the payload and a header byte
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('BadLength', () => {
    const h = new LogHarness()
    const payload = BLOCK_SIZE - HEADER_SIZE
    h.write(bigString('bar', payload))
    h.write('foo')
    h.incrementByte(4, 1) // low byte of the length: now runs past the block
    assert.equal(h.read(), 'foo')
    assertReported(h, BLOCK_SIZE, 'bad record length')
    const { error } = h.reporter.reports[0]!
    assert.equal(error.code, 'LEVEL_CORRUPTION')
    assert.equal(error.file, '000003.log')
    assert.equal(error.offset, 0)
    assert.equal(h.read(), 'EOF')
  })

  test('BadLengthAtEndIsIgnored', () => {
    const h = new LogHarness()
    h.write('foo')
    h.shrinkSize(1)
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('ChecksumMismatch', () => {
    const h = new LogHarness()
    h.write('foo')
    h.incrementByte(0, 10)
    assert.equal(h.read(), 'EOF')
    assertReported(h, 10, 'checksum mismatch')
    assert.equal(h.reporter.reports[0]!.error.offset, 0)
  })

  test('UnexpectedMiddleType', () => {
    const h = new LogHarness()
    h.write('foo')
    h.setByte(6, RecordType.Middle)
    h.fixChecksum(0, 3)
    assert.equal(h.read(), 'EOF')
    assertReported(h, 3, 'missing start')
  })

  test('UnexpectedLastType', () => {
    const h = new LogHarness()
    h.write('foo')
    h.setByte(6, RecordType.Last)
    h.fixChecksum(0, 3)
    assert.equal(h.read(), 'EOF')
    assertReported(h, 3, 'missing start')
  })

  test('UnexpectedFullType', () => {
    const h = new LogHarness()
    h.write('foo')
    h.write('bar')
    h.setByte(6, RecordType.First)
    h.fixChecksum(0, 3)
    assert.equal(h.read(), 'bar')
    assert.equal(h.lastRecordOffset, HEADER_SIZE + 3)
    assert.equal(h.read(), 'EOF')
    assertReported(h, 3, 'partial record without end')
  })

  test('UnexpectedFirstType', () => {
    const h = new LogHarness()
    h.write('foo')
    h.write(bigString('bar', 100000))
    h.setByte(6, RecordType.First)
    h.fixChecksum(0, 3)
    assert.equal(h.read(), bigString('bar', 100000))
    assert.equal(h.read(), 'EOF')
    assertReported(h, 3, 'partial record without end')
  })

  test('MissingLastIsIgnored', () => {
    const h = new LogHarness()
    h.write(bigString('bar', BLOCK_SIZE))
    h.shrinkSize(14) // the whole LAST fragment, header included
    assert.equal(h.writtenBytes, BLOCK_SIZE)
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('PartialLastIsIgnored', () => {
    const h = new LogHarness()
    h.write(bigString('bar', BLOCK_SIZE))
    h.shrinkSize(1) // the LAST fragment's length now runs past the end of the file
    assert.equal(h.read(), 'EOF')
    assertNoReports(h)
  })

  test('SkipIntoMultiRecord', () => {
    // Starting inside first(R1) middle(R1) last(R1): the leftover fragments are expected, not
    // damage, until the next record begins.
    const h = new LogHarness()
    h.write(bigString('foo', 3 * BLOCK_SIZE))
    h.write('correct')
    h.startReadingAt(BLOCK_SIZE)
    assert.equal(h.read(), 'correct')
    assertNoReports(h)
    assert.equal(h.read(), 'EOF')
  })

  test('ErrorJoinsRecords', () => {
    // first(R1) last(R1) first(R2) last(R2) with the middle two lost: first(R1) and last(R2) must
    // never be joined into a record.
    const h = new LogHarness()
    h.write(bigString('foo', BLOCK_SIZE))
    h.write(bigString('bar', BLOCK_SIZE))
    h.write('correct')
    for (let offset = BLOCK_SIZE; offset < 2 * BLOCK_SIZE; offset++) h.setByte(offset, 'x'.charCodeAt(0))
    assert.equal(h.read(), 'correct')
    assert.equal(h.read(), 'EOF')
    const dropped = h.reporter.droppedBytes
    assert.ok(dropped <= 2 * BLOCK_SIZE + 100, `dropped ${dropped}`)
    assert.ok(dropped >= 2 * BLOCK_SIZE, `dropped ${dropped}`)
    assert.match(h.reporter.messages, /checksum mismatch/)
    assert.match(h.reporter.messages, /error in middle of record/)
    assert.match(h.reporter.messages, /missing start of fragmented record/)
  })
})

// Records that cross block boundaries and end near them, for reading from initial offsets.
const initialOffsetRecordSizes = [
  10000, // two sizeable records in the first block
  10000,
  2 * BLOCK_SIZE - 1000, // spans three blocks
  1,
  13716, // leaves two bytes of block 3: padding
  BLOCK_SIZE - HEADER_SIZE // fills block 4 exactly
]
const initialOffsetLastRecordOffsets = [
  0,
  HEADER_SIZE + 10000,
  2 * (HEADER_SIZE + 10000),
  2 * (HEADER_SIZE + 10000) + (2 * BLOCK_SIZE - 1000) + 3 * HEADER_SIZE,
  2 * (HEADER_SIZE + 10000) + (2 * BLOCK_SIZE - 1000) + 3 * HEADER_SIZE + HEADER_SIZE + 1,
  3 * BLOCK_SIZE
]

function writeInitialOffsetLog (): LogHarness {
  const h = new LogHarness()
  initialOffsetRecordSizes.forEach((size, i) => h.write(String.fromCharCode(97 + i).repeat(size)))
  assert.equal(h.writtenBytes, 4 * BLOCK_SIZE)
  return h
}

function checkInitialOffsetRecord (initialOffset: number, expectedIndex: number): void {
  const h = writeInitialOffsetLog()
  h.startReadingAt(initialOffset)
  for (let i = expectedIndex; i < initialOffsetRecordSizes.length; i++) {
    const record = h.read()
    assert.equal(record.length, initialOffsetRecordSizes[i])
    assert.equal(h.lastRecordOffset, initialOffsetLastRecordOffsets[i])
    assert.equal(record[0], String.fromCharCode(97 + i))
  }
  assert.equal(h.read(), 'EOF')
  // Fragments of a record begun before the offset are skipped without comment.
  assertNoReports(h)
}

function checkOffsetPastEndReturnsNoRecords (pastEnd: number): void {
  const h = writeInitialOffsetLog()
  h.startReadingAt(h.writtenBytes + pastEnd)
  assert.equal(h.read(), 'EOF')
  assertNoReports(h)
}

describe('log initial offsets (db/log_test.cc Read* scenarios)', () => {
  test('ReadStart', () => checkInitialOffsetRecord(0, 0))
  test('ReadSecondOneOff', () => checkInitialOffsetRecord(1, 1))
  test('ReadSecondTenThousand', () => checkInitialOffsetRecord(10000, 1))
  test('ReadSecondStart', () => checkInitialOffsetRecord(10007, 1))
  test('ReadThirdOneOff', () => checkInitialOffsetRecord(10008, 2))
  test('ReadThirdStart', () => checkInitialOffsetRecord(20014, 2))
  test('ReadFourthOneOff', () => checkInitialOffsetRecord(20015, 3))
  test('ReadFourthFirstBlockTrailer', () => checkInitialOffsetRecord(BLOCK_SIZE - 4, 3))
  test('ReadFourthMiddleBlock', () => checkInitialOffsetRecord(BLOCK_SIZE + 1, 3))
  test('ReadFourthLastBlock', () => checkInitialOffsetRecord(2 * BLOCK_SIZE + 1, 3))
  test('ReadFourthStart', () => checkInitialOffsetRecord(initialOffsetLastRecordOffsets[3]!, 3))
  test('ReadInitialOffsetIntoBlockPadding', () => checkInitialOffsetRecord(3 * BLOCK_SIZE - 3, 5))
  test('ReadEnd', () => checkOffsetPastEndReturnsNoRecords(0))
  test('ReadPastEnd', () => checkOffsetPastEndReturnsNoRecords(5))
})
