// SalvagingLogFile: a damaged record whose length leads to a sound record is dropped on its own,
// so the intact records after it in the same block are read; without it the log reader drops the
// rest of the block. Nothing damaged becomes data.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HEADER_SIZE } from '../../src/log/format.js'
import { LogReader } from '../../src/log/reader.js'
import { SalvagingLogFile, SKIPPED_RECORD_TYPE } from '../../src/log/salvage.js'
import { LogWriter } from '../../src/log/writer.js'
import { CollectingReporter, MemorySequentialFile, MemoryWritableFile } from './helpers.js'

const RECORDS = ['first record', 'second record, to be damaged', 'third record']

/** Three records in one block, with one payload byte of the second changed. */
function damagedLog (): { bytes: Uint8Array, secondOffset: number } {
  const dest = new MemoryWritableFile()
  const writer = new LogWriter(dest)
  writer.addRecord(new TextEncoder().encode(RECORDS[0]))
  const secondOffset = dest.size
  for (const r of RECORDS.slice(1)) writer.addRecord(new TextEncoder().encode(r))
  const bytes = dest.contents()
  bytes[secondOffset + HEADER_SIZE + 3]! ^= 0x40
  return { bytes, secondOffset }
}

function readAll (reader: LogReader): string[] {
  const out: string[] = []
  for (let r = reader.readRecord(); r !== null; r = reader.readRecord()) out.push(new TextDecoder().decode(r))
  return out
}

describe('SalvagingLogFile', () => {
  test('keeps the intact records after a damaged one in the same block', () => {
    const { bytes, secondOffset } = damagedLog()
    const skipped: number[] = []
    const reporter = new CollectingReporter()
    const file = new SalvagingLogFile(new MemorySequentialFile(bytes), { skipped: (o) => skipped.push(o), readFailed: () => {} })
    assert.deepEqual(readAll(new LogReader(file, { reporter })), [RECORDS[0], RECORDS[2]])
    assert.deepEqual(skipped, [secondOffset])
    assert.equal(reporter.reports.length, 1)
    assert.equal(reporter.messages, `unknown record type ${SKIPPED_RECORD_TYPE}`)
  })

  test('without it, the reader drops the rest of the block', () => {
    const { bytes } = damagedLog()
    const reporter = new CollectingReporter()
    assert.deepEqual(readAll(new LogReader(new MemorySequentialFile(bytes), { reporter })), [RECORDS[0]])
    assert.match(reporter.messages, /checksum mismatch/)
  })

  test('a damaged length that leads nowhere sound is left to the reader', () => {
    const { bytes, secondOffset } = damagedLog()
    bytes[secondOffset + 4] = 0xff // the length's low byte: now it points past any record start
    const skipped: number[] = []
    const file = new SalvagingLogFile(new MemorySequentialFile(bytes), { skipped: (o) => skipped.push(o), readFailed: () => {} })
    const read = readAll(new LogReader(file, { reporter: new CollectingReporter() }))
    assert.deepEqual(skipped, [])
    assert.deepEqual(read, [RECORDS[0]])
  })

  test('a failed read is reported and rethrown', () => {
    const src = new MemorySequentialFile(damagedLog().bytes)
    src.failNextRead = 'EIO'
    const failures: unknown[] = []
    const file = new SalvagingLogFile(src, { skipped: () => {}, readFailed: (err) => failures.push(err) })
    assert.throws(() => file.read(10), /EIO/)
    assert.equal(failures.length, 1)
  })
})
