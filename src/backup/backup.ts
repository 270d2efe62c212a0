// Incremental backups of a live database (doc/backup.md). A backup is the state a checkpoint
// would hold: the tables of a pinned Version plus the memtable entries up to its sequence. Tables
// never change once written, so each is stored once under shared/ and every later backup that
// still needs it only names it; a backup after a few writes copies only the tables written since.
// The store's layout and manifest format are in store.ts.

import { DB } from '../db/db.js'
import { buildDatabaseDir, checkTargetEmpty, describeState, ENGINE_OF, PIN_STATE, tablePath, writeLogFile, type BuildResult, type TableSource } from '../db/checkpoint.js'
import { baseName, dirName, type Env, type FileLock, joinPath, writeFileSynced } from '../env/env.js'
import { platform } from '../db/platform-node.js'
import { tableFileName } from '../dbformat/filename.js'
import { LogReader } from '../log/reader.js'
import { VersionEdit } from '../version/version-edit.js'
import { crc32c, crc32cExtend } from '../util/crc32c.js'
import { fromHex, toHex } from '../util/coding.js'
import { corruption, invalidArgument } from '../util/errors.js'
import { nextMacrotask } from '../util/macrotask.js'
import { checkTableBlocks } from './check-table.js'
import {
  BACKUPS, backupsPath, encodeManifest, listIds, logName, manifestName, readManifest, SHARED, sharedPath, sharedTableName,
  type BackupManifest, type BackupTable
} from './store.js'

export type { BackupManifest, BackupTable } from './store.js'

export interface BackupOptions {
  /** The Env of the backup store (and of a restore's target). Default: the database's for create, NodeEnv otherwise (in a browser, none). */
  env?: Env
  /** Called after each table copied (or found already stored). */
  onProgress?: (done: number, total: number) => void
}

/** What list() and create() report of a backup. */
export interface BackupInfo {
  id: number
  createdAt: string
  /** The backup holds every write up to this sequence and nothing later. */
  sequence: number
  tables: number
  /** Bytes a restore writes: its tables and its log. */
  size: number
  /** Bytes this backup added to the store when it was taken. */
  bytesAdded: number
}

export interface VerifyResult {
  id: number
  ok: boolean
  /** What is wrong, one line each; empty when ok. */
  problems: string[]
  tablesChecked: number
  blocksChecked: number
}

export interface PurgeResult {
  removed: number[]
  kept: number[]
  filesDeleted: number
  bytesFreed: number
}

export type RestoreResult = BuildResult & { id: number, sequence: number }

/**
 * A DB, or a database over one that hands over its engine (a ShaleLevel). This layer does not
 * import ShaleLevel, so that `shale backup` loads no abstract-level.
 */
export type BackupSource = DB | { [ENGINE_OF]: (method: string) => Promise<DB> }

