// A compaction merges files of level L with the files of L+1 they overlap and writes the result to
// L+1. The VersionSet picks the inputs (version-set.ts); this file holds the picked compaction
// and the decisions made while its outputs are written.
//
// The job that merges may run on another thread, so what it needs travels as plain data: a
// CompactionSpec (structured-clone-able), from which a CompactionOutputPolicy is rebuilt there.

import { extractUserKey, type InternalKeyComparator } from '../dbformat/internal-key.js'
import { maxGrandparentOverlapBytes } from './policy.js'
import { type VersionFile, totalFileSize, type Version } from './version.js'
import { type FileMetaData, NUM_LEVELS, VersionEdit } from './version-edit.js'

export {
  L0_COMPACTION_TRIGGER, L0_SLOWDOWN_WRITES_TRIGGER, L0_STOP_WRITES_TRIGGER, MAX_MEM_COMPACT_LEVEL,
  maxBytesForLevel, maxGrandparentOverlapBytes, expandedCompactionByteSizeLimit, READ_BYTES_PERIOD
} from './policy.js'

/** Plain data (structured-clone-able, so a worker thread can receive it). */
export interface CompactionSpec {
  /** Inputs come from `level` and level+1; outputs go to level+1. */
  level: number
  inputs: [FileMetaData[], FileMetaData[]]
  /** Files of level+2 that overlap the compaction's key range. */
  grandparents: FileMetaData[]
  /** Files of levels level+2 .. NUM_LEVELS-1, each list sorted, for isBaseLevelForKey. */
  deeperLevels: FileMetaData[][]
  maxOutputFileSize: number
  /** Overlap with grandparents after which a new output file is started (10 x target size). */
  maxGrandparentOverlapBytes: number
}

/**
 * The per-job decisions made while a compaction writes its outputs. Keys must be presented in
 * increasing order: both questions keep a position that only moves forward.
 */
export class CompactionOutputPolicy {
  private readonly icmp: InternalKeyComparator
  private readonly grandparents: readonly FileMetaData[]
  private readonly deeperLevels: ReadonlyArray<readonly FileMetaData[]>
  private readonly maxOverlap: number
  /** Per deeper level: files before this one end before every key asked about so far. */
  private readonly levelPointers: number[]
  private grandparentIndex = 0
  private seenKey = false
  private overlappedBytes = 0

  constructor (spec: CompactionSpec, icmp: InternalKeyComparator) {
    this.icmp = icmp
    this.grandparents = spec.grandparents
    this.deeperLevels = spec.deeperLevels
    this.maxOverlap = spec.maxGrandparentOverlapBytes
    this.levelPointers = spec.deeperLevels.map(() => 0)
  }

  /**
   * True when no level below the output level holds `userKey` in its range, so a deletion marker
   * for it has nothing left to hide and can be dropped.
   */
  isBaseLevelForKey (userKey: Uint8Array): boolean {
    const ucmp = this.icmp.user
    for (let i = 0; i < this.deeperLevels.length; i++) {
      const files = this.deeperLevels[i]!
      let p = this.levelPointers[i]!
      while (p < files.length) {
        const f = files[p]!
        if (ucmp.compare(userKey, extractUserKey(f.largest)) <= 0) {
          if (ucmp.compare(userKey, extractUserKey(f.smallest)) >= 0) {
            this.levelPointers[i] = p
            return false
          }
          break
        }
        p++
      }
      this.levelPointers[i] = p
    }
    return true
  }

  /**
   * True when the output file being written should be finished before `internalKey`: it already
   * overlaps more than the limit of grandparent bytes, and a bigger overlap would make the later
   * compaction of this output into level+2 too expensive.
   */
  shouldStopBefore (internalKey: Uint8Array): boolean {
    const gp = this.grandparents
    while (this.grandparentIndex < gp.length && this.icmp.compare(internalKey, gp[this.grandparentIndex]!.largest) > 0) {
      // Only files passed after the first key count: the output started inside or after them.
      if (this.seenKey) this.overlappedBytes += gp[this.grandparentIndex]!.fileSize
      this.grandparentIndex++
    }
    this.seenKey = true
    if (this.overlappedBytes > this.maxOverlap) {
      this.overlappedBytes = 0
      return true
    }
    return false
  }
}

