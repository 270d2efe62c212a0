// A database directory read without opening it: CURRENT, the MANIFEST it names replayed edit by
// edit, and the files on disk. Opening would take the lock, replay the logs into tables and write
// a new MANIFEST; the inspection commands (info, manifest, verify, map) must change nothing, and
// must keep going past damage to show all of it, where recovery stops at the first problem.

import { baseName, dirName, type Env, isNotFound, joinPath } from '../env/env.js'
import { LogReader } from '../log/reader.js'
import { currentFileName, parseFileName, type FileType } from '../dbformat/filename.js'
import { InternalKeyComparator, internalKeyToString } from '../dbformat/internal-key.js'
import { fromUtf8 } from '../util/coding.js'
import { bytewiseComparator } from '../util/comparator.js'
import { corruption, ShaleError } from '../util/errors.js'
import { type FileMetaData, NUM_LEVELS, VersionEdit } from '../version/version-edit.js'
import { scanLog, type LogScan } from './log-scan.js'

export const icmp = new InternalKeyComparator()

/**
 * What the readers know of the key order, which they can only check in bytewise order (the one
 * order Shale has): 'bytewise' when the MANIFEST names it (or a sound MANIFEST names none, as
 * LevelDB then accepts any), 'foreign' when it names another comparator — order is then not
 * checked at all — and 'unknown' for a lone table or a MANIFEST whose comparator record is lost,
 * where a key out of bytewise order is a note, not damage: it may be a custom comparator's order.
 */
export type KeyOrder = 'bytewise' | 'foreign' | 'unknown'

export function isBytewise (comparator: string | undefined): boolean {
  return comparator === undefined || comparator === bytewiseComparator.name
}

/** The key order a MANIFEST's history establishes (see KeyOrder). */
export function keyOrderOf (history: ManifestHistory): KeyOrder {
  const name = history.state.comparator
  if (name !== undefined) return isBytewise(name) ? 'bytewise' : 'foreign'
  return history.problems.length === 0 ? 'bytewise' : 'unknown'
}

/**
 * The comparator of the database a lone table file sits in, from the first record of the MANIFEST
 * that CURRENT names there (LevelDB writes the comparator in every MANIFEST's first record).
 * 'unknown' when there is no such MANIFEST or it cannot be read.
 */
export function comparatorBeside (env: Env, tableFile: string): { order: KeyOrder, comparator: string | undefined, source: string } {
  const unknown = { order: 'unknown' as const, comparator: undefined, source: 'no readable MANIFEST beside the table' }
  let manifest: string
  try {
    manifest = currentManifest(env, dirName(tableFile))
  } catch {
    return unknown
  }
  try {
    const file = env.newSequentialFile(manifest)
    try {
      let damaged = false
      const reader = new LogReader(file, { fileName: manifest, reporter: { corruption: () => { damaged = true } } })
      const record = reader.readRecord()
      // Past damage, the record read may not be the first, which is the one naming the comparator.
      if (record === null || damaged || reader.lastRecordOffset !== 0) return unknown
      const name = VersionEdit.decode(record).comparatorName
      return { order: isBytewise(name) ? 'bytewise' : 'foreign', comparator: name, source: baseName(manifest) }
    } finally {
      file.close()
    }
  } catch {
    return unknown
  }
}

/** The line the readers print about a comparator they cannot order by. */
export function foreignComparatorNote (name: string): string {
  return `comparator ${name} is not ${bytewiseComparator.name}: key order is not checked (Shale knows only bytewise order and cannot open, compact or repair this database)`
}

export interface EditRecord {
  /** Position in the MANIFEST, from 0. */
  index: number
  /** File offset of the record. */
  offset: number
  /** Encoded size of the record's payload. */
  bytes: number
  edit: VersionEdit
}

export interface LiveFile extends FileMetaData {
  level: number
  /** Index of the edit that put the file at its level. */
  addedBy: number
}

interface TreeState {
  comparator: string | undefined
  logNumber: number | undefined
  prevLogNumber: number | undefined
  nextFileNumber: number | undefined
  lastSequence: number | undefined
  /** Per level, in read order: level 0 newest first, deeper levels by smallest key. */
  levels: LiveFile[][]
}