export class Backup {
  /**
   * Backs up a live database into `backupDir` (created if missing) while reads and writes go on,
   * copying only the tables the store does not hold yet. The backup exists once its manifest is
   * written, which is last: a crash before that leaves at most unreferenced files, which purge()
   * removes.
   */
  static async create (db: BackupSource, backupDir: string, options: BackupOptions = {}): Promise<BackupInfo> {
    checkDir(backupDir)
    const engine = db instanceof DB ? db : await db[ENGINE_OF]('backup')
    const state = engine[PIN_STATE]()
    const env = options.env ?? state.env
    let lock: FileLock | undefined
    try {
      lock = lockStore(env, backupDir)
      const id = (listIds(env, backupDir).at(-1) ?? 0) + 1
      const tables: BackupTable[] = []
      for (let level = 0; level < state.files.length; level++) {
        for (const f of state.files[level]!) tables.push({ level, number: f.number, size: f.fileSize, file: '', crc: 0 })
      }
      const known = knownChecksums(env, backupDir)
      let bytesAdded = 0
      let copied = 0
      for (let i = 0; i < tables.length; i++) {
        const t = tables[i]!
        const from = tablePath(state.env, state.location, t.number)
        t.file = sharedTableName(state.env, from, t.number, t.size)
        const to = sharedPath(backupDir, t.file)
        const crc = known.get(t.file)
        if (crc !== undefined && env.fileExists(to) && env.getFileSize(to) === t.size) {
          t.crc = crc
        } else {
          t.crc = await copyTable(state.env, from, env, to, t.size)
          bytesAdded += t.size
          copied++
        }
        options.onProgress?.(i + 1, tables.length)
        // Reads and writes go on meanwhile: a backup of a large database must not hold the event loop.
        await nextMacrotask()
      }
      if (copied > 0) env.syncDir(joinPath(backupDir, SHARED))

      const logNumber = state.nextFileNumber
      const log = backupsPath(backupDir, logName(id))
      const logSize = await writeLogFile(env, log, state.batches)
      const manifest: BackupManifest = {
        format: 'shale-backup/1',
        id,
        createdAt: new Date().toISOString(),
        sequence: state.sequence,
        comparator: state.comparatorName,
        logNumber,
        edit: toHex(describeState(state, logNumber).encode()),
        tables,
        log: { file: logName(id), size: logSize, records: state.batches.length, crc: crc32c(env.readFile(log)) },
        bytesAdded: 0
      }
      manifest.bytesAdded = bytesAdded + logSize + encodeManifest(manifest).length
      // The manifest last, by temp file, sync, rename and directory sync: the backup appears whole.
      const path = backupsPath(backupDir, manifestName(id))
      writeFileSynced(env, path + '.tmp', encodeManifest(manifest))
      env.renameFile(path + '.tmp', path)
      env.syncDir(joinPath(backupDir, BACKUPS))
      return infoOf(manifest)
    } finally {
      state.release()
      if (lock !== undefined) env.unlockFile(lock)
    }
  }

  /** The backups in `backupDir`, oldest first. A damaged manifest fails with LEVEL_CORRUPTION. */
  static async list (backupDir: string, options: { env?: Env } = {}): Promise<BackupInfo[]> {
    checkDir(backupDir)
    const env = options.env ?? platform.defaultEnv()
    return listIds(env, backupDir).map((id) => infoOf(readManifest(env, backupDir, id)))
  }

  /**
   * Checks one backup, or all: the manifest's own checksum, every table's size and every block's
   * checksum, the log's size, checksum and every record's checksum, and that the MANIFEST record
   * names exactly the tables stored. Never throws for damage: it is reported in `problems`.
   */
  static async verify (backupDir: string, id?: number, options: BackupOptions = {}): Promise<VerifyResult[]> {
    checkDir(backupDir)
    const env = options.env ?? platform.defaultEnv()
    const ids = id === undefined ? listIds(env, backupDir) : [checkId(id)]
    const checked = new Map<string, { problem: string | undefined, blocks: number }>()
    const results: VerifyResult[] = []
    for (const i of ids) {
      results.push(verifyOne(env, backupDir, i, checked, options.onProgress))
      await nextMacrotask()
    }
    return results
  }

  /**
   * Rebuilds backup `id` as a database in `targetDir` (missing or empty). The backup is verified
   * first; a damaged one is refused with LEVEL_CORRUPTION before anything is written. CURRENT is
   * written last, so an interrupted restore leaves a directory that does not open.
   */
  static async restore (backupDir: string, id: number, targetDir: string, options: BackupOptions = {}): Promise<RestoreResult> {
    checkDir(backupDir)
    checkDir(targetDir)
    checkId(id)
    const env = options.env ?? platform.defaultEnv()
    checkTargetEmpty(env, targetDir)
    const verified = verifyOne(env, backupDir, id, new Map(), undefined)
    if (!verified.ok) throw corruption(`backup ${id} is damaged: ${verified.problems.join('; ')}`)
    const m = readManifest(env, backupDir, id)
    const records = readLogRecords(env, backupsPath(backupDir, m.log.file)).records
    const tables: TableSource[] = m.tables.map((t) => ({
      from: sharedPath(backupDir, t.file),
      name: baseName(tableFileName('', t.number)),
      // The copy, not only the original, must be whole before CURRENT can name it.
      check: (path: string) => { checkTable(env, path, t) }
    }))
    const result = await buildDatabaseDir(env, targetDir, tables, records, VersionEdit.decode(fromHex(m.edit)),
      { link: false, onProgress: options.onProgress })
    return { ...result, id, sequence: m.sequence }
  }

