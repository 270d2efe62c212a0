// Exact bytes: the physical layout of the format document's example, LevelDB's golden 000003.log,
// and the writer and reader behaviour that the scenario ports do not pin down.

import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { decodeFixed32, fromHex, toHex, utf8 } from '../../src/util/coding.js'
import { crc32c, unmaskCrc } from '../../src/util/crc32c.js'
import { BLOCK_SIZE, HEADER_SIZE, RecordType, recordChecksum } from '../../src/log/format.js'
import { LogReader } from '../../src/log/reader.js'
import { LogWriter } from '../../src/log/writer.js'
import { CollectingReporter, MemorySequentialFile, MemoryWritableFile, TestRandom } from './helpers.js'

interface PhysicalRecord { offset: number, type: number, length: number }

/** Walks a well-formed log the way its writer laid it out. */
function physicalRecords (bytes: Uint8Array): { records: PhysicalRecord[], padding: number[] } {
  const records: PhysicalRecord[] = []
  const padding: number[] = []
  let p = 0
  while (p < bytes.length) {
    const left = BLOCK_SIZE - (p % BLOCK_SIZE)
    if (left < HEADER_SIZE) {
      padding.push(p)
      p += left
      continue
    }
    const length = bytes[p + 4]! | (bytes[p + 5]! << 8)
    records.push({ offset: p, type: bytes[p + 6]!, length })
    p += HEADER_SIZE + length
  }
  return { records, padding }
}

function readAll (bytes: Uint8Array, options: { checksum?: boolean } = {}): { records: Uint8Array[], offsets: number[], reporter: CollectingReporter } {
  const reporter = new CollectingReporter()
  const reader = new LogReader(new MemorySequentialFile(bytes), { reporter, ...options })
  const records: Uint8Array[] = []
  const offsets: number[] = []
  for (let r = reader.readRecord(); r !== null; r = reader.readRecord()) {
    records.push(r.slice())
    offsets.push(reader.lastRecordOffset)
  }
  return { records, offsets, reporter }
}

