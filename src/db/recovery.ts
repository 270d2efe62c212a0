// Replaying write-ahead logs at open (doc/engine.md, "Opening"): every batch of every log
// newer than the MANIFEST goes into a memtable, which is flushed to a level-0 table whenever it
// fills and at the end of each log. A torn tail is the normal trace of a crash and is dropped
// silently by the log reader; real damage is skipped and reported, or fails the open when
// paranoidChecks is on. A read-only open writes no table: it gives one memtable that takes every
// log and is never flushed.

import type { Env, SequentialFile } from '../env/env.js'
import { LogReader } from '../log/reader.js'
import { logFileName } from '../dbformat/filename.js'
import { WriteBatch, WRITE_BATCH_HEADER_SIZE } from '../dbformat/write-batch.js'
import type { MemTable } from '../memtable/memtable.js'
import { corruption, isCorruption, withFile } from '../util/errors.js'

interface LogRecoveryCommon {
  env: Env
  location: string
  /** Log numbers to replay, ascending. */
  logs: number[]
  paranoidChecks: boolean
  writeBufferSize: number
  newMemTable: () => MemTable
  markFileNumberUsed: (n: number) => void
  /** Opens a log for reading; default env.newSequentialFile (repair reads through a salvaging file). */
  openLog?: (path: string) => SequentialFile
  /** Told about every piece of a log that was dropped (for the info log and tests). */
  onDropped?: (file: string, bytes: number, reason: string) => void
  /** Told when a log has been replayed: its records and the largest sequence in it (0 if none). */
  onReplayed?: (file: string, records: number, lastSequence: number) => void
}

type LogRecoveryOptions = LogRecoveryCommon & (
  /** Writes a memtable to a level-0 table and records it in the open's VersionEdit. */
  | { flush: (mem: MemTable) => void | Promise<void>, into?: undefined }
  /** A read-only open's memtable: every log goes into it, whatever its size, and nothing is flushed. */
  | { into: MemTable, flush?: undefined }
)

/** Replays the logs; returns the largest sequence number seen (0 if none). */
export async function recoverLogs (o: LogRecoveryOptions): Promise<number> {
  let maxSequence = 0
  for (const number of o.logs) {
    o.markFileNumberUsed(number)
    const path = logFileName(o.location, number)
    const file = o.openLog === undefined ? o.env.newSequentialFile(path) : o.openLog(path)
    const reader = new LogReader(file, {
      fileName: path,
      reporter: {
        corruption: (bytes, reason, error) => {
          // A failed read is not damage: dropping the rest of the log would lose acknowledged
          // writes (and the log is deleted once its memtable is flushed). Fail the open instead.
          if (o.paranoidChecks || error.code !== 'LEVEL_CORRUPTION') throw error
          o.onDropped?.(path, bytes, reason)
        }
      }
    })
    const flush = o.flush
    let mem = o.into ?? o.newMemTable()
    let records = 0
    let logLast = 0
    try {
      for (let record = reader.readRecord(); record !== null; record = reader.readRecord()) {
        if (record.length < WRITE_BATCH_HEADER_SIZE) {
          const err = corruption('log record too small', { file: path, offset: reader.lastRecordOffset })
          if (o.paranoidChecks) throw err
          o.onDropped?.(path, record.length, 'log record too small')
          continue
        }
        try {
          const batch = WriteBatch.fromContents(record)
          // A sequence no real log reaches is damage, not an argument error that fails the open.
          if (batch.sequence + batch.count > 2 ** 52) throw corruption('sequence number out of range')
          mem.addBatch(batch)
          records++
          const last = batch.sequence + batch.count - 1
          if (last > logLast) logLast = last
          if (last > maxSequence) maxSequence = last
        } catch (err) {
          if (o.paranoidChecks || !isCorruption(err)) throw withFile(err, path, reader.lastRecordOffset)
          o.onDropped?.(path, record.length, (err as Error).message)
        }
        if (flush !== undefined && mem.approximateMemoryUsage() > o.writeBufferSize) {
          await flush(mem)
          mem = o.newMemTable()
        }
      }
    } finally {
      file.close()
    }
    if (flush !== undefined && mem.size > 0) await flush(mem)
    o.onReplayed?.(path, records, logLast)
  }
  return maxSequence
}