/** What one edit did to the tree; a file deleted at one level and added at another moved. */
export interface EditEffect {
  added: LiveFile[]
  removed: Array<{ level: number, number: number, file: LiveFile | undefined }>
  moved: Array<{ number: number, from: number, to: number }>
}

export interface ManifestHistory {
  path: string
  scan: LogScan
  edits: EditRecord[]
  /** Damage: records that do not decode, and a tree recovery would refuse. */
  problems: string[]
  /** Oddities recovery tolerates (a deletion of a file that is not there). */
  warnings: string[]
  state: TreeState
}

/** Replays edits one at a time, with the same rule as the engine: an edit's deletions, then its additions. */
class TreeReplay {
  readonly warnings: string[] = []
  private readonly counters: Omit<TreeState, 'levels'> = {
    comparator: undefined, logNumber: undefined, prevLogNumber: undefined, nextFileNumber: undefined, lastSequence: undefined
  }

  private readonly files: Array<Map<number, LiveFile>> = Array.from({ length: NUM_LEVELS }, () => new Map())
  private levels: LiveFile[][] | undefined

  /** The tree after the edits applied so far (levels sorted on demand: replay itself stays linear). */
  get state (): TreeState {
    const bytewise = isBytewise(this.counters.comparator)
    this.levels ??= this.files.map((m, level) => sortLevel([...m.values()], level, bytewise))
    return { ...this.counters, levels: this.levels }
  }

  apply (edit: VersionEdit, index: number): EditEffect {
    const s = this.counters
    if (edit.comparatorName !== undefined) s.comparator = edit.comparatorName
    if (edit.logNumber !== undefined) s.logNumber = edit.logNumber
    if (edit.prevLogNumber !== undefined) s.prevLogNumber = edit.prevLogNumber
    if (edit.nextFileNumber !== undefined) s.nextFileNumber = edit.nextFileNumber
    if (edit.lastSequence !== undefined) s.lastSequence = edit.lastSequence
    const effect: EditEffect = { added: [], removed: [], moved: [] }
    for (const { level, number } of edit.deletedFiles) {
      const file = this.files[level]!.get(number)
      if (file === undefined) this.warnings.push(`edit ${index} deletes #${number} from level ${level}, where it is not`)
      this.files[level]!.delete(number)
      effect.removed.push({ level, number, file })
    }
    for (const { level, file } of edit.newFiles) {
      const live: LiveFile = { ...file, level, addedBy: index }
      this.files[level]!.set(file.number, live)
      effect.added.push(live)
      const from = effect.removed.find((r) => r.number === file.number)
      if (from !== undefined && from.level !== level) effect.moved.push({ number: file.number, from: from.level, to: level })
    }
    this.levels = undefined
    return effect
  }

  /**
   * Problems recovery would refuse the final tree for: overlapping files in a level >= 1. Only
   * checked in bytewise order: under another comparator, ranges that are disjoint may look
   * overlapping bytewise.
   */
  overlaps (): string[] {
    const out: string[] = []
    if (!isBytewise(this.counters.comparator)) return out
    for (let level = 1; level < NUM_LEVELS; level++) {
      const files = this.state.levels[level]!
      for (let i = 1; i < files.length; i++) {
        const a = files[i - 1]!
        const b = files[i]!
        if (icmp.compare(a.largest, b.smallest) >= 0) {
          out.push(`level ${level}: #${a.number} (to ${internalKeyToString(a.largest)}) overlaps #${b.number} (from ${internalKeyToString(b.smallest)})`)
        }
      }
    }
    return out
  }
}

/** Level 0 newest first; deeper levels by smallest key, or by number when the order is not bytewise. */
function sortLevel (files: LiveFile[], level: number, bytewise = true): LiveFile[] {
  if (level === 0) return files.sort((a, b) => b.number - a.number)
  if (!bytewise) return files.sort((a, b) => a.number - b.number)
  return files.sort((a, b) => icmp.compare(a.smallest, b.smallest) || a.number - b.number)
}

/**
 * The MANIFEST CURRENT names, as a path. Throws LEVEL_NOT_FOUND when `dir` is not a directory or
 * has no CURRENT, and LEVEL_CORRUPTION when CURRENT is not sound.
 */