describe('log layout', () => {
  test('format document example: records of 1000, 97270 and 8000 bytes', () => {
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    const rnd = new TestRandom(7)
    const a = rnd.fill(new Uint8Array(1000))
    const b = rnd.fill(new Uint8Array(97270))
    const c = rnd.fill(new Uint8Array(8000))
    writer.addRecord(a)
    writer.addRecord(b)
    writer.addRecord(c)

    const bytes = dest.contents()
    const { records, padding } = physicalRecords(bytes)
    assert.deepEqual(records, [
      { offset: 0, type: RecordType.Full, length: 1000 }, // A in block 1
      { offset: 1007, type: RecordType.First, length: BLOCK_SIZE - 1007 - HEADER_SIZE }, // B: rest of block 1
      { offset: BLOCK_SIZE, type: RecordType.Middle, length: BLOCK_SIZE - HEADER_SIZE }, // all of block 2
      { offset: 2 * BLOCK_SIZE, type: RecordType.Last, length: 97270 - 31754 - 32761 }, // start of block 3
      { offset: 3 * BLOCK_SIZE, type: RecordType.Full, length: 8000 } // C in block 4
    ])
    // B's LAST ends six bytes short of block 3's end: those six are zero padding.
    assert.deepEqual(padding, [3 * BLOCK_SIZE - 6])
    assert.deepEqual([...bytes.subarray(3 * BLOCK_SIZE - 6, 3 * BLOCK_SIZE)], [0, 0, 0, 0, 0, 0])
    assert.equal(bytes.length, 3 * BLOCK_SIZE + HEADER_SIZE + 8000)
    assert.equal(writer.size, bytes.length)
    // One append per user record, however many blocks it spans.
    assert.equal(dest.appendCalls, 3)

    // Every stored CRC is the masked CRC32C of the type byte followed by the payload.
    for (const r of records) {
      const covered = bytes.slice(r.offset + 6, r.offset + HEADER_SIZE + r.length)
      assert.equal(unmaskCrc(decodeFixed32(bytes, r.offset)), crc32c(covered))
    }

    const read = readAll(bytes)
    assert.equal(read.records.length, 3)
    assert.deepEqual(read.records[0], a)
    assert.deepEqual(read.records[1], b)
    assert.deepEqual(read.records[2], c)
    assert.deepEqual(read.offsets, [0, 1007, 3 * BLOCK_SIZE])
    assert.equal(read.reporter.reports.length, 0)
  })

  test('golden 000003.log from LevelDB 1.20 (59 bytes)', () => {
    // WriteBatch payloads built by hand: fixed64 sequence, fixed32 count, then tagged entries.
    const batch1 = fromHex('0100000000000000 01000000 01 03' + toHex(utf8('foo')) + '03' + toHex(utf8('bar')))
    const batch2 = fromHex('0200000000000000 02000000 01 02' + toHex(utf8('k1')) + '02' + toHex(utf8('v1')) +
      '00 03' + toHex(utf8('foo')))
    assert.equal(batch1.length, 0x15)
    assert.equal(batch2.length, 0x18)

    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    writer.addRecord(batch1)
    writer.addRecord(batch2)
    const expected = new Uint8Array([
      ...fromHex('afbfeb5e 1500 01'), ...batch1,
      ...fromHex('ca531077 1800 01'), ...batch2
    ])
    assert.equal(expected.length, 59)
    assert.equal(toHex(dest.contents()), toHex(expected))
    assert.equal(writer.size, 59)

    const read = readAll(expected)
    assert.deepEqual(read.records, [batch1, batch2])
    assert.deepEqual(read.offsets, [0, 28])
  })

  test('golden MANIFEST-000002 records (50 bytes)', () => {
    const comparator = new Uint8Array([0x01, 0x1a, ...utf8('leveldb.BytewiseComparator')])
    const edit = fromHex('02 03 09 00 03 04 04 00')
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    writer.addRecord(comparator)
    writer.addRecord(edit)
    const expected = new Uint8Array([
      ...fromHex('56f9b8f8 1c00 01'), ...comparator,
      ...fromHex('a49c8bbe 0800 01'), ...edit
    ])
    assert.equal(expected.length, 50)
    assert.equal(toHex(dest.contents()), toHex(expected))
  })

  test('an empty record is one FULL header of length 0', () => {
    const dest = new MemoryWritableFile()
    new LogWriter(dest).addRecord(new Uint8Array(0))
    const bytes = dest.contents()
    assert.equal(bytes.length, HEADER_SIZE)
    assert.equal(decodeFixed32(bytes, 0), recordChecksum(RecordType.Full, new Uint8Array(0)))
    assert.deepEqual([...bytes.subarray(4)], [0, 0, RecordType.Full])
  })

  test('a record that fills a block exactly leaves the next record at the block start', () => {
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    writer.addRecord(new Uint8Array(BLOCK_SIZE - HEADER_SIZE).fill(1))
    writer.addRecord(utf8('next'))
    const { records, padding } = physicalRecords(dest.contents())
    assert.deepEqual(records.map(r => [r.offset, r.type]), [[0, RecordType.Full], [BLOCK_SIZE, RecordType.Full]])
    assert.deepEqual(padding, [])
  })

  test('a record of 2 * 32761 bytes from a block start is FIRST then LAST', () => {
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    writer.addRecord(new Uint8Array(2 * (BLOCK_SIZE - HEADER_SIZE)).fill(3))
    const { records } = physicalRecords(dest.contents())
    assert.deepEqual(records.map(r => [r.offset, r.type, r.length]), [
      [0, RecordType.First, BLOCK_SIZE - HEADER_SIZE],
      [BLOCK_SIZE, RecordType.Last, BLOCK_SIZE - HEADER_SIZE]
    ])
  })

  test('writer reopened at every offset near a block end continues the layout', () => {
    for (let start = BLOCK_SIZE - 10; start <= BLOCK_SIZE; start++) {
      // The reopened writer must pad, squeeze in a zero-length FIRST or fit the record as the
      // block offset start % 32768 demands.
      const prefix = new Uint8Array(start)
      const reopened = new MemoryWritableFile(prefix)
      new LogWriter(reopened, start).addRecord(utf8('abc'))

      const left = BLOCK_SIZE - (start % BLOCK_SIZE)
      const tail = reopened.contents().subarray(start)
      if (left < HEADER_SIZE) {
        assert.deepEqual([...tail.subarray(0, left)], new Array(left).fill(0), `padding at ${start}`)
        assert.equal(tail[left + 6], RecordType.Full)
        assert.equal(tail.length, left + HEADER_SIZE + 3)
      } else if (left === HEADER_SIZE) {
        assert.deepEqual([...tail.subarray(4, 7)], [0, 0, RecordType.First], `zero-length FIRST at ${start}`)
        assert.equal(tail[HEADER_SIZE + 6], RecordType.Last)
      } else {
        assert.equal(tail[6], left >= HEADER_SIZE + 3 ? RecordType.Full : RecordType.First, `at ${start}`)
      }
    }
  })
})