  /**
   * Keeps the newest `keepLast` backups and deletes the others, then every file in the store that
   * no remaining backup names (tables, logs and temp files left by interrupted backups). A
   * backup's manifest goes first, so a crash part-way never leaves a backup missing a file.
   */
  static async purge (backupDir: string, keepLast: number, options: { env?: Env } = {}): Promise<PurgeResult> {
    checkDir(backupDir)
    if (!Number.isSafeInteger(keepLast) || keepLast < 0) throw invalidArgument('keepLast must be a non-negative integer')
    const env = options.env ?? platform.defaultEnv()
    const lock = lockStore(env, backupDir)
    try {
      const ids = listIds(env, backupDir)
      const cut = Math.max(0, ids.length - keepLast)
      const result: PurgeResult = { removed: ids.slice(0, cut), kept: ids.slice(cut), filesDeleted: 0, bytesFreed: 0 }
      const remove = (path: string): void => {
        result.bytesFreed += env.getFileSize(path)
        env.removeFile(path)
        result.filesDeleted++
      }
      const backups = joinPath(backupDir, BACKUPS)
      for (const id of result.removed) remove(backupsPath(backupDir, manifestName(id)))
      if (result.removed.length > 0) env.syncDir(backups)
      // A damaged manifest of a kept backup stops the sweep: its tables cannot be told apart.
      const keep = new Set<string>()
      const keepLogs = new Set<string>()
      for (const id of result.kept) {
        const m = readManifest(env, backupDir, id)
        keepLogs.add(manifestName(id))
        keepLogs.add(m.log.file)
        for (const t of m.tables) keep.add(t.file)
      }
      for (const name of env.getChildren(backups)) if (!keepLogs.has(name)) remove(joinPath(backups, name))
      const shared = joinPath(backupDir, SHARED)
      for (const name of env.getChildren(shared)) if (!keep.has(name)) remove(joinPath(shared, name))
      env.syncDir(backups)
      env.syncDir(shared)
      return result
    } finally {
      env.unlockFile(lock)
    }
  }
}

function checkDir (dir: string): void {
  if (typeof dir !== 'string' || dir === '') throw invalidArgument('directory must be a non-empty string')
}

function checkId (id: number): number {
  if (!Number.isSafeInteger(id) || id < 1) throw invalidArgument(`backup id must be a positive integer, got ${String(id)}`)
  return id
}

function infoOf (m: BackupManifest): BackupInfo {
  return {
    id: m.id,
    createdAt: m.createdAt,
    sequence: m.sequence,
    tables: m.tables.length,
    size: m.tables.reduce((sum, t) => sum + t.size, 0) + m.log.size,
    bytesAdded: m.bytesAdded
  }
}

/** Creates the store's directories (their entries durable) and takes its lock. */
function lockStore (env: Env, root: string): FileLock {
  const isNew = !env.fileExists(root)
  env.createDir(joinPath(root, SHARED))
  env.createDir(joinPath(root, BACKUPS))
  if (isNew) env.syncDir(dirName(root))
  env.syncDir(root)
  return env.lockFile(joinPath(root, 'LOCK'))
}

/**
 * The whole-file checksums of the tables the store's backups name. A table is reused only when a
 * readable manifest vouches for it; one only an interrupted or damaged backup left is copied again.
 */
function knownChecksums (env: Env, root: string): Map<string, number> {
  const known = new Map<string, number>()
  for (const id of listIds(env, root)) {
    let m: BackupManifest
    try {
      m = readManifest(env, root, id)
    } catch {
      continue
    }
    for (const t of m.tables) known.set(t.file, t.crc)
  }
  return known
}

/** Bytes copied between two turns of the event loop. */
const COPY_CHUNK = 256 << 10

/**
 * Copies a table into the store: temp file, synced off the event loop, renamed. The copy goes a
 * chunk at a time with a turn of the event loop between chunks, so that a concurrent writer's
 * requests are not held behind a whole table's read and write. Returns the table's CRC32C.
 */