export function currentManifest (env: Env, dir: string): string {
  if (!isDirectory(env, dir)) {
    throw new ShaleError('LEVEL_NOT_FOUND', env.fileExists(dir)
      ? `${dir} is not a directory: give a database directory (shale sst, wal and manifest read single files)`
      : `${dir} does not exist`)
  }
  const currentPath = currentFileName(dir)
  let text: string
  try {
    text = fromUtf8(env.readFile(currentPath))
  } catch (err) {
    if (isNotFound(err)) throw new ShaleError('LEVEL_NOT_FOUND', `${dir} is not a database: it has no CURRENT file`)
    throw err
  }
  if (!text.endsWith('\n')) throw corruption('CURRENT file does not end with newline', { file: currentPath })
  const name = text.slice(0, -1)
  if (parseFileName(name)?.type !== 'manifest') {
    throw corruption(`CURRENT names an invalid MANIFEST file: ${JSON.stringify(name)}`, { file: currentPath })
  }
  return joinPath(dir, name)
}

/** Whether `path` is a directory (as opposed to a file or nothing). */
export function isDirectory (env: Env, path: string): boolean {
  try {
    env.getChildren(path)
    return true
  } catch {
    return false
  }
}

/** Reads every record of a MANIFEST, decoding and replaying what can be, noting the rest. */
export function readManifestHistory (env: Env, path: string, onEdit?: (record: EditRecord, effect: EditEffect) => void): ManifestHistory {
  const replay = new TreeReplay()
  const edits: EditRecord[] = []
  const problems: string[] = []
  let index = 0
  const scan = scanLog(env, path, (payload, offset) => {
    let edit: VersionEdit
    try {
      edit = VersionEdit.decode(payload)
    } catch (err) {
      problems.push(`record at offset ${offset} is not a VersionEdit: ${err instanceof Error ? err.message : String(err)}`)
      return
    }
    const record: EditRecord = { index, offset, bytes: payload.length, edit }
    const effect = replay.apply(edit, index)
    edits.push(record)
    onEdit?.(record, effect)
    index++
  })
  for (const d of scan.drops) {
    if (d.reported) problems.push(`${d.bytes} bytes dropped at offset ${d.offset ?? '?'}: ${d.reason}`)
  }
  const s = replay.state
  if (edits.length > 0) {
    if (s.nextFileNumber === undefined) problems.push('no next-file-number entry in any edit')
    if (s.logNumber === undefined) problems.push('no log-number entry in any edit')
    if (s.lastSequence === undefined) problems.push('no last-sequence entry in any edit')
  } else {
    problems.push('the MANIFEST holds no edit')
  }
  // With the comparator record lost, files may be ordered by a comparator other than bytewise.
  if (s.comparator === undefined && problems.length > 0) {
    replay.warnings.push('no comparator record could be read: files are not checked for overlaps')
  } else {
    problems.push(...replay.overlaps())
  }
  return { path, scan, edits, problems, warnings: replay.warnings, state: s }
}

export interface DirEntry {
  name: string
  type: FileType | 'other'
  number: number
  size: number
}

/** The directory's entries with their LevelDB type and size, sorted by name. */
export function listDir (env: Env, dir: string): DirEntry[] {
  const out: DirEntry[] = []
  for (const name of env.getChildren(dir).sort()) {
    const parsed = parseFileName(name)
    let size = -1
    try {
      size = env.getFileSize(joinPath(dir, name))
    } catch {
      // A subdirectory (lost/) or a file that vanished: no size.
    }
    out.push({ name, type: parsed?.type ?? 'other', number: parsed?.number ?? 0, size })
  }
  return out
}

/** Path of table `number` as it exists on disk: .ldb, else the legacy .sst; undefined if neither. */
export function tablePath (env: Env, dir: string, number: number): string | undefined {
  const n = String(number).padStart(6, '0')
  for (const ext of ['ldb', 'sst']) {
    const path = joinPath(dir, `${n}.${ext}`)
    if (env.fileExists(path)) return path
  }
  return undefined
}

export { NUM_LEVELS }