describe('log writer', () => {
  test('reuses its buffer without disturbing records already handed over', () => {
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    writer.addRecord(utf8('first record'))
    writer.addRecord(utf8('second'))
    const read = readAll(dest.contents())
    assert.deepEqual(read.records.map(r => Buffer.from(r).toString()), ['first record', 'second'])
    assert.equal(dest.appendCalls, 2)
  })

  test('rejects a nonsensical initial length', () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      assert.throws(() => new LogWriter(new MemoryWritableFile(), bad), { code: 'LEVEL_INVALID_ARGUMENT' })
    }
  })

  test('size counts the initial length', () => {
    const dest = new MemoryWritableFile(new Uint8Array(100))
    const writer = new LogWriter(dest, 100)
    assert.equal(writer.size, 100)
    writer.addRecord(utf8('abc'))
    assert.equal(writer.size, 100 + HEADER_SIZE + 3)
    assert.equal(writer.size, dest.size)
  })

  test('a failed append makes the writer refuse further records', () => {
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    writer.addRecord(utf8('ok'))
    const failure = new Error('ENOSPC')
    dest.failNextAppend = failure
    assert.throws(() => writer.addRecord(utf8('lost')), (err: unknown) => err === failure)
    assert.equal(writer.size, HEADER_SIZE + 2)
    assert.throws(() => writer.addRecord(utf8('after')), (err: unknown) => {
      return (err as { code?: string }).code === 'LEVEL_IO_ERROR' && (err as Error).cause === failure
    })
    assert.equal(dest.size, HEADER_SIZE + 2)
  })

  test('large records round-trip through a one-off buffer', () => {
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    const big = new TestRandom(3).fill(new Uint8Array(3 * 1024 * 1024 + 17))
    writer.addRecord(utf8('small'))
    writer.addRecord(big)
    writer.addRecord(utf8('after'))
    const read = readAll(dest.contents())
    assert.equal(read.records.length, 3)
    assert.deepEqual(read.records[1], big)
    assert.equal(Buffer.from(read.records[2]!).toString(), 'after')
    assert.equal(dest.appendCalls, 3)
  })
})

