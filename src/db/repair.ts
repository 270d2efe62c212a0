// RepairDB (doc/repair.md): rebuilds a database whose MANIFEST or CURRENT is
// missing or damaged, from the tables and logs in its directory. Every log is turned into tables,
// every table is scanned, damaged ones are rewritten with their readable entries, and a new
// MANIFEST naming all of them is written and made current. Logs, damaged tables and old MANIFESTs
// are archived in lost/, never deleted.
//
// What differs from LevelDB, and why:
// - Logs are read with their checksums verified (LevelDB issue 251: garbage from a torn append
//   could otherwise become data). A damaged record whose length leads to a sound record is skipped
//   on its own, so the intact records after it in the same 32 KiB block are kept too.
// - Tables are always read with checksums verified, and entries whose key is not an internal key
//   are dropped with the damage.
// - A log older than the log number of a MANIFEST record that can still be read was flushed
//   already (a crash kept it from being deleted): it is archived unread, since replaying it could
//   bring back values overwritten or deleted since.
// - Nothing is moved, renamed or rewritten before the new MANIFEST is durable and CURRENT names
//   it. A crash part-way leaves the old state (re-run repair) or the repaired one, whose left-over
//   files are then obsolete. So a repaired table gets a new number instead of taking the damaged
//   original's place, and the new MANIFEST a fresh number instead of MANIFEST-000001.
// - Putting every table in level 0, as LevelDB does, is only right when each key's newest version
//   lives in the newest file that holds the key: reads search level 0 by file number. Tables that
//   came from different levels, or from a log whose records were already flushed, break that, and
//   reads could return an overwritten value or a deleted key. Repair checks it and, when it does
//   not hold, merges all tables into one sorted run instead.
// - It takes the database lock, so it never runs under an open database, and an I/O error stops
//   it before anything is committed instead of passing for damage.
// - It knows only the bytewise key order. A database whose MANIFEST names another comparator is
//   refused before anything is written, and so is a table whose keys are out of bytewise order
//   (when no MANIFEST says what wrote it): rewriting either as bytewise would make reads wrong.

import { baseName, type Env, isNotFound, joinPath, type SequentialFile } from '../env/env.js'
import { resolveOptions, tableWriteOptions, type DBOptions } from './options.js'
import { recoverLogs } from './recovery.js'
import { runFlushJob, type TableWriteOptions } from './flush-job.js'
import { runCompactionJob } from './compaction-job.js'
import {
  lockFileName, logFileName, manifestFileName, parseFileName, setCurrentFile, tableFileName
} from '../dbformat/filename.js'
import { decodeTagSequence, extractUserKey, InternalKeyComparator, TAG_SIZE, ValueType } from '../dbformat/internal-key.js'
import { MemTable } from '../memtable/memtable.js'
import { type FileMetaData, NUM_LEVELS, VersionEdit } from '../version/version-edit.js'
import { TableCache } from '../version/table-cache.js'
import { maxBytesForLevel, maxGrandparentOverlapBytes } from '../version/policy.js'
import { Table } from '../table/table.js'
import { LogReader } from '../log/reader.js'
import { LogWriter } from '../log/writer.js'
import { SalvagingLogFile, SKIPPED_RECORD_TYPE, type SalvageEvents } from '../log/salvage.js'
import { ReadableEntries } from '../table/readable-entries.js'
import { bytewiseComparator } from '../util/comparator.js'
import { invalidArgument, ioError, isCorruption } from '../util/errors.js'

type RepairOptions = Pick<DBOptions, 'paranoidChecks' | 'compression' | 'bloomBitsPerKey' | 'blockSize' |
'blockRestartInterval' | 'writeBufferSize' | 'maxFileSize' | 'maxOpenFiles'>

interface RepairDamage {
  /** The file the loss was found in. */
  file: string
  /** Bytes of log dropped; undefined for tables. */
  bytes?: number
  reason: string
}

