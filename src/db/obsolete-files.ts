// Which files of a database directory nothing can read any more (doc/engine.md, "Deleting files";
// RemoveObsoleteFiles): logs older than the MANIFEST's log number, older MANIFESTs, and tables no
// live Version names and no running job is writing. Names that are not LevelDB's — the lock's
// claim files, anything a user put there — are never candidates.

import { type Env, joinPath } from '../env/env.js'
import { parseFileName } from '../dbformat/filename.js'

interface LiveState {
  /** Every table number named by a live Version or being written by a job. */
  liveTables: ReadonlySet<number>
  logNumber: number
  prevLogNumber: number
  manifestNumber: number
}

/** The names (not paths) in `dir` that may be deleted, with the table numbers among them. */
export function obsoleteFiles (names: readonly string[], state: LiveState): Array<{ name: string, table?: number }> {
  const out: Array<{ name: string, table?: number }> = []
  for (const name of names) {
    const parsed = parseFileName(name)
    if (parsed === undefined) continue
    let keep: boolean
    switch (parsed.type) {
      case 'log': keep = parsed.number >= state.logNumber || parsed.number === state.prevLogNumber; break
      case 'manifest': keep = parsed.number >= state.manifestNumber; break
      case 'table':
      case 'temp': keep = state.liveTables.has(parsed.number); break
      default: keep = true
    }
    if (!keep) out.push(parsed.type === 'table' ? { name, table: parsed.number } : { name })
  }
  return out
}

/**
 * Deletes the obsolete files of `dir`, calling `evict` for each table first, and returns the names
 * deleted. Failures are left for the next pass: a file that could not be deleted is still
 * obsolete next time.
 */
export function deleteObsoleteFiles (env: Env, dir: string, state: LiveState, evict: (table: number) => void): string[] {
  let names: string[]
  try {
    names = env.getChildren(dir)
  } catch {
    return []
  }
  const deleted: string[] = []
  for (const { name, table } of obsoleteFiles(names, state)) {
    if (table !== undefined) evict(table)
    try {
      env.removeFile(joinPath(dir, name))
      deleted.push(name)
    } catch {
      // Left for the next pass.
    }
  }
  return deleted
}