describe('log reader', () => {
  test('rejects a nonsensical initial offset', () => {
    for (const bad of [-1, 0.5, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new LogReader(new MemorySequentialFile(new Uint8Array(0)), { initialOffset: bad }), { code: 'LEVEL_INVALID_ARGUMENT' })
    }
  })

  test('zeroed (preallocated) space after the records is skipped silently', () => {
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    writer.addRecord(utf8('one'))
    writer.addRecord(utf8('two'))
    const bytes = new Uint8Array(2 * BLOCK_SIZE + 500)
    bytes.set(dest.contents())
    const read = readAll(bytes)
    assert.deepEqual(read.records.map(r => Buffer.from(r).toString()), ['one', 'two'])
    assert.equal(read.reporter.reports.length, 0)
  })

  test('zeroed space inside a fragmented record is an error in the middle of the record', () => {
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    // FIRST fills block 0, MIDDLE fills block 1, a 10-byte LAST and "tail" share block 2.
    writer.addRecord(new Uint8Array(2 * (BLOCK_SIZE - HEADER_SIZE) + 10).fill(7))
    writer.addRecord(utf8('tail'))
    const bytes = dest.contents()
    bytes.fill(0, BLOCK_SIZE, 2 * BLOCK_SIZE) // the MIDDLE fragment reads as preallocated zeros
    const read = readAll(bytes)
    assert.deepEqual(read.records.map(r => Buffer.from(r).toString()), ['tail'])
    assert.equal(read.reporter.messages, 'error in middle of record; missing start of fragmented record')
    assert.equal(read.reporter.droppedBytes, (BLOCK_SIZE - HEADER_SIZE) + 10)
  })

  test('a checksum mismatch drops the rest of its block, even sound records after it', () => {
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    writer.addRecord(utf8('damaged'))
    writer.addRecord(utf8('same block'))
    writer.addRecord(new Uint8Array(BLOCK_SIZE - 2 * HEADER_SIZE - 7 - 10 - HEADER_SIZE).fill(5)) // fills block 0
    writer.addRecord(utf8('next block'))
    assert.equal(dest.size, BLOCK_SIZE + HEADER_SIZE + 10)
    const bytes = dest.contents()
    bytes[HEADER_SIZE + 2]! ^= 0x01 // a payload byte of "damaged"
    const read = readAll(bytes)
    assert.deepEqual(read.records.map(r => Buffer.from(r).toString()), ['next block'])
    assert.deepEqual(read.offsets, [BLOCK_SIZE])
    assert.equal(read.reporter.messages, 'checksum mismatch')
    assert.equal(read.reporter.droppedBytes, BLOCK_SIZE)
    assert.equal(read.reporter.reports[0]!.error.offset, 0)
  })

  test('with checksums off, a record whose CRC is wrong is returned', () => {
    const dest = new MemoryWritableFile()
    new LogWriter(dest).addRecord(utf8('foo'))
    const bytes = dest.contents()
    bytes[0]! ^= 0xff
    assert.deepEqual(readAll(bytes, { checksum: false }).records.map(r => Buffer.from(r).toString()), ['foo'])
    const checked = readAll(bytes)
    assert.equal(checked.records.length, 0)
    assert.equal(checked.reporter.messages, 'checksum mismatch')
  })

  test('an unknown type inside a fragmented record drops the fragment and the partial record', () => {
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    writer.addRecord(new Uint8Array(BLOCK_SIZE + 100).fill(7)) // FIRST of 32761 at 0, LAST of 107 at 32768
    writer.addRecord(utf8('tail'))
    const lastLength = BLOCK_SIZE + 100 - (BLOCK_SIZE - HEADER_SIZE)
    const bytes = dest.contents()
    bytes[BLOCK_SIZE + 6] = 9
    const fixed = recordChecksum(9, bytes, BLOCK_SIZE + HEADER_SIZE, BLOCK_SIZE + HEADER_SIZE + lastLength)
    bytes.set([fixed & 0xff, (fixed >>> 8) & 0xff, (fixed >>> 16) & 0xff, fixed >>> 24], BLOCK_SIZE)
    const read = readAll(bytes)
    assert.deepEqual(read.records.map(r => Buffer.from(r).toString()), ['tail'])
    assert.equal(read.reporter.messages, 'unknown record type 9')
    assert.equal(read.reporter.droppedBytes, lastLength + BLOCK_SIZE - HEADER_SIZE)
  })

  test('a file that returns short reads is read as whole blocks', () => {
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    const records: Uint8Array[] = []
    const rnd = new TestRandom(11)
    for (let i = 0; i < 40; i++) {
      const r = rnd.fill(new Uint8Array(rnd.skewed(15)))
      records.push(r)
      writer.addRecord(r)
    }
    const src = new MemorySequentialFile(dest.contents())
    src.maxChunk = 1000
    const reporter = new CollectingReporter()
    const reader = new LogReader(src, { reporter })
    const got: Uint8Array[] = []
    for (let r = reader.readRecord(); r !== null; r = reader.readRecord()) got.push(r.slice())
    assert.deepEqual(got, records)
    assert.equal(reporter.reports.length, 0)
  })

  test('a read error while skipping to the initial offset is reported and ends the log', () => {
    const bytes = new Uint8Array(3 * BLOCK_SIZE)
    const src = new MemorySequentialFile(bytes)
    src.skip = () => { throw new Error('EIO on skip') }
    const reporter = new CollectingReporter()
    const reader = new LogReader(src, { reporter, initialOffset: 2 * BLOCK_SIZE + 10, fileName: 'MANIFEST-000002' })
    assert.equal(reader.readRecord(), null)
    assert.equal(reporter.droppedBytes, 2 * BLOCK_SIZE)
    assert.equal(reporter.messages, 'EIO on skip')
    assert.equal(reporter.reports[0]!.error.code, 'LEVEL_IO_ERROR')
    assert.equal(reporter.reports[0]!.error.file, 'MANIFEST-000002')
    assert.equal(reader.readRecord(), null)
    assert.equal(src.reads, 0)
  })

  test('a read error in a later block keeps the records before it', () => {
    const dest = new MemoryWritableFile()
    const writer = new LogWriter(dest)
    writer.addRecord(utf8('one'))
    writer.addRecord(new Uint8Array(BLOCK_SIZE).fill(2))
    const src = new MemorySequentialFile(dest.contents())
    const reporter = new CollectingReporter()
    const reader = new LogReader(src, { reporter, fileName: '000007.log' })
    assert.equal(Buffer.from(reader.readRecord()!).toString(), 'one')
    src.failNextRead = 'EIO'
    assert.equal(reader.readRecord(), null)
    assert.equal(reporter.droppedBytes, BLOCK_SIZE)
    assert.equal(reporter.reports[0]!.error.offset, BLOCK_SIZE)
    assert.match(reporter.reports[0]!.error.message, /000007\.log/)
  })
})
