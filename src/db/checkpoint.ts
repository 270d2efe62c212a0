// Checkpoints: an openable copy of a live database at one sequence number (doc/backup.md).
//
// The state of a database at sequence S is a Version (its tables) plus the memtable entries at or
// below S that no table holds yet. DB[PIN_STATE]() captures both at one synchronous point: it refs
// the current Version, so none of its tables can be deleted while they are copied, and encodes the
// memtable entries up to S as WriteBatches. From that, buildDatabaseDir writes a directory that
// LevelDB or Shale opens as exactly that state: the tables (hard links or copies), a fresh log
// holding the batches, a fresh MANIFEST describing the Version with that log and S, and CURRENT
// last. Nothing in the directory names a MANIFEST until every other file and entry is durable, so
// a crash part-way leaves a directory without CURRENT, which no open mistakes for a database.

import { type Env, dirName, isNotFound, joinPath, linkOrCopyFile, writeFileSynced } from '../env/env.js'
import { utf8 } from '../util/coding.js'
import { currentFileName, setCurrentFile, logFileName, manifestFileName, sstTableFileName, tableFileName } from '../dbformat/filename.js'
import { parseInternalKey, ValueType } from '../dbformat/internal-key.js'
import { WriteBatch } from '../dbformat/write-batch.js'
import type { MemTable } from '../memtable/memtable.js'
import { LogWriter } from '../log/writer.js'
import { NUM_LEVELS, VersionEdit, type FileMetaData } from '../version/version-edit.js'
import { invalidArgument } from '../util/errors.js'
import { nextMacrotask } from '../util/macrotask.js'

/**
 * The method by which a database built over the engine (ShaleLevel) hands its open engine to the
 * layers that copy it (backup): waits while it opens, fails with LEVEL_DATABASE_NOT_OPEN when it is
 * closed. A symbol, so that those layers need not import the one above them.
 */
export const ENGINE_OF: unique symbol = Symbol.for('shale.engineOf')

/**
 * The key of DB's method that pins the state a checkpoint or backup copies (see pinState below).
 * A symbol, so that this internal stays off the engine's public surface.
 */
export const PIN_STATE: unique symbol = Symbol('shale.pinState')

/** The placeholder CURRENT of a directory being built: no LevelDB reads it as a MANIFEST name. */
const IN_PROGRESS = 'checkpoint-in-progress\n'
/** A WriteBatch of the pinned memtable entries grows to about this many bytes before the next starts. */
const BATCH_BYTES = 1 << 20
/** Files linked or copied between two turns of the event loop. */
const FILES_PER_TURN = 8

/** What a checkpoint or backup copies: one consistent state of a database, pinned until release(). */
export interface PinnedState {
  readonly env: Env
  readonly location: string
  readonly comparatorName: string
  /** The state holds every write up to this sequence and nothing later. */
  readonly sequence: number
  /** The pinned Version's tables, by level. */
  readonly files: ReadonlyArray<readonly FileMetaData[]>
  readonly compactPointers: ReadonlyArray<Uint8Array | undefined>
  /** Every file number in the source is below this. */
  readonly nextFileNumber: number
  /** The memtable entries up to `sequence` that no pinned table holds, as WriteBatch contents in sequence order. */
  readonly batches: readonly Uint8Array[]
  /** Unpins the Version: its tables may be deleted once nothing else reads them. */
  release (): void
}

interface PinSource {
  env: Env
  location: string
  comparatorName: string
  sequence: number
  files: ReadonlyArray<readonly FileMetaData[]>
  compactPointers: ReadonlyArray<Uint8Array | undefined>
  nextFileNumber: number
  /** Oldest first: the memtables whose entries are not in the pinned Version. */
  memtables: readonly MemTable[]
  release: () => void
}

/**
 * Completes a pin from the engine's objects. Synchronous, and called in the same synchronous step
 * that refs the Version: the memtables are read before any later write can reach them, and the
 * entries above `sequence` (none, as the write path publishes a sequence with its insert) are
 * dropped anyway.
 */
export function pinState (source: PinSource): PinnedState {
  let released = false
  return {
    env: source.env,
    location: source.location,
    comparatorName: source.comparatorName,
    sequence: source.sequence,
    files: source.files.map((level) => level.slice()),
    compactPointers: source.compactPointers.slice(),
    nextFileNumber: source.nextFileNumber,
    batches: memtableBatches(source.memtables, source.sequence),
    release: () => {
      if (released) return
      released = true
      source.release()
    }
  }
}

