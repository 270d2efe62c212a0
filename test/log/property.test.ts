// Property tests: any sequence of records round-trips (also from any initial offset and after
// reopening for append); a torn tail loses exactly the records it cut; and under arbitrary damage
// the reader never throws or loops, and only ever returns records that were written, unaltered,
// in the order they were written.

import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { bytesEqual } from '../../src/util/coding.js'
import { ShaleError } from '../../src/util/errors.js'
import { BLOCK_SIZE, HEADER_SIZE } from '../../src/log/format.js'
import { LogReader } from '../../src/log/reader.js'
import { LogWriter } from '../../src/log/writer.js'
import { CollectingReporter, MemorySequentialFile, MemoryWritableFile, TestRandom } from './helpers.js'

// Lengths that exercise the interesting cases: empty, tiny, near one block's payload, and records
// spanning several blocks. Bytes come from a seeded generator: fast-check building 100 KB arrays
// byte by byte would dominate the run time.
const recordSpec = fc.record({
  length: fc.oneof(
    { arbitrary: fc.constant(0), weight: 1 },
    { arbitrary: fc.nat({ max: 40 }), weight: 4 },
    { arbitrary: fc.integer({ min: BLOCK_SIZE - 3 * HEADER_SIZE, max: BLOCK_SIZE + HEADER_SIZE }), weight: 2 },
    { arbitrary: fc.nat({ max: 3 * BLOCK_SIZE }), weight: 2 }
  ),
  seed: fc.nat()
})

interface WrittenLog {
  bytes: Uint8Array
  records: Uint8Array[]
  /** File offset where each record's first header starts. */
  starts: number[]
  /** File offset just past each record's last fragment. */
  ends: number[]
}

/** Writes `prefix` with one writer, then reopens for append and writes `rest` with another. */
function writeLog (prefix: Array<{ length: number, seed: number }>, rest: Array<{ length: number, seed: number }>): WrittenLog {
  const records: Uint8Array[] = []
  const starts: number[] = []
  const ends: number[] = []
  let dest = new MemoryWritableFile()
  let writer = new LogWriter(dest)
  const add = (spec: { length: number, seed: number }): void => {
    const record = new TestRandom(spec.seed).fill(new Uint8Array(spec.length))
    const before = writer.size
    const left = BLOCK_SIZE - (before % BLOCK_SIZE)
    starts.push(left < HEADER_SIZE ? before + left : before)
    const appendsBefore = dest.appendCalls
    writer.addRecord(record)
    assert.equal(dest.appendCalls, appendsBefore + 1)
    records.push(record)
    ends.push(writer.size)
  }
  prefix.forEach(add)
  dest = new MemoryWritableFile(dest.contents())
  writer = new LogWriter(dest, dest.size)
  rest.forEach(add)
  assert.equal(writer.size, dest.size)
  return { bytes: dest.contents(), records, starts, ends }
}

interface ReadResult {
  records: Uint8Array[]
  offsets: number[]
  reporter: CollectingReporter
}

function readLog (bytes: Uint8Array, initialOffset = 0): ReadResult {
  const reporter = new CollectingReporter()
  const reader = new LogReader(new MemorySequentialFile(bytes), { reporter, initialOffset })
  const records: Uint8Array[] = []
  const offsets: number[] = []
  // Every record returned consumed at least one header, so more calls than this means a loop.
  const maxCalls = Math.floor(bytes.length / HEADER_SIZE) + 2
  for (let calls = 0; ; calls++) {
    assert.ok(calls <= maxCalls, 'reader keeps returning records beyond what the file can hold')
    const record = reader.readRecord()
    if (record === null) break
    records.push(record.slice())
    offsets.push(reader.lastRecordOffset)
  }
  assert.equal(reader.readRecord(), null, 'end of log is sticky')
  return { records, offsets, reporter }
}

