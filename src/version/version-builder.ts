// Applies VersionEdits to a base Version and produces the file lists of the next one. Recovery
// applies every record of a MANIFEST to one builder and builds once at the end; logAndApply
// applies one edit. Compaction pointers are not kept here: they belong to the VersionSet.

import type { InternalKeyComparator } from '../dbformat/internal-key.js'
import { internalKeyToString } from '../dbformat/internal-key.js'
import { corruption } from '../util/errors.js'
import { type VersionFile, newVersionFile } from './version.js'
import { NUM_LEVELS, type VersionEdit } from './version-edit.js'

interface LevelChanges {
  /** Numbers of files leaving the level. */
  deleted: Set<number>
  /** Files joining the level, by number (a later add of the same number replaces an earlier one). */
  added: Map<number, VersionFile>
}

export class VersionBuilder {
  private readonly icmp: InternalKeyComparator
  private readonly base: ReadonlyArray<readonly VersionFile[]>
  private readonly levels: LevelChanges[] = []

  /** `base` is the file lists of the Version the edits apply to (empty lists for recovery). */
  constructor (icmp: InternalKeyComparator, base?: ReadonlyArray<readonly VersionFile[]>) {
    this.icmp = icmp
    this.base = base ?? []
    for (let level = 0; level < NUM_LEVELS; level++) this.levels.push({ deleted: new Set(), added: new Map() })
  }

  /**
   * Records the edit's deletions, then its additions, so that an edit that moves a file (delete
   * at L, add at L+1) or re-adds one keeps it. New files get a fresh seek allowance.
   */
  apply (edit: VersionEdit): void {
    for (const { level, number } of edit.deletedFiles) {
      const changes = this.levels[level]!
      changes.deleted.add(number)
      changes.added.delete(number)
    }
    for (const { level, file } of edit.newFiles) {
      const changes = this.levels[level]!
      changes.deleted.delete(file.number)
      changes.added.set(file.number, newVersionFile(file))
    }
  }

  /**
   * The new file lists: each level's base files minus deletions, merged with the additions in
   * order. Throws LEVEL_CORRUPTION if a level >= 1 would hold overlapping files, which would make
   * reads of that level return wrong answers.
   */
  build (): VersionFile[][] {
    const out: VersionFile[][] = []
    for (let level = 0; level < NUM_LEVELS; level++) {
      const { deleted, added } = this.levels[level]!
      const baseFiles = this.base[level] ?? []
      if (deleted.size === 0 && added.size === 0) {
        out.push([...baseFiles])
        continue
      }
      const additions = [...added.values()].sort((a, b) => this.compareFiles(a, b))
      const files: VersionFile[] = []
      let b = 0
      const takeBase = (f: VersionFile): void => {
        // A number both in the base and re-added is kept once, as the addition.
        if (!deleted.has(f.number) && !added.has(f.number)) files.push(f)
      }
      for (const f of additions) {
        while (b < baseFiles.length && this.compareFiles(baseFiles[b]!, f) <= 0) takeBase(baseFiles[b++]!)
        files.push(f)
      }
      while (b < baseFiles.length) takeBase(baseFiles[b++]!)
      if (level > 0) this.checkDisjoint(level, files)
      out.push(files)
    }
    return out
  }

  /** The level order: smallest key, then file number (the tie only matters at level 0). */
  private compareFiles (a: VersionFile, b: VersionFile): number {
    return this.icmp.compare(a.smallest, b.smallest) || a.number - b.number
  }

  private checkDisjoint (level: number, files: readonly VersionFile[]): void {
    for (let i = 1; i < files.length; i++) {
      const prev = files[i - 1]!
      const f = files[i]!
      if (this.icmp.compare(prev.largest, f.smallest) >= 0) {
        throw corruption(`overlapping ranges in level ${level}: #${prev.number} ends at ` +
          `${internalKeyToString(prev.largest)}, #${f.number} starts at ${internalKeyToString(f.smallest)}`)
      }
    }
  }
}