export interface RepairReport {
  /** Logs read into tables (all of them are then archived in lost/). */
  logsConverted: number
  /** Logs left unread because a readable MANIFEST record says they were flushed (archived too). */
  logsObsolete: number
  /** Tables written from the logs' records. */
  tablesFromLogs: number
  /** Damaged log records or regions dropped: each loss the log reader reported counts once. */
  recordsDropped: number
  /** Of those, damaged records skipped on their own, reading going on right after them. */
  recordsSkippedInPlace: number
  logBytesDropped: number
  /** Tables found intact and used as they were. */
  tablesKept: number
  /** Damaged tables whose readable entries were copied into a new table. */
  tablesRecovered: number
  /** Tables nothing could be read from (archived). */
  tablesLost: number
  /** Whether all tables were merged into one sorted run (see the note at the top of repair.ts). */
  consolidated: boolean
  /** The tables the new MANIFEST names. */
  files: Array<{ level: number, number: number, fileSize: number }>
  lastSequence: number
  manifestNumber: number
  nextFileNumber: number
  /** Names (relative to the database directory) of the files archived, e.g. "lost/000005.log". */
  filesMovedToLost: string[]
  /** Tables deleted: superseded by a merge (their entries are in the new tables), or left unused. */
  filesRemoved: string[]
  damage: RepairDamage[]
}

/** A table as the new MANIFEST will name it, with the sequence range its entries span. */
interface RepairedTable {
  meta: FileMetaData
  minSequence: number
  maxSequence: number
}

const LOST_DIR = 'lost'

/**
 * Repairs the database at `location` (see the top of this file). Fails with LEVEL_IO_ERROR "repair
 * found no files" when the directory holds no MANIFEST, log or table, with LEVEL_LOCKED when the
 * database is open, and with the Env's LEVEL_IO_ERROR when a file call fails. A failure before
 * CURRENT names the new MANIFEST leaves the directory as it was (apart from files it could not
 * remove); one after it, while archiving, leaves the repaired database with left-over files that
 * an open deletes as obsolete.
 */
export async function repairDB (env: Env, location: string, options: RepairOptions = {}, events: RepairEvents = {}): Promise<RepairReport> {
  if (typeof location !== 'string' || location === '') throw invalidArgument('location must be a non-empty string')
  // Listed before locking, so that a directory with nothing to repair is left without a LOCK file.
  const children = env.getChildren(location)
  if (!children.some(isRepairable)) throw ioError(`${location}: repair found no files`)
  // A foreign comparator is refused before the lock too: a refused database gets no LOCK file.
  checkComparator(location, readManifestFacts(env, location, children))
  const lock = env.lockFile(lockFileName(location))
  try {
    events.started?.()
    return await new Repairer(env, location, options).run()
  } finally {
    env.unlockFile(lock)
  }
}

interface RepairEvents {
  /** Called once the lock is held and the work begins (a refusal or a lock failure comes first). */
  started?: () => void
}

/**
 * Throws LEVEL_INVALID_ARGUMENT when a readable MANIFEST record names a comparator other than the
 * bytewise one: its tables are ordered by a function repair does not have, and a new MANIFEST
 * naming them as bytewise would make every read and compaction misorder them.
 */
function checkComparator (location: string, facts: ManifestFacts): void {
  const foreign = [...facts.comparators].filter((name) => name !== bytewiseComparator.name)
  if (foreign.length > 0) {
    throw invalidArgument(`${location}: the MANIFEST names comparator ${foreign.join(', ')}; repair knows only ` +
      `${bytewiseComparator.name} and would misorder its tables (repair it with the program that made it)`)
  }
}

function isRepairable (name: string): boolean {
  const type = parseFileName(name)?.type
  return type === 'manifest' || type === 'log' || type === 'table'
}

class Repairer {
  private readonly env: Env
  private readonly location: string
  private readonly icmp = new InternalKeyComparator()
  private readonly writeBufferSize: number
  private readonly maxFileSize: number
  private readonly maxOpenFiles: number
  private readonly tableOptions: TableWriteOptions
  private nextFile = 1
  /** What the readable MANIFEST records say: logs already flushed, comparators. */
  private facts: ManifestFacts = emptyFacts()
  /** Tables this repair wrote: removed again if it fails before the new MANIFEST is current. */
  private readonly created = new Set<number>()
  /** Originals to move into lost/ once the new MANIFEST is current. */
  private readonly toArchive: string[] = []
  /** Tables to delete once the new MANIFEST is current: superseded by a merge, or left unused. */
  private readonly toRemove: string[] = []
  private readonly report: RepairReport = {
    logsConverted: 0,
    logsObsolete: 0,
    tablesFromLogs: 0,
    recordsDropped: 0,
    recordsSkippedInPlace: 0,
    logBytesDropped: 0,
    tablesKept: 0,
    tablesRecovered: 0,
    tablesLost: 0,
    consolidated: false,
    files: [],
    lastSequence: 0,
    manifestNumber: 0,
    nextFileNumber: 0,
    filesMovedToLost: [],
    filesRemoved: [],
    damage: []
  }