describe('log properties', () => {
  test('any sequence of records round-trips, from any initial offset', () => {
    fc.assert(fc.property(
      fc.array(recordSpec, { maxLength: 4 }),
      fc.array(recordSpec, { maxLength: 8 }),
      fc.double({ min: 0, max: 1.05, noNaN: true }),
      (prefix, rest, offsetFraction) => {
        const log = writeLog(prefix, rest)
        const all = readLog(log.bytes)
        assert.equal(all.records.length, log.records.length)
        log.records.forEach((r, i) => assert.ok(bytesEqual(all.records[i]!, r), `record ${i} differs`))
        assert.deepEqual(all.offsets, log.starts)
        assert.equal(all.reporter.reports.length, 0)

        // From an initial offset: exactly the records that start at or after it, silently.
        const initialOffset = Math.floor(log.bytes.length * offsetFraction)
        const tail = readLog(log.bytes, initialOffset)
        const expected = log.starts.map((s, i) => [s, i] as const).filter(([s]) => s >= initialOffset)
        assert.deepEqual(tail.offsets, expected.map(([s]) => s))
        expected.forEach(([, i], k) => assert.ok(bytesEqual(tail.records[k]!, log.records[i]!)))
        assert.equal(tail.reporter.reports.length, 0)
      }
    ), { seed: 42, numRuns: 300 })
  })

  test('a torn tail loses exactly the records it cut, silently', () => {
    fc.assert(fc.property(
      fc.array(recordSpec, { minLength: 1, maxLength: 10 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (specs, cutFraction) => {
        const log = writeLog([], specs)
        const cut = Math.floor(log.bytes.length * cutFraction)
        const read = readLog(log.bytes.subarray(0, cut))
        const survivors = log.ends.filter(end => end <= cut).length
        assert.equal(read.records.length, survivors)
        for (let i = 0; i < survivors; i++) assert.ok(bytesEqual(read.records[i]!, log.records[i]!))
        assert.deepEqual(read.offsets, log.starts.slice(0, survivors))
        assert.equal(read.reporter.reports.length, 0, read.reporter.messages)
      }
    ), { seed: 42, numRuns: 300 })
  })

  test('damaged logs never yield a damaged, reordered or invented record', () => {
    // Damage is placed anywhere (positions as fractions of the file); a torn tail comes on top
    // in some runs. Measured with fc.statistics over these arbitraries: about three runs in four
    // return some records and three in five report some loss.
    const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })
    const damage = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at, xor: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('zero' as const), at, length: fc.integer({ min: 1, max: 200 }) })
    )
    fc.assert(fc.property(
      fc.array(recordSpec, { minLength: 3, maxLength: 12 }),
      fc.array(damage, { maxLength: 4 }),
      fc.option(fc.nat({ max: 2 * BLOCK_SIZE }), { freq: 2 }),
      fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.double({ min: 0, max: 1, noNaN: true }), weight: 1 }),
      (specs, damages, cutFromEnd, offsetFraction) => {
        const log = writeLog([], specs)
        let bytes = log.bytes.slice()
        for (const d of damages) {
          const p = Math.floor(d.at * bytes.length)
          if (d.kind === 'flip') bytes[p] = bytes[p]! ^ d.xor
          else bytes.fill(0, p, p + d.length)
        }
        if (cutFromEnd !== null) bytes = bytes.subarray(0, Math.max(0, bytes.length - cutFromEnd))
        const initialOffset = Math.floor(bytes.length * offsetFraction)

        const read = readLog(bytes, initialOffset)
        // Each record returned must be a written record, byte for byte, at the offset it was
        // written at, and later in the file than the previous one returned.
        let previous = -1
        read.records.forEach((record, k) => {
          const offset = read.offsets[k]!
          assert.ok(offset >= initialOffset, 'record from before the initial offset')
          const i = log.starts.indexOf(offset)
          assert.ok(i > previous, `record at ${offset} is not a written record in order`)
          assert.ok(bytesEqual(record, log.records[i]!), `record at ${offset} returned damaged`)
          previous = i
        })
        for (const r of read.reporter.reports) {
          assert.ok(Number.isInteger(r.bytes) && r.bytes >= 0, `bad byte count ${r.bytes}`)
          assert.ok(r.error instanceof ShaleError && r.error.code === 'LEVEL_CORRUPTION')
        }
        // No byte is counted as lost twice.
        assert.ok(read.reporter.droppedBytes <= bytes.length)
      }
    ), { seed: 42, numRuns: 1000 })
  })
})
