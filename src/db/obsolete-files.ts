// Which files of a database directory nothing can read any more (doc/engine.md, "Deleting files";
// RemoveObsoleteFiles): logs older than the MANIFEST's log number, older MANIFESTs, and tables no
// live Version names and no running job is writing. Names that are not LevelDB's — the lock's
// claim files, anything a user put there — are never candidates.
//
// A file found obsolete stays obsolete: file numbers only grow, so no later log, MANIFEST or
// table can take its name, and the live state a pass compares against is read after the listing,
// so a file a job creates meanwhile is either not listed or already counted as live. That is what
// lets the deletions themselves happen later, off the event loop (ObsoleteFileDeleter), as
// LevelDB deletes them with its mutex released.

import { type Env, joinPath } from '../env/env.js'
import { parseFileName } from '../dbformat/filename.js'
import { nextMacrotask } from '../util/macrotask.js'

export interface LiveState {
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
      case 'table': keep = state.liveTables.has(parsed.number); break
      // The temp file CURRENT is written to before its rename carries the number of the MANIFEST it
      // will name, which is newer than the current one; on an Env that creates files ahead of time
      // (OpfsEnv's prepareFiles) it exists while the MANIFEST is written, and a pass running then
      // must leave it. A leftover of a cut swap goes once a newer MANIFEST is current.
      case 'temp': keep = state.liveTables.has(parsed.number) || parsed.number >= state.manifestNumber; break
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

interface DeleterHost {
  readonly env: Env
  readonly dir: string
  /** Whether files may be deleted (not after a background error, nor once the database is closed). */
  mayDelete: () => boolean
  /** The live state, read after each listing. */
  liveState: () => LiveState
  /** Called for a table before its file is deleted (the table cache closes it). */
  evict: (table: number) => void
  /** Called after a pass with the names it deleted (none: not called). */
  onDeleted: (names: string[]) => void
  /** Called when the last scheduled pass is over. */
  onIdle: () => void
}

/**
 * Deletes obsolete files in the background: a pass lists the directory on a later turn of the
 * event loop, not inside the flush or compaction that made files obsolete, and removes the files
 * one at a time, with the Env's asynchronous removal where it has one (the file system's unlink
 * then runs on another thread), otherwise one file per turn of the event loop. Passes asked for
 * while one runs are merged into one more pass after it.
 */
export class ObsoleteFileDeleter {
  private readonly host: DeleterHost
  private running: Promise<void> | undefined
  private again = false

  constructor (host: DeleterHost) {
    this.host = host
  }

  /** Whether a pass is scheduled or running. */
  get busy (): boolean {
    return this.running !== undefined
  }

  /** Schedules a pass (or one more, if one is running). */
  schedule (): void {
    if (this.running !== undefined) {
      this.again = true
      return
    }
    this.running = this.run().finally(() => {
      this.running = undefined
      this.host.onIdle()
    })
  }

  /** Waits until no pass is scheduled or running. */
  async idle (): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  private async run (): Promise<void> {
    do {
      this.again = false
      await nextMacrotask()
      await this.pass()
    } while (this.again)
  }

  private async pass (): Promise<void> {
    const { env, dir } = this.host
    if (!this.host.mayDelete()) return
    let names: string[]
    try {
      names = env.getChildren(dir)
    } catch {
      return
    }
    const deleted: string[] = []
    for (const { name, table } of obsoleteFiles(names, this.host.liveState())) {
      if (!this.host.mayDelete()) break
      if (table !== undefined) this.host.evict(table)
      try {
        if (env.removeFileAsync !== undefined) {
          await env.removeFileAsync(joinPath(dir, name))
        } else {
          env.removeFile(joinPath(dir, name))
          await nextMacrotask()
        }
        deleted.push(name)
      } catch {
        // Left for the next pass.
      }
    }
    if (deleted.length > 0) this.host.onDeleted(deleted)
  }
}
