// The on-disk layout of a backup store (doc/backup.md, "The backup store"):
//
//   <root>/LOCK                               held by create and purge, so two never interleave
//   <root>/shared/<number>_<size>_<crc>.ldb   each table once, shared by every backup naming it
//   <root>/backups/<id>.log                   a backup's memtable entries, in the log format
//   <root>/backups/<id>.json                  a backup's manifest: written last, so it exists
//                                             only when everything it names is durable
//
// A table's name carries its number, its size and the CRC32C of its last (up to) 64 KiB, which
// hold its index block, filter and footer: two databases' tables, or a number reused after a
// restore, get different names unless they are the same bytes where it counts.

import { type Env, joinPath } from '../env/env.js'
import { crc32c } from '../util/crc32c.js'
import { fromUtf8, utf8 } from '../util/coding.js'
import { corruption } from '../util/errors.js'

export const SHARED = 'shared'
export const BACKUPS = 'backups'
const FORMAT = 'shale-backup/1'
/** Bytes at a table's end whose CRC names it. */
const NAME_TAIL_BYTES = 64 << 10

export interface BackupTable {
  level: number
  number: number
  size: number
  /** The file's name under shared/. */
  file: string
  /**
   * CRC32C of the whole file. Block checksums cover every byte of a table but the footer's
   * padding; this covers those too.
   */
  crc: number
}

/** A backup's manifest, stored as JSON with a CRC32C of its own text. */
export interface BackupManifest {
  format: typeof FORMAT
  id: number
  /** ISO time the backup was taken. */
  createdAt: string
  /** The backup holds every write up to this sequence and nothing later. */
  sequence: number
  comparator: string
  /** The restored database's log number; its MANIFEST is numbered one above. */
  logNumber: number
  /** The restored database's MANIFEST record (a VersionEdit), hex. */
  edit: string
  tables: BackupTable[]
  /** backups/<id>.log: the memtable entries, one WriteBatch per log record. */
  log: { file: string, size: number, records: number, crc: number }
  /** Bytes this backup added to the store (tables not already there, its log and manifest). */
  bytesAdded: number
}

export function manifestName (id: number): string {
  return `${String(id).padStart(6, '0')}.json`
}

export function logName (id: number): string {
  return `${String(id).padStart(6, '0')}.log`
}

export function sharedPath (root: string, file: string): string {
  return joinPath(joinPath(root, SHARED), file)
}

export function backupsPath (root: string, file: string): string {
  return joinPath(joinPath(root, BACKUPS), file)
}

/** The shared/ name of a table: number, size and the CRC of its tail. */
export function sharedTableName (env: Env, path: string, number: number, size: number): string {
  const file = env.newRandomAccessFile(path)
  try {
    const length = Math.min(size, NAME_TAIL_BYTES)
    const tail = file.read(size - length, length)
    if (tail.length !== length) throw corruption(`table is shorter than the ${size} bytes its MANIFEST records`, { file: path })
    return `${String(number).padStart(6, '0')}_${size}_${crc32c(tail).toString(16).padStart(8, '0')}.ldb`
  } finally {
    file.close()
  }
}

/** The ids of the backups whose manifest exists, ascending. */
export function listIds (env: Env, root: string): number[] {
  let names: string[]
  try {
    names = env.getChildren(joinPath(root, BACKUPS))
  } catch {
    return []
  }
  const ids: number[] = []
  for (const name of names) {
    const m = /^(\d+)\.json$/.exec(name)
    if (m !== null) ids.push(Number(m[1]))
  }
  return ids.sort((a, b) => a - b)
}

export function encodeManifest (m: BackupManifest): Uint8Array {
  const body = JSON.stringify(m)
  return utf8(`{"checksum":${crc32c(utf8(body))},"manifest":${body}}\n`)
}

/** Reads and checks a backup's manifest: LEVEL_CORRUPTION if it is damaged. */
export function readManifest (env: Env, root: string, id: number): BackupManifest {
  const path = backupsPath(root, manifestName(id))
  const text = fromUtf8(env.readFile(path))
  const m = /^\{"checksum":(\d+),"manifest":(.*)\}\n$/s.exec(text)
  if (m === null) throw corruption('not a backup manifest', { file: path })
  if (crc32c(utf8(m[2]!)) !== Number(m[1])) throw corruption('backup manifest checksum mismatch', { file: path })
  let parsed: BackupManifest
  try {
    parsed = JSON.parse(m[2]!) as BackupManifest
  } catch (err) {
    throw corruption('backup manifest is not JSON', { file: path, cause: err })
  }
  if (parsed.format !== FORMAT || parsed.id !== id) throw corruption(`backup manifest is not ${FORMAT} for backup ${id}`, { file: path })
  return parsed
}