async function copyTable (fromEnv: Env, from: string, env: Env, to: string, size: number): Promise<number> {
  const src = fromEnv.newRandomAccessFile(from)
  let crc = 0
  try {
    if (src.size !== size) throw corruption(`table is ${src.size} bytes, its MANIFEST records ${size}`, { file: from })
    const file = env.newWritableFile(to + '.tmp')
    try {
      for (let offset = 0; offset < size; offset += COPY_CHUNK) {
        const chunk = src.read(offset, Math.min(COPY_CHUNK, size - offset))
        if (chunk.length !== Math.min(COPY_CHUNK, size - offset)) {
          throw corruption(`table is shorter than the ${size} bytes its MANIFEST records`, { file: from })
        }
        crc = crc32cExtend(crc, chunk)
        file.append(chunk)
        await nextMacrotask()
      }
      await file.syncAsync()
    } finally {
      file.close()
    }
  } finally {
    src.close()
  }
  env.renameFile(to + '.tmp', to)
  return crc
}

/** Every block's checksum, then the whole file's: LEVEL_CORRUPTION naming the file if either fails. */
function checkTable (env: Env, path: string, t: BackupTable): number {
  const blocks = checkTableBlocks(env, path, t.size)
  if (crc32c(env.readFile(path)) !== t.crc) throw corruption('file checksum mismatch', { file: path })
  return blocks
}

/** Every record of a log, and what damage the reader reported. */
function readLogRecords (env: Env, path: string): { records: Uint8Array[], problems: string[] } {
  const problems: string[] = []
  const records: Uint8Array[] = []
  const file = env.newSequentialFile(path)
  try {
    const reader = new LogReader(file, {
      fileName: path,
      reporter: { corruption: (bytes, reason) => { problems.push(`${path}: ${bytes} bytes dropped (${reason})`) } }
    })
    for (let r = reader.readRecord(); r !== null; r = reader.readRecord()) records.push(r.slice())
  } finally {
    file.close()
  }
  return { records, problems }
}

function verifyOne (env: Env, root: string, id: number, checked: Map<string, { problem: string | undefined, blocks: number }>,
  onProgress: ((done: number, total: number) => void) | undefined): VerifyResult {
  const result: VerifyResult = { id, ok: false, problems: [], tablesChecked: 0, blocksChecked: 0 }
  const problem = (text: string): void => { result.problems.push(text) }
  let m: BackupManifest
  try {
    m = readManifest(env, root, id)
  } catch (err) {
    problem((err as Error).message)
    return result
  }
  try {
    const edit = VersionEdit.decode(fromHex(m.edit))
    const named = edit.newFiles.map((f) => `${f.level}:${f.file.number}:${f.file.fileSize}`).sort()
    const stored = m.tables.map((t) => `${t.level}:${t.number}:${t.size}`).sort()
    if (named.join() !== stored.join()) problem('the MANIFEST record and the table list disagree')
    if (edit.lastSequence !== m.sequence || edit.logNumber !== m.logNumber) problem('the MANIFEST record and the manifest disagree')
  } catch (err) {
    problem(`MANIFEST record: ${(err as Error).message}`)
  }
  const logPath = backupsPath(root, m.log.file)
  try {
    const bytes = env.readFile(logPath)
    if (bytes.length !== m.log.size) problem(`${logPath}: ${bytes.length} bytes, expected ${m.log.size}`)
    else if (crc32c(bytes) !== m.log.crc) problem(`${logPath}: checksum mismatch`)
    const { records, problems } = readLogRecords(env, logPath)
    for (const p of problems) problem(p)
    if (records.length !== m.log.records) problem(`${logPath}: ${records.length} records, expected ${m.log.records}`)
  } catch (err) {
    problem((err as Error).message)
  }
  for (let i = 0; i < m.tables.length; i++) {
    const t = m.tables[i]!
    let seen = checked.get(t.file)
    if (seen === undefined) {
      seen = { problem: undefined, blocks: 0 }
      try {
        seen.blocks = checkTable(env, sharedPath(root, t.file), t)
      } catch (err) {
        seen.problem = (err as Error).message
      }
      checked.set(t.file, seen)
    }
    if (seen.problem !== undefined) problem(seen.problem)
    result.tablesChecked++
    result.blocksChecked += seen.blocks
    onProgress?.(i + 1, m.tables.length)
  }
  result.ok = result.problems.length === 0
  return result
}
