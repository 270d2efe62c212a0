// The pieces of a read-only open (doc/engine.md, "Read-only open") that are not the engine's
// state: the error writes fail with, and the stamp that tells whether a writer changed the
// database while the open was reading it.

import { type Env, joinPath, systemErrorCode } from '../env/env.js'
import { currentFileName, parseFileName } from '../dbformat/filename.js'
import { fromUtf8 } from '../util/coding.js'
import { ShaleError } from '../util/errors.js'

/** Attempts a read-only open makes before giving up on a database that keeps changing. */
export const READ_ONLY_ATTEMPTS = 10

/** The pause before attempt `attempt` (from 2): short, doubling, at most 100 ms. */
export function retryPauseMs (attempt: number): number {
  return Math.min(100, 2 ** (attempt - 1))
}

/** What every write to a database opened read-only fails with: abstract-level's LEVEL_READONLY. */
export function readOnlyError (operation: string): ShaleError {
  return new ShaleError('LEVEL_READONLY', `cannot ${operation}: the database was opened read-only`)
}

/**
 * The MANIFEST that CURRENT names and its size. A writer changes one or the other with every
 * VersionEdit (an append, or a new MANIFEST and a new CURRENT), and deletes a log or a table only
 * after the edit that retires it: so when the stamp taken before reading the database equals the
 * one taken after, nothing that was read can have been deleted meanwhile. A file that cannot be
 * read gives a stamp naming the error, so that a lasting error compares equal and is reported.
 */
export function manifestStamp (env: Env, dbname: string): string {
  let name: string
  try {
    const text = fromUtf8(env.readFile(currentFileName(dbname)))
    name = text.endsWith('\n') ? text.slice(0, -1) : text
  } catch (err) {
    return `CURRENT unreadable: ${systemErrorCode(err) ?? String(err)}`
  }
  if (parseFileName(name)?.type !== 'manifest') return `CURRENT names ${JSON.stringify(name)}`
  try {
    return `${name} ${env.getFileSize(joinPath(dbname, name))}`
  } catch (err) {
    return `${name} unreadable: ${systemErrorCode(err) ?? String(err)}`
  }
}
