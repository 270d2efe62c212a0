// Shale's format layers assembled by hand for the interop tests: decode a LevelDB directory piece by
// piece, or build one from Shale's encoders. No engine is involved: these tests prove the formats.

import { NodeEnv } from '../../src/env/node-env.js'
import { joinPath } from '../../src/env/env.js'
import { LogReader } from '../../src/log/reader.js'
import { LogWriter } from '../../src/log/writer.js'
import { Table } from '../../src/table/table.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { BloomFilterPolicy } from '../../src/table/bloom.js'
import {
  InternalFilterPolicy, InternalKeyComparator, parseInternalKey, ValueType
} from '../../src/dbformat/internal-key.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { VersionEdit, NUM_LEVELS, type FileMetaData } from '../../src/version/version-edit.js'
import { fromUtf8 } from '../../src/util/coding.js'
import { setCurrentFile } from '../../src/dbformat/filename.js'

export const env = new NodeEnv()
export const icmp = new InternalKeyComparator()
export const filterPolicy = new InternalFilterPolicy(new BloomFilterPolicy(10))

export function tableName (dir: string, n: number, ext = 'ldb'): string {
  return joinPath(dir, `${String(n).padStart(6, '0')}.${ext}`)
}

export function logName (dir: string, n: number): string {
  return joinPath(dir, `${String(n).padStart(6, '0')}.log`)
}

export function manifestName (n: number): string {
  return `MANIFEST-${String(n).padStart(6, '0')}`
}

/** Reads every record of a log file, failing on any reported corruption. */
export function readLogRecords (path: string): Uint8Array[] {
  const reasons: string[] = []
  const reader = new LogReader(env.newSequentialFile(path), {
    fileName: path,
    reporter: { corruption: (bytes, reason) => { reasons.push(`${bytes} bytes: ${reason}`) } }
  })
  const out: Uint8Array[] = []
  for (let r = reader.readRecord(); r !== null; r = reader.readRecord()) out.push(r.slice())
  if (reasons.length > 0) throw new Error(`log ${path} reported corruption: ${reasons.join('; ')}`)
  return out
}

export interface LiveFile extends FileMetaData { level: number }

export interface ManifestState {
  comparator: string | undefined
  logNumber: number
  prevLogNumber: number
  nextFileNumber: number
  lastSequence: number
  files: Map<number, LiveFile>
  edits: VersionEdit[]
}

/** Replays the MANIFEST named by CURRENT: the live files per level and the counters. */
export function readManifest (dir: string): ManifestState {
  const current = fromUtf8(env.readFile(joinPath(dir, 'CURRENT')))
  if (!current.endsWith('\n')) throw new Error('CURRENT does not end with a newline')
  const edits = readLogRecords(joinPath(dir, current.slice(0, -1))).map((r) => VersionEdit.decode(r))
  const state: ManifestState = {
    comparator: undefined, logNumber: -1, prevLogNumber: 0, nextFileNumber: -1, lastSequence: -1, files: new Map(), edits
  }
  for (const e of edits) {
    if (e.comparatorName !== undefined) state.comparator = e.comparatorName
    if (e.logNumber !== undefined) state.logNumber = e.logNumber
    if (e.prevLogNumber !== undefined) state.prevLogNumber = e.prevLogNumber
    if (e.nextFileNumber !== undefined) state.nextFileNumber = e.nextFileNumber
    if (e.lastSequence !== undefined) state.lastSequence = e.lastSequence
    for (const d of e.deletedFiles) {
      const f = state.files.get(d.number)
      if (f === undefined || f.level !== d.level) throw new Error(`edit deletes #${d.number} at L${d.level}, which is not there`)
      state.files.delete(d.number)
    }
    for (const n of e.newFiles) state.files.set(n.file.number, { ...n.file, level: n.level })
  }
  return state
}

export function openTable (dir: string, f: FileMetaData, withFilter = true): Table {
  const path = tableName(dir, f.number)
  return Table.open(env.newRandomAccessFile(path), f.fileSize, {
    comparator: icmp, filterPolicy: withFilter ? filterPolicy : undefined, fileName: path, verifyChecksums: true
  })
}

/** One internal entry: user key, sequence, type and value. */
export interface Entry { userKey: Uint8Array, sequence: number, type: ValueType, value: Uint8Array }

export function batchEntries (record: Uint8Array): Entry[] {
  const batch = WriteBatch.fromContents(record)
  let seq = batch.sequence
  const out: Entry[] = []
  batch.iterate({
    put: (k, v) => { out.push({ userKey: k.slice(), sequence: seq++, type: ValueType.Value, value: v.slice() }) },
    del: (k) => { out.push({ userKey: k.slice(), sequence: seq++, type: ValueType.Deletion, value: new Uint8Array(0) }) }
  })
  return out
}

export function tableEntries (table: Table): Entry[] {
  const it = table.newIterator()
  const out: Entry[] = []
  for (it.seekToFirst(); it.valid(); it.next()) {
    const p = parseInternalKey(it.key())
    out.push({ userKey: p.userKey.slice(), sequence: p.sequence, type: p.type, value: it.value().slice() })
  }
  it.checkError()
  it.close()
  return out
}

/** Writes a table of internal entries (already sorted by the internal-key order). */
export function writeTable (path: string, entries: Array<[Uint8Array, Uint8Array]>, compression: 'snappy' | 'none', withFilter: boolean): number {
  const file = env.newWritableFile(path)
  const builder = new TableBuilder(file, {
    comparator: icmp, compression, filterPolicy: withFilter ? filterPolicy : undefined
  })
  for (const [k, v] of entries) builder.add(k, v)
  const size = builder.finish()
  file.sync()
  file.close()
  return size
}

/** Writes a MANIFEST holding `edits`, and points CURRENT at it. */
export function writeManifest (dir: string, number: number, edits: VersionEdit[]): void {
  const file = env.newWritableFile(joinPath(dir, manifestName(number)))
  const writer = new LogWriter(file)
  for (const e of edits) writer.addRecord(e.encode())
  file.sync()
  file.close()
  setCurrentFile(env, dir, number)
}

/** Writes a write-ahead log of batches. */
export function writeLog (path: string, batches: WriteBatch[]): void {
  const file = env.newWritableFile(path)
  const writer = new LogWriter(file)
  for (const b of batches) writer.addRecord(b.contents())
  file.sync()
  file.close()
}

export { NUM_LEVELS }