  constructor (env: Env, location: string, options: RepairOptions) {
    // paranoidChecks changes nothing here: repair always verifies checksums, and its job is to
    // keep what is intact rather than to stop at the first damage.
    const o = resolveOptions(options)
    this.env = env
    this.location = location
    this.writeBufferSize = o.writeBufferSize
    this.maxFileSize = o.maxFileSize
    this.maxOpenFiles = o.maxOpenFiles
    this.tableOptions = tableWriteOptions(o)
  }

  async run (): Promise<RepairReport> {
    const { env, location } = this
    const logs: number[] = []
    const tables = new Map<number, string>()
    const manifests: string[] = []
    for (const name of env.getChildren(location)) {
      const parsed = parseFileName(name)
      if (parsed === undefined) continue
      // Old MANIFESTs count too (LevelDB leaves them out): the new one takes a fresh number, which
      // must not be one of theirs.
      if (parsed.number >= this.nextFile) this.nextFile = parsed.number + 1
      if (parsed.type === 'manifest') manifests.push(name)
      else if (parsed.type === 'log') logs.push(parsed.number)
      // An .ldb and an .sst of one number cannot both be live; the .ldb is the one LevelDB reads.
      else if (parsed.type === 'table' && (!tables.has(parsed.number) || name.endsWith('.ldb'))) tables.set(parsed.number, name)
    }
    logs.sort((a, b) => a - b)
    // Read again under the lock: a writer may have appended before it was taken.
    this.facts = readManifestFacts(env, location, manifests)
    checkComparator(location, this.facts)

    let manifestNumber: number | undefined
    let swapStarted = false
    try {
      // Tables first, so that the copies of damaged ones are numbered below the tables made from
      // the logs, whose records are newer: level 0 then stays in sequence order more often.
      const found: RepairedTable[] = []
      for (const number of [...tables.keys()].sort((a, b) => a - b)) {
        const t = this.scanTable(number, tables.get(number)!, true)
        if (t !== undefined) found.push(t)
      }
      const copies = new Set(this.created)
      const logSequence = await this.convertLogs(logs.filter((n) => !this.isObsoleteLog(n)))
      for (const number of [...this.created].filter((n) => !copies.has(n)).sort((a, b) => a - b)) {
        const t = this.scanTable(number, baseName(tableFileName(location, number)), false)
        if (t !== undefined) found.push(t)
      }
      let lastSequence = logSequence
      for (const t of found) if (t.maxSequence > lastSequence) lastSequence = t.maxSequence

      const edit = new VersionEdit()
      if (found.length > 1 && !level0Safe(found, this.icmp)) {
        const level = await this.consolidate(found, lastSequence, edit)
        this.report.consolidated = true
        this.report.files = edit.newFiles.map((f) => ({ level, number: f.file.number, fileSize: f.file.fileSize }))
        // Every entry they hold that any read could see is in the merged tables now.
        for (const t of found) {
          const n = t.meta.number
          this.toRemove.push(tables.get(n) ?? baseName(tableFileName(location, n)))
        }
      } else {
        for (const t of found) edit.addFile(0, t.meta)
        this.report.files = found.map((t) => ({ level: 0, number: t.meta.number, fileSize: t.meta.fileSize }))
      }

      manifestNumber = this.nextFile++
      edit.comparatorName = this.icmp.user.name
      // Every log is older than this number: an open must not replay them again, since their
      // records are in tables now (and after a merge, replaying could bring back old values).
      edit.logNumber = manifestNumber
      edit.prevLogNumber = 0
      edit.nextFileNumber = this.nextFile
      edit.lastSequence = lastSequence
      this.writeDescriptor(manifestNumber, edit)
      swapStarted = true
      setCurrentFile(env, location, manifestNumber)
      this.report.lastSequence = lastSequence
      this.report.manifestNumber = manifestNumber
      this.report.nextFileNumber = this.nextFile
    } catch (err) {
      // Once the swap has begun CURRENT may already name the new MANIFEST: nothing may go then.
      if (!swapStarted) this.removeCreated(manifestNumber)
      throw err
    }

    // Committed: CURRENT names the new MANIFEST. What follows only tidies up; a crash before it is
    // done leaves files that an open deletes as obsolete, or that a second repair archives.
    for (const n of logs) this.toArchive.push(baseName(logFileName(location, n)))
    for (const name of manifests) this.toArchive.push(name)
    this.archive()
    for (const name of this.toRemove) {
      env.removeFile(joinPath(location, name))
      this.report.filesRemoved.push(name)
    }
    env.syncDir(location)
    return this.report
  }