interface CompactionInit {
  icmp: InternalKeyComparator
  level: number
  inputVersion: Version
  inputs: [VersionFile[], VersionFile[]]
  grandparents: VersionFile[]
  edit: VersionEdit
  isManual: boolean
  maxOutputFileSize: number
}

/**
 * A picked compaction. It holds a reference to the Version it was picked from (its inputs stay on
 * disk while it runs) until releaseInputs().
 */
export class Compaction {
  readonly level: number
  readonly inputs: [VersionFile[], VersionFile[]]
  readonly grandparents: VersionFile[]
  /** Carries the compaction pointer; the job adds input deletions and outputs. */
  readonly edit: VersionEdit
  readonly inputVersion: Version
  readonly isManual: boolean
  readonly maxOutputFileSize: number
  private readonly icmp: InternalKeyComparator
  private released = false

  /** Takes a reference on init.inputVersion. */
  constructor (init: CompactionInit) {
    this.icmp = init.icmp
    this.level = init.level
    this.inputVersion = init.inputVersion
    this.inputs = init.inputs
    this.grandparents = init.grandparents
    this.edit = init.edit
    this.isManual = init.isManual
    this.maxOutputFileSize = init.maxOutputFileSize
    this.inputVersion.ref()
  }

  get maxGrandparentOverlapBytes (): number {
    return maxGrandparentOverlapBytes(this.maxOutputFileSize)
  }

  /**
   * True when the compaction can be done by moving its single input file down a level, with no
   * data rewritten: not manual (a manual compaction is asked to rewrite), one input at L, nothing
   * at L+1, and not so much grandparent overlap that the moved file would be costly to compact
   * later.
   */
  isTrivialMove (): boolean {
    return !this.isManual && this.inputs[0].length === 1 && this.inputs[1].length === 0 &&
      totalFileSize(this.grandparents) <= this.maxGrandparentOverlapBytes
  }

  /** Adds the removal of every input file to `edit`. */
  addInputDeletions (edit: VersionEdit): void {
    for (let which = 0; which < 2; which++) {
      for (const f of this.inputs[which]!) edit.removeFile(this.level + which, f.number)
    }
  }

  /** Total size of the inputs. */
  get inputBytes (): number {
    return totalFileSize(this.inputs[0]) + totalFileSize(this.inputs[1])
  }

  /** The compaction as plain data, for a job that may run on another thread. */
  spec (): CompactionSpec {
    const deeperLevels: FileMetaData[][] = []
    for (let level = this.level + 2; level < NUM_LEVELS; level++) {
      deeperLevels.push(this.inputVersion.files[level]!.map(plain))
    }
    return {
      level: this.level,
      inputs: [this.inputs[0].map(plain), this.inputs[1].map(plain)],
      grandparents: this.grandparents.map(plain),
      deeperLevels,
      maxOutputFileSize: this.maxOutputFileSize,
      maxGrandparentOverlapBytes: this.maxGrandparentOverlapBytes
    }
  }

  /** The output decisions for this compaction, on this thread. */
  outputPolicy (): CompactionOutputPolicy {
    return new CompactionOutputPolicy(this.spec(), this.icmp)
  }

  /** Drops the reference on the input Version. Idempotent. */
  releaseInputs (): void {
    if (this.released) return
    this.released = true
    this.inputVersion.unref()
  }
}

function plain (f: FileMetaData): FileMetaData {
  return { number: f.number, fileSize: f.fileSize, smallest: f.smallest, largest: f.largest }
}
