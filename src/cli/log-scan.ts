// Reads a whole log file (a write-ahead log or a MANIFEST) the way recovery would, and accounts for
// every byte a reader does not return: the damage the log reader reports, regions it skips without
// a word (zeroed space), and the tail it treats as a torn write. The reader itself says nothing
// about the last two, so they are found here from where each record must end: a log writer's
// fragmentation is determined by a record's start offset and length alone.

import { baseName, type Env } from '../env/env.js'
import { parseFileName } from '../dbformat/filename.js'
import { LogReader } from '../log/reader.js'
import { VersionEdit } from '../version/version-edit.js'
import { BLOCK_SIZE, HEADER_SIZE } from '../log/format.js'
import { ShaleError } from '../util/errors.js'
import { WriteBatch } from '../dbformat/write-batch.js'

interface LogDrop {
  /** File offset where the lost bytes start, when known. */
  offset: number | undefined
  bytes: number
  reason: string
  /** False for what a reader skips silently (a torn tail, zeroed space); true for reported damage. */
  reported: boolean
}

export interface LogScan {
  path: string
  fileSize: number
  records: number
  drops: LogDrop[]
}

/** The file offset just past a record of `length` bytes whose first fragment starts at `start`. */
export function recordEnd (start: number, length: number): number {
  let pos = start
  let left = length
  do {
    let leftover = BLOCK_SIZE - (pos % BLOCK_SIZE)
    if (leftover < HEADER_SIZE) {
      pos += leftover // the writer's zero padding at a block's end
      leftover = BLOCK_SIZE
    }
    const fragment = Math.min(left, leftover - HEADER_SIZE)
    pos += HEADER_SIZE + fragment
    left -= fragment
  } while (left > 0)
  return pos
}

/**
 * Reads every record of the log at `path`, calling `onRecord` with each payload (a view valid only
 * during the call) and its file offset, and returns what was dropped and why.
 */
export function scanLog (env: Env, path: string, onRecord: (payload: Uint8Array, offset: number) => void): LogScan {
  const fileSize = env.getFileSize(path)
  const drops: LogDrop[] = []
  const file = env.newSequentialFile(path)
  let records = 0
  /** Where the bytes accounted for so far end. */
  let accounted = 0
  let reportedSinceLast = false
  try {
    const reader = new LogReader(file, {
      fileName: path,
      reporter: {
        corruption: (bytes, reason, error) => {
          const offset = error instanceof ShaleError ? error.offset : undefined
          drops.push({ offset, bytes, reason, reported: true })
          if (offset !== undefined) accounted = Math.max(accounted, offset + bytes)
          reportedSinceLast = true
        }
      }
    })
    for (let r = reader.readRecord(); r !== null; r = reader.readRecord()) {
      const start = reader.lastRecordOffset
      const gap = start - accounted
      const padding = accounted % BLOCK_SIZE === 0 ? 0 : BLOCK_SIZE - (accounted % BLOCK_SIZE)
      if (gap > 0 && !reportedSinceLast && !(padding < HEADER_SIZE && gap === padding)) {
        drops.push({ offset: accounted, bytes: gap, reason: 'zeroed space between records', reported: false })
      }
      onRecord(r, start)
      records++
      accounted = Math.max(accounted, recordEnd(start, r.length))
      reportedSinceLast = false
    }
  } finally {
    file.close()
  }
  if (accounted < fileSize) {
    const tail = fileSize - accounted
    const zeros = allZero(env, path, accounted, tail)
    drops.push({
      offset: accounted,
      bytes: tail,
      reason: zeros ? 'zeroed space at the end (preallocated)' : 'an incomplete record at the end (a torn write: the normal end of a log after a crash)',
      reported: false
    })
  }
  return { path, fileSize, records, drops }
}

/** Whether `length` bytes at `offset` are all zero, reading at most 1 MiB at a time. */
function allZero (env: Env, path: string, offset: number, length: number): boolean {
  const file = env.newRandomAccessFile(path)
  try {
    const CHUNK = 1 << 20
    for (let pos = offset; pos < offset + length; pos += CHUNK) {
      const data = file.read(pos, Math.min(CHUNK, offset + length - pos))
      for (let i = 0; i < data.length; i++) if (data[i] !== 0) return false
      if (data.length === 0) break
    }
    return true
  } finally {
    file.close()
  }
}

export interface LogSummary {
  name: string
  bytes: number
  batches: number
  writes: number
  firstSequence: number | undefined
  lastSequence: number | undefined
  damage: string[]
}

/** What a live log holds: batches, writes and their sequence range. */
export function summarizeLog (env: Env, path: string): LogSummary {
  const summary: LogSummary = {
    name: baseName(path), bytes: 0, batches: 0, writes: 0, firstSequence: undefined, lastSequence: undefined, damage: []
  }
  const scan = scanLog(env, path, (payload, offset) => {
    try {
      const batch = WriteBatch.fromContents(payload)
      let count = 0
      batch.iterate({ put: () => { count++ }, del: () => { count++ } })
      summary.batches++
      summary.writes += count
      summary.firstSequence ??= batch.sequence
      if (count > 0) summary.lastSequence = batch.sequence + count - 1
    } catch (err) {
      summary.damage.push(`record at offset ${offset}: ${err instanceof Error ? err.message : String(err)}`)
    }
  })
  summary.bytes = scan.fileSize
  for (const d of scan.drops) if (d.reported) summary.damage.push(`${d.bytes} bytes at offset ${d.offset ?? '?'}: ${d.reason}`)
  return summary
}


/** Whether a log record is a whole, well-formed write batch (the header alone proves little). */
function isWriteBatch (payload: Uint8Array): boolean {
  try {
    const batch = WriteBatch.fromContents(payload)
    let count = 0
    batch.iterate({ put: () => { count++ }, del: () => { count++ } })
    return count === batch.count
  } catch {
    return false
  }
}

function isVersionEdit (payload: Uint8Array): boolean {
  try {
    VersionEdit.decode(payload)
    return true
  } catch {
    return false
  }
}

/** Records read to tell a MANIFEST from a write-ahead log by content. */
const SNIFF_RECORDS = 16

/**
 * What kind of file `path` is: by its name when the name is a LevelDB one, else by its first
 * records — a MANIFEST's decode as VersionEdits, a log's as write batches. Undefined when neither
 * tells (no readable record, or records that decode as both or neither), or the file cannot be read.
 */
export function fileKindOf (env: Env, path: string): 'manifest' | 'log' | 'table' | undefined {
  const type = parseFileName(baseName(path))?.type
  if (type === 'manifest' || type === 'log' || type === 'table') return type
  let edits = 0
  let batches = 0
  let records = 0
  try {
    const file = env.newSequentialFile(path)
    try {
      const reader = new LogReader(file, { fileName: path })
      for (let r = reader.readRecord(); r !== null && records < SNIFF_RECORDS; r = reader.readRecord()) {
        records++
        if (isVersionEdit(r)) edits++
        if (isWriteBatch(r)) batches++
      }
    } finally {
      file.close()
    }
  } catch {
    return undefined
  }
  if (records === 0) return undefined
  if (edits === records && batches < records) return 'manifest'
  if (batches === records && edits < records) return 'log'
  return undefined
}