  /**
   * Whether log `number` is older than the log number of some MANIFEST record that can still be
   * read: such a record is only written once every older log was flushed to tables, which are in
   * the directory. Replaying such a log would bring back values overwritten or deleted since, if
   * compaction has already dropped what replaced them.
   */
  private isObsoleteLog (number: number): boolean {
    const obsolete = number < this.facts.logNumber && !this.facts.prevLogNumbers.has(number)
    if (obsolete) this.report.logsObsolete++
    return obsolete
  }

  /** Replays every log into tables; returns the largest sequence number seen. */
  private async convertLogs (logs: number[]): Promise<number> {
    if (logs.length === 0) return 0
    let readError: unknown
    const events: SalvageEvents = {
      skipped: () => { this.report.recordsSkippedInPlace++ },
      readFailed: (err) => { readError ??= err }
    }
    const maxSequence = await recoverLogs({
      env: this.env,
      openLog: (path) => new SalvagingLogFile(this.env.newSequentialFile(path), events),
      location: this.location,
      logs,
      // Damage is always skipped: keeping what is intact is the point of repairing.
      paranoidChecks: false,
      writeBufferSize: this.writeBufferSize,
      newMemTable: () => new MemTable(this.icmp),
      flush: (mem) => {
        const number = this.nextFile++
        this.created.add(number)
        if (runFlushJob(this.env, this.location, mem.newIterator(), number, this.tableOptions) === undefined) {
          this.created.delete(number)
        } else {
          this.report.tablesFromLogs++
        }
      },
      markFileNumberUsed: () => {},
      onDropped: (file, bytes, reason) => {
        this.report.recordsDropped++
        this.report.logBytesDropped += bytes
        const salvaged = reason === `unknown record type ${SKIPPED_RECORD_TYPE}`
        this.report.damage.push({ file, bytes, reason: salvaged ? 'checksum mismatch (record skipped)' : reason })
      }
    })
    // The log reader takes a failed read for the end of a damaged log; here it must stop the
    // repair, since the records past it are likely intact.
    if (readError !== undefined) throw readError
    this.report.logsConverted = logs.length
    return maxSequence
  }

