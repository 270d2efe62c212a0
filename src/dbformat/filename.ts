// The names of the files in a database directory (doc/dbformat.md, "File names"). Every name is
// LevelDB's, so that either engine can open a directory the other wrote; names that do not parse
// are foreign and never touched.

import { type Env, joinPath, writeFileSynced } from '../env/env.js'
import { utf8 } from '../util/coding.js'

export type FileType = 'log' | 'table' | 'manifest' | 'current' | 'lock' | 'infoLog' | 'temp'

interface ParsedFileName {
  type: FileType
  /** The file number; 0 for CURRENT, LOCK and the info logs. */
  number: number
}

function numbered (n: number): string {
  return String(n).padStart(6, '0')
}

export function logFileName (dir: string, n: number): string {
  return joinPath(dir, `${numbered(n)}.log`)
}

/** The name LevelDB writes tables under. */
export function tableFileName (dir: string, n: number): string {
  return joinPath(dir, `${numbered(n)}.ldb`)
}

/** The legacy table name, still accepted when reading. */
export function sstTableFileName (dir: string, n: number): string {
  return joinPath(dir, `${numbered(n)}.sst`)
}

export function manifestFileName (dir: string, n: number): string {
  return joinPath(dir, `MANIFEST-${numbered(n)}`)
}

export function currentFileName (dir: string): string {
  return joinPath(dir, 'CURRENT')
}

export function lockFileName (dir: string): string {
  return joinPath(dir, 'LOCK')
}

export function tempFileName (dir: string, n: number): string {
  return joinPath(dir, `${numbered(n)}.dbtmp`)
}

export function infoLogFileName (dir: string): string {
  return joinPath(dir, 'LOG')
}

export function oldInfoLogFileName (dir: string): string {
  return joinPath(dir, 'LOG.old')
}

const NUMBERED = /^(\d+)\.(log|ldb|sst|dbtmp)$/
const MANIFEST = /^MANIFEST-(\d+)$/

/**
 * Parses a directory entry's name. Returns undefined for names that are not LevelDB's, such as the
 * lock's claim files or anything a user put there: those are never deleted.
 */
export function parseFileName (name: string): ParsedFileName | undefined {
  switch (name) {
    case 'CURRENT': return { type: 'current', number: 0 }
    case 'LOCK': return { type: 'lock', number: 0 }
    case 'LOG':
    case 'LOG.old': return { type: 'infoLog', number: 0 }
  }
  let m = MANIFEST.exec(name)
  if (m !== null) return toNumber(m[1]!, 'manifest')
  m = NUMBERED.exec(name)
  if (m === null) return undefined
  switch (m[2]) {
    case 'log': return toNumber(m[1]!, 'log')
    case 'ldb':
    case 'sst': return toNumber(m[1]!, 'table')
    default: return toNumber(m[1]!, 'temp')
  }
}

function toNumber (digits: string, type: FileType): ParsedFileName | undefined {
  const number = Number(digits)
  // Numbers past 2^53 cannot be represented exactly; such a name is not one Shale could have made.
  return Number.isSafeInteger(number) ? { type, number } : undefined
}

/**
 * Points CURRENT at MANIFEST-<manifestNumber> crash-safely (README contract 5): the new
 * contents go to a temp file that is synced, renamed over CURRENT, and the directory is synced so
 * that the rename itself survives power loss. A failure leaves the old CURRENT in place.
 */
export function setCurrentFile (env: Env, dir: string, manifestNumber: number): void {
  const tmp = tempFileName(dir, manifestNumber)
  const contents = utf8(`MANIFEST-${numbered(manifestNumber)}\n`)
  try {
    writeFileSynced(env, tmp, contents)
    env.renameFile(tmp, currentFileName(dir))
  } catch (err) {
    try { env.removeFile(tmp) } catch { /* the temp file may not exist */ }
    throw err
  }
  env.syncDir(dir)
}