interface PendingEntry { sequence: number, type: ValueType, key: Uint8Array, value: Uint8Array }

/**
 * The memtables' entries up to `sequence`, re-encoded as batches. A memtable holds every version of
 * a key that was written since its log began, each under its own sequence, so replaying them in
 * sequence order rebuilds it exactly. A batch covers a run of consecutive sequences (a batch's
 * entries take its sequence, then the next ones), so one starts wherever a sequence is skipped.
 */
function memtableBatches (memtables: readonly MemTable[], sequence: number): Uint8Array[] {
  const entries: PendingEntry[] = []
  for (const mem of memtables) {
    const it = mem.newIterator()
    try {
      for (it.seekToFirst(); it.valid(); it.next()) {
        const parsed = parseInternalKey(it.key())
        if (parsed.sequence > sequence) continue
        entries.push({ sequence: parsed.sequence, type: parsed.type, key: parsed.userKey.slice(), value: it.value().slice() })
      }
    } finally {
      it.close()
    }
  }
  entries.sort((a, b) => a.sequence - b.sequence)
  const out: Uint8Array[] = []
  let batch: WriteBatch | undefined
  let next = -1
  for (const e of entries) {
    if (batch !== undefined && (e.sequence !== next || batch.byteSize >= BATCH_BYTES)) {
      out.push(batch.contents().slice())
      batch = undefined
    }
    if (batch === undefined) {
      batch = new WriteBatch()
      batch.sequence = e.sequence
    }
    if (e.type === ValueType.Value) batch.put(e.key, e.value)
    else batch.del(e.key)
    next = e.sequence + 1
  }
  if (batch !== undefined) out.push(batch.contents().slice())
  return out
}

/** The MANIFEST record that describes a pinned state whose memtable entries are in log `logNumber`. */
export function describeState (state: PinnedState, logNumber: number): VersionEdit {
  const edit = new VersionEdit()
  edit.comparatorName = state.comparatorName
  edit.logNumber = logNumber
  edit.prevLogNumber = 0
  edit.nextFileNumber = logNumber + 2
  edit.lastSequence = state.sequence
  for (let level = 0; level < NUM_LEVELS; level++) {
    const key = state.compactPointers[level]
    if (key !== undefined) edit.setCompactPointer(level, key)
  }
  for (let level = 0; level < NUM_LEVELS; level++) {
    for (const f of state.files[level] ?? []) edit.addFile(level, f)
  }
  return edit
}

/** The path of table `number` in `dir`: LevelDB 1.20's `.ldb`, or the older `.sst` if only that exists. */
export function tablePath (env: Env, dir: string, number: number): string {
  const ldb = tableFileName(dir, number)
  if (env.fileExists(ldb)) return ldb
  const sst = sstTableFileName(dir, number)
  return env.fileExists(sst) ? sst : ldb
}

/** Fails unless `dir` is missing or an empty directory: a checkpoint never mixes with other files. */
export function checkTargetEmpty (env: Env, dir: string): void {
  let children: string[]
  try {
    children = env.getChildren(dir)
  } catch (err) {
    if (isNotFound(err)) return
    throw invalidArgument(`${dir} cannot be a target: ${(err as Error).message}`, { cause: err })
  }
  if (children.length > 0) throw invalidArgument(`${dir} is not empty: a checkpoint or restore needs a new or empty directory`)
}

/** One table of the directory to build: where its bytes come from, and its name there. */
export interface TableSource {
  /** The file to link or copy (in any Env directory). */
  from: string
  /** The file name in the target directory. */
  name: string
  /** Called on the copied bytes' path before the directory can name it (restore verifies here). */
  check?: (path: string) => void
}

interface BuildOptions {
  /** Hard-link tables where possible (checkpoint); false copies them (restore). */
  link: boolean
  onProgress?: (done: number, total: number) => void
}

export interface BuildResult {
  /** Bytes written: copied tables, the log, the MANIFEST and CURRENT. Linked tables count 0. */
  bytesWritten: number
  tablesLinked: number
  tablesCopied: number
}