  /**
   * Reads every entry of table `number` (file `name`) with checksums verified. An intact table is
   * returned as it is; a damaged one is copied, readable entries only, into a new table, and
   * (`original`) archived. Undefined when nothing could be read (or the file vanished).
   */
  private scanTable (number: number, name: string, original: boolean): RepairedTable | undefined {
    const { env, location } = this
    const path = joinPath(location, name)
    let fileSize: number
    try {
      fileSize = env.getFileSize(path)
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
    const file = env.newRandomAccessFile(path)
    let damage: string | undefined
    const range = new SequenceRange()
    let table: Table | undefined
    try {
      try {
        table = Table.open(file, fileSize, { comparator: this.icmp, fileName: path })
        const it = table.newIterator({ fillCache: false })
        let badKeys = 0
        try {
          for (it.seekToFirst(); it.valid(); it.next()) {
            const key = it.key()
            if (!isInternalKey(key)) {
              badKeys++
              continue
            }
            // Blocks that pass their checksums but hold keys out of order were written under
            // another comparator (no MANIFEST said so, or this would not be reached).
            if (range.isAfter(key, this.icmp)) {
              throw invalidArgument(`${path}: keys are out of ${bytewiseComparator.name} order; the table was written ` +
                'under another comparator, which repair does not know')
            }
            range.add(key)
          }
          it.checkError()
        } finally {
          it.close()
        }
        if (badKeys > 0) damage = `${badKeys} entries with malformed keys`
      } catch (err) {
        if (!isCorruption(err)) throw err
        damage = err instanceof Error ? err.message : String(err)
      }
      if (damage === undefined && range.count > 0) {
        if (original) this.report.tablesKept++
        return range.table({ number, fileSize, smallest: range.smallest!, largest: range.largest })
      }
      if (damage !== undefined) this.report.damage.push({ file: path, reason: damage })
      let meta: FileMetaData | undefined
      if (table !== undefined && range.count > 0) {
        const copy = this.nextFile++
        this.created.add(copy)
        const it = new ReadableEntries(table.newIterator({ fillCache: false }), isInternalKey)
        try {
          meta = runFlushJob(env, location, it, copy, this.tableOptions)
        } finally {
          it.close()
        }
        if (meta === undefined) this.created.delete(copy)
      }
      if (original) {
        this.toArchive.push(name)
        if (meta === undefined) this.report.tablesLost++
        else this.report.tablesRecovered++
      } else {
        // One of this repair's own tables (never damaged in practice): nothing to keep of it.
        this.toRemove.push(name)
      }
      return meta === undefined ? undefined : range.table(meta)
    } finally {
      file.close()
    }
  }

  /**
   * Merges every table into one sorted run, newest entry of each key only (no snapshot outlives a
   * repair), placed at the shallowest level whose size budget holds it. Returns that level.
   */
  private async consolidate (found: RepairedTable[], lastSequence: number, edit: VersionEdit): Promise<number> {
    const inputs = found.map((t) => t.meta)
    // Deletion markers are kept, as if more data lay below: a crash before the inputs are gone
    // leaves them beside the outputs, and a second repair must not see their old values
    // unshadowed. Each key keeps one entry, its newest; a later compaction drops the markers.
    let smallest = inputs[0]!.smallest
    let largest = inputs[0]!.largest
    for (const f of inputs) {
      if (this.icmp.compare(f.smallest, smallest) < 0) smallest = f.smallest
      if (this.icmp.compare(f.largest, largest) > 0) largest = f.largest
    }
    const below: FileMetaData = { number: 0, fileSize: 0, smallest, largest }
    const tableCache = new TableCache(this.env, this.location, { icmp: this.icmp, maxOpenFiles: this.maxOpenFiles })
    let outputs: FileMetaData[]
    try {
      const result = await runCompactionJob(this.env, tableCache, {
        location: this.location,
        // Level-0 inputs are merged file by file, whatever their ranges.
        spec: {
          level: 0,
          inputs: [inputs, []],
          grandparents: [],
          deeperLevels: [[below]],
          maxOutputFileSize: this.maxFileSize,
          maxGrandparentOverlapBytes: maxGrandparentOverlapBytes(this.maxFileSize)
        },
        smallestSnapshot: lastSequence,
        table: this.tableOptions
      }, () => {
        const n = this.nextFile++
        this.created.add(n)
        return n
      })
      outputs = result.outputs
    } finally {
      tableCache.close()
    }
    let bytes = 0
    for (const f of outputs) bytes += f.fileSize
    let level = 1
    while (level < NUM_LEVELS - 1 && bytes >= maxBytesForLevel(level)) level++
    for (const f of outputs) edit.addFile(level, f)
    return level
  }

  /** Writes MANIFEST-<number> holding `edit` and makes it and its entry durable. */
  private writeDescriptor (number: number, edit: VersionEdit): void {
    const { env, location } = this
    const file = env.newWritableFile(manifestFileName(location, number))
    try {
      new LogWriter(file).addRecord(edit.encode())
      file.sync()
    } finally {
      file.close()
    }
    // The MANIFEST's entry (and the new tables', synced already) must be durable before CURRENT
    // can name it.
    env.syncDir(location)
  }

  /**
   * After a failure before the commit: removes what this repair wrote. Never throws. The MANIFEST
   * goes first, durably: its log number tells a later repair to leave the logs unread, which is
   * only right while the tables made from them are there.
   */
  private removeCreated (manifestNumber: number | undefined): void {
    const { env, location } = this
    if (manifestNumber !== undefined) {
      const path = manifestFileName(location, manifestNumber)
      try {
        if (env.fileExists(path)) {
          env.removeFile(path)
          env.syncDir(location)
        }
      } catch {
        return // The tables stay, and with them what the MANIFEST says.
      }
    }
    for (const n of this.created) {
      try { env.removeFile(tableFileName(location, n)) } catch { /* left for the obsolete-file sweep */ }
    }
  }

  /** Moves the files of toArchive into lost/, never over an earlier archived file. */
  private archive (): void {
    if (this.toArchive.length === 0) return
    const { env, location } = this
    const lost = joinPath(location, LOST_DIR)
    env.createDir(lost)
    for (const name of this.toArchive) {
      let target = name
      for (let i = 1; env.fileExists(joinPath(lost, target)); i++) target = `${name}.${i}`
      env.renameFile(joinPath(location, name), joinPath(lost, target))
      this.report.filesMovedToLost.push(`${LOST_DIR}/${target}`)
    }
    env.syncDir(lost)
  }
}

// ---------------------------------------------------------------------------------------------
// What old MANIFESTs still tell

interface ManifestFacts {
  /** The largest log number any readable record names: every older log was flushed. */
  logNumber: number
  /** Older logs that records name as still needed (the legacy previous log). */
  prevLogNumbers: Set<number>
  /** Comparator names the records give. */
  comparators: Set<string>
}

function emptyFacts (): ManifestFacts {
  return { logNumber: 0, prevLogNumbers: new Set(), comparators: new Set() }
}

/** What the readable records of every MANIFEST among `names` (the directory's entries) tell. */
function readManifestFacts (env: Env, dir: string, names: readonly string[]): ManifestFacts {
  const facts = emptyFacts()
  for (const name of names) {
    if (parseFileName(name)?.type === 'manifest') readManifest(env, joinPath(dir, name), facts)
  }
  return facts
}

/**
 * Reads every record of a MANIFEST that passes its checksum and decodes, skipping the rest: each
 * such record was written by the engine, and log numbers only grow, so the largest one seen is a
 * lower bound of the database's own. Read failures leave the facts as they are.
 */
function readManifest (env: Env, path: string, bound: ManifestFacts): void {
  let file: SequentialFile
  try {
    file = env.newSequentialFile(path)
  } catch {
    return
  }
  try {
    // Damaged records are skipped one by one here too, so that one bad byte does not hide a block.
    const reader = new LogReader(new SalvagingLogFile(file), { fileName: path })
    for (let record = reader.readRecord(); record !== null; record = reader.readRecord()) {
      let edit: VersionEdit
      try {
        edit = VersionEdit.decode(record)
      } catch {
        continue
      }
      if (edit.logNumber !== undefined && edit.logNumber > bound.logNumber) bound.logNumber = edit.logNumber
      if (edit.prevLogNumber !== undefined && edit.prevLogNumber > 0) bound.prevLogNumbers.add(edit.prevLogNumber)
      if (edit.comparatorName !== undefined) bound.comparators.add(edit.comparatorName)
    }
  } catch {
    // A file that cannot be read to its end tells what it told so far.
  } finally {
    file.close()
  }
}

// ---------------------------------------------------------------------------------------------
// Placement

/**
 * Whether every table may sit in level 0 under its own number: reads search level 0 newest
 * number first and stop at the first file holding the key, so any two tables whose key ranges
 * overlap must hold disjoint sequence ranges, the higher-numbered one the newer.
 */
function level0Safe (tables: RepairedTable[], icmp: InternalKeyComparator): boolean {
  const sorted = [...tables].sort((a, b) => a.meta.number - b.meta.number)
  const ucmp = icmp.user
  for (let i = 0; i < sorted.length; i++) {
    const older = sorted[i]!
    for (let j = i + 1; j < sorted.length; j++) {
      const newer = sorted[j]!
      const overlap = ucmp.compare(extractUserKey(older.meta.smallest), extractUserKey(newer.meta.largest)) <= 0 &&
        ucmp.compare(extractUserKey(newer.meta.smallest), extractUserKey(older.meta.largest)) <= 0
      if (overlap && older.maxSequence >= newer.minSequence) return false
    }
  }
  return true
}

/** Smallest and largest internal key and the sequence range of the entries seen, in key order. */
class SequenceRange {
  count = 0
  smallest: Uint8Array | undefined
  private min = Number.MAX_SAFE_INTEGER
  private max = 0
  // The last key, in a reused buffer: copying each key would allocate once per entry.
  private last = new Uint8Array(64)
  private lastLength = 0

  add (key: Uint8Array): void {
    if (this.count === 0) this.smallest = key.slice()
    this.count++
    if (this.last.length < key.length) this.last = new Uint8Array(Math.max(key.length, this.last.length * 2))
    this.last.set(key)
    this.lastLength = key.length
    const sequence = decodeTagSequence(key, key.length - TAG_SIZE)
    if (sequence < this.min) this.min = sequence
    if (sequence > this.max) this.max = sequence
  }

  /** Whether the last key added sorts after `key`: keys must come in order. */
  isAfter (key: Uint8Array, icmp: InternalKeyComparator): boolean {
    return this.count > 0 && icmp.compareAt(this.last, 0, this.lastLength, key, 0, key.length) > 0
  }

  get largest (): Uint8Array {
    return this.last.slice(0, this.lastLength)
  }

  table (meta: FileMetaData): RepairedTable {
    return { meta, minSequence: this.min, maxSequence: this.max }
  }
}

function isInternalKey (key: Uint8Array): boolean {
  return key.length >= TAG_SIZE && key[key.length - TAG_SIZE]! <= ValueType.Value
}