/**
 * Starts a database directory at `target` (missing or empty, else LEVEL_INVALID_ARGUMENT): creates
 * it, durably, with a placeholder CURRENT that names no MANIFEST. Until the real CURRENT replaces
 * it (setCurrentFile, after every other file is synced and the directory synced), every open
 * fails, even one that would create a database: without it, a crash after a log was written would
 * leave a directory whose open (with createIfMissing) replays that log alone into a new database.
 */
export async function beginDatabaseDir (env: Env, target: string): Promise<void> {
  checkTargetEmpty(env, target)
  env.createDir(target)
  // The target's own entry must survive power loss for anything inside it to.
  env.syncDir(dirName(target))
  if (env.prepareFiles !== undefined) await env.prepareFiles([currentFileName(target)])
  writeFileSynced(env, currentFileName(target), utf8(IN_PROGRESS))
  env.syncDir(target)
}

/**
 * Writes an openable database directory at `target` (missing or empty): `tables`, a log numbered
 * `logNumber` holding `records` (WriteBatch contents), MANIFEST-<logNumber + 1> holding `edit`, then
 * CURRENT. A placeholder CURRENT that names no MANIFEST comes first; every file is synced and the
 * directory synced before the real CURRENT replaces it (temp file, sync, rename, directory sync),
 * so the directory opens only when it is complete.
 */
export async function buildDatabaseDir (env: Env, target: string, tables: readonly TableSource[], records: readonly Uint8Array[],
  edit: VersionEdit, options: BuildOptions): Promise<BuildResult> {
  const logNumber = edit.logNumber!
  const manifestNumber = logNumber + 1
  const result: BuildResult = { bytesWritten: 0, tablesLinked: 0, tablesCopied: 0 }
  await beginDatabaseDir(env, target)

  const total = tables.length
  for (let i = 0; i < total; i++) {
    const t = tables[i]!
    const to = joinPath(target, t.name)
    if (options.link) {
      const written = linkOrCopyFile(env, t.from, to)
      if (written === 0) result.tablesLinked++
      else result.tablesCopied++
      result.bytesWritten += written
    } else {
      const data = env.readFile(t.from)
      const file = env.newWritableFile(to)
      try {
        file.append(data)
        await file.syncAsync()
      } finally {
        file.close()
      }
      result.tablesCopied++
      result.bytesWritten += data.length
    }
    t.check?.(to)
    options.onProgress?.(i + 1, total)
    if ((i + 1) % FILES_PER_TURN === 0) await nextMacrotask()
  }

  result.bytesWritten += await writeLogFile(env, logFileName(target, logNumber), records)
  result.bytesWritten += await writeLogFile(env, manifestFileName(target, manifestNumber), [edit.encode()])
  // Every entry (links, copies, log, MANIFEST) durable before CURRENT can name the MANIFEST.
  env.syncDir(target)
  setCurrentFile(env, target, manifestNumber)
  result.bytesWritten += `MANIFEST-${String(manifestNumber).padStart(6, '0')}\n`.length
  return result
}

/**
 * Writes `records` in the log format to a new file, synced (off the event loop: a memtable's worth
 * takes long to sync) and closed; returns the bytes written.
 */
export async function writeLogFile (env: Env, path: string, records: readonly Uint8Array[]): Promise<number> {
  const file = env.newWritableFile(path)
  try {
    const log = new LogWriter(file)
    for (const r of records) log.addRecord(r)
    await file.syncAsync()
    return log.size
  } finally {
    file.close()
  }
}

export interface CheckpointResult extends BuildResult {
  /** The checkpoint holds every write up to this sequence and nothing later. */
  sequence: number
}

/** Writes a checkpoint of a pinned state to `target`; releases the pin when done. */
export async function writeCheckpoint (state: PinnedState, target: string, onProgress?: (done: number, total: number) => void): Promise<CheckpointResult> {
  try {
    const tables: TableSource[] = []
    for (const level of state.files) {
      for (const f of level) {
        const from = tablePath(state.env, state.location, f.number)
        tables.push({ from, name: from.slice(from.lastIndexOf('/') + 1) })
      }
    }
    const logNumber = state.nextFileNumber
    const result = await buildDatabaseDir(state.env, target, tables, state.batches, describeState(state, logNumber),
      { link: true, onProgress })
    return { ...result, sequence: state.sequence }
  } finally {
    state.release()
  }
}
