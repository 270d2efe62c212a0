// A Version is one state of the level tree: which table files make up the database, level by
// level. Versions never change once built; a flush or compaction builds a new one from the old
// one plus a VersionEdit. Readers (gets, iterators, compactions) hold a reference to the Version
// they started with, so the files they read stay named by a live Version, and therefore on disk,
// however many newer Versions have been installed since (doc/version.md).

import { type InternalKeyComparator, type LookupKey, MAX_SEQUENCE, makeInternalKey, parseInternalKey, TAG_SIZE,
  ValueType, VALUE_TYPE_FOR_SEEK, escapeBytes, extractUserKey, internalKeyToString } from '../dbformat/internal-key.js'
import { tableFileName } from '../dbformat/filename.js'
import { DELETED } from '../memtable/memtable.js'
import { corruption } from '../util/errors.js'
import type { InternalIterator } from '../util/iterator.js'
import { ErrorIterator, findFile, newConcatenatingIterator } from './level-iterator.js'
import {
  allowedSeeksFor, L0_COMPACTION_TRIGGER, MAX_MEM_COMPACT_LEVEL, maxBytesForLevel, maxGrandparentOverlapBytes
} from './policy.js'
import { copyBytes } from '../util/byte-pool.js'
import type { TableCache, TableCacheReadOptions } from './table-cache.js'
import { type FileMetaData, NUM_LEVELS } from './version-edit.js'

export { findFile } from './level-iterator.js'

/** Where the user key of a file's bound (an internal key) ends; throws on a key shorter than a tag. */
function userKeyEnd (ikey: Uint8Array): number {
  const n = ikey.length - TAG_SIZE
  if (n < 0) throw corruption('corrupted key')
  return n
}

/** A table file in a Version. The same object is shared by every Version that holds the file. */
export interface VersionFile extends FileMetaData {
  /** Seeks this file may still waste before it is picked for compaction. */
  allowedSeeks: number
}

export function newVersionFile (f: FileMetaData): VersionFile {
  return { number: f.number, fileSize: f.fileSize, smallest: f.smallest, largest: f.largest, allowedSeeks: allowedSeeksFor(f.fileSize) }
}

/** Which file a get() should be charged a seek for (the first of several files read). */
export interface GetStats {
  seekFile: VersionFile | undefined
  seekFileLevel: number
}

/** What a Version needs from the VersionSet that made it. */
export interface VersionContext {
  /** The database directory, for naming files in errors. */
  location: string
  icmp: InternalKeyComparator
  tableCache: TableCache
  /** Target table size; bounds the grandparent overlap of a memtable pushed below level 0. */
  maxFileSize: number
  /** Called once when the reference count drops to zero. */
  onUnreferenced?: (v: Version) => void
}

/** Sum of the sizes of `files`. */
export function totalFileSize (files: readonly FileMetaData[]): number {
  let sum = 0
  for (const f of files) sum += f.fileSize
  return sum
}

/**
 * Whether some file of `files` holds user keys in [smallestUserKey, largestUserKey] (undefined: no
 * bound on that side). With `disjointSortedFiles` (levels >= 1) a binary search finds the only
 * candidate; otherwise (level 0) every file is checked.
 */
export function someFileOverlapsRange (icmp: InternalKeyComparator, disjointSortedFiles: boolean,
  files: readonly FileMetaData[], smallestUserKey?: Uint8Array, largestUserKey?: Uint8Array): boolean {
  const ucmp = icmp.user
  const endsBefore = (f: FileMetaData): boolean =>
    smallestUserKey !== undefined && ucmp.compare(smallestUserKey, extractUserKey(f.largest)) > 0
  const startsAfter = (f: FileMetaData): boolean =>
    largestUserKey !== undefined && ucmp.compare(largestUserKey, extractUserKey(f.smallest)) < 0
  if (!disjointSortedFiles) {
    for (const f of files) if (!endsBefore(f) && !startsAfter(f)) return true
    return false
  }
  let index = 0
  if (smallestUserKey !== undefined) {
    // The earliest internal key of smallestUserKey: the first file that could hold it.
    index = findFile(icmp, files, makeInternalKey(smallestUserKey, MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK))
  }
  if (index >= files.length) return false
  return !startsAfter(files[index]!)
}

const enum Lookup { NotFound, Found, Deleted }

export class Version {
  /** NUM_LEVELS lists. Level 0 sorted by (smallest key, number); others sorted and disjoint. */
  readonly files: ReadonlyArray<readonly VersionFile[]>
  /** Best compaction score over levels 0..NUM_LEVELS-2; >= 1 means a compaction is wanted. */
  compactionScore = -1
  compactionLevel = -1
  /** A file that wasted its allowed seeks, and its level (seek-triggered compaction). */
  fileToCompact: VersionFile | undefined = undefined
  fileToCompactLevel = -1

  private readonly ctx: VersionContext
  private refs = 0

  constructor (ctx: VersionContext, files?: ReadonlyArray<readonly VersionFile[]>) {
    this.ctx = ctx
    const levels: VersionFile[][] = []
    for (let level = 0; level < NUM_LEVELS; level++) levels.push([...(files?.[level] ?? [])])
    this.files = levels
  }

  get refCount (): number {
    return this.refs
  }

  ref (): void {
    this.refs++
  }

  /** Drops a reference; at zero the Version leaves the VersionSet and its files may be deleted. */
  unref (): void {
    if (this.refs <= 0) throw new Error('Version.unref called more times than ref')
    if (--this.refs === 0) this.ctx.onUnreferenced?.(this)
  }

  numFiles (level: number): number {
    return this.files[level]!.length
  }

  levelBytes (level: number): number {
    return totalFileSize(this.files[level]!)
  }

  /**
   * Sets compactionScore/compactionLevel: level 0 by file count (many small files each cost a
   * seek on every read, whatever their size), other levels by bytes against their budget. The
   * last level is never a compaction source.
   */
  computeCompactionScore (): void {
    let bestLevel = -1
    let bestScore = -1
    for (let level = 0; level < NUM_LEVELS - 1; level++) {
      const score = level === 0
        ? this.files[0]!.length / L0_COMPACTION_TRIGGER
        : this.levelBytes(level) / maxBytesForLevel(level)
      if (score > bestScore) {
        bestScore = score
        bestLevel = level
      }
    }
    this.compactionScore = bestScore
    this.compactionLevel = bestLevel
  }

  /**
   * Looks the key up in the tables: level-0 files holding the user key newest first, then at most
   * one file per deeper level. Stops at the first entry for the user key, a value (returned as a
   * copy) or a deletion (DELETED). If more than one file was read, `stats` names the first one,
   * which would have been worth compacting away.
   */
  get (key: LookupKey, stats: GetStats, options: TableCacheReadOptions = {}): Uint8Array | typeof DELETED | undefined {
    const ikey = key.internalKey()
    const userEnd = ikey.length - TAG_SIZE
    const icmp = this.ctx.icmp
    const readOptions = { fillCache: options.fillCache ?? true, cachedOnly: options.cachedOnly ?? false }
    stats.seekFile = undefined
    stats.seekFileLevel = -1
    let lastRead: VersionFile | undefined
    let lastReadLevel = -1
    // Set by the handler; the cast keeps TypeScript from narrowing it to its initial value.
    let state = Lookup.NotFound as Lookup
    let value: Uint8Array | undefined

    // The found key is compared and its type read in place: no parsed key, no view of it.
    const handler = (foundKey: Uint8Array, foundValue: Uint8Array): void => {
      const n = foundKey.length - TAG_SIZE
      const type = n >= 0 ? foundKey[n]! : -1
      if (type !== ValueType.Value && type !== ValueType.Deletion) {
        throw corruption(`corrupted key for '${escapeBytes(key.userKey())}'`, { file: tableFileName(this.ctx.location, lastRead?.number ?? 0) })
      }
      if (icmp.compareUserAt(foundKey, 0, n, ikey, 0, userEnd) !== 0) return
      if (type === ValueType.Value) {
        state = Lookup.Found
        // A copy the caller owns (from the shared pool: doc/performance.md, "Read path").
        value = copyBytes(foundValue)
      } else {
        state = Lookup.Deleted
      }
    }

    this.forEachOverlapping(ikey, (f, level) => {
      if (lastRead !== undefined && stats.seekFile === undefined) {
        // A second file is being read for this key: charge the first one.
        stats.seekFile = lastRead
        stats.seekFileLevel = lastReadLevel
      }
      lastRead = f
      lastReadLevel = level
      this.ctx.tableCache.get(f.number, f.fileSize, ikey, handler, readOptions)
      return state === Lookup.NotFound
    })
    if (state === Lookup.Found) return value
    if (state === Lookup.Deleted) return DELETED
    return undefined
  }

  /**
   * Charges the seek recorded by get(). Returns true when the file has used up its allowance and
   * becomes this Version's seek-compaction candidate (schedule a compaction then).
   */
  updateStats (stats: GetStats): boolean {
    const f = stats.seekFile
    if (f === undefined) return false
    f.allowedSeeks--
    if (f.allowedSeeks <= 0 && this.fileToCompact === undefined) {
      this.fileToCompact = f
      this.fileToCompactLevel = stats.seekFileLevel
      return true
    }
    return false
  }

  /**
   * Read sampling (called by iterators about once per READ_BYTES_PERIOD bytes read): if at least
   * two files hold the sampled key, a get of it would have read more than one file, so the first
   * is charged a seek as get() would have. Returns true if a compaction should be scheduled.
   */
  recordReadSample (internalKey: Uint8Array): boolean {
    try {
      parseInternalKey(internalKey)
    } catch {
      return false
    }
    const stats: GetStats = { seekFile: undefined, seekFileLevel: -1 }
    let matches = 0
    this.forEachOverlapping(internalKey, (file, level) => {
      if (++matches === 1) {
        stats.seekFile = file
        stats.seekFileLevel = level
      }
      return matches < 2
    })
    return matches >= 2 ? this.updateStats(stats) : false
  }

  /**
   * Appends iterators that together yield every entry of this Version's tables: one per level-0
   * file (they may overlap) and one concatenating iterator per non-empty deeper level, which opens
   * its tables only as it reaches them. The caller merges them and must keep this Version
   * referenced until it closes them.
   */
  addIterators (out: InternalIterator[], options: TableCacheReadOptions = {}): void {
    const tableCache = this.ctx.tableCache
    const readOptions = { fillCache: options.fillCache ?? true }
    for (const f of this.files[0]!) {
      try {
        out.push(tableCache.newIterator(f.number, f.fileSize, readOptions))
      } catch (err) {
        out.push(new ErrorIterator(err))
      }
    }
    for (let level = 1; level < NUM_LEVELS; level++) {
      const files = this.files[level]!
      if (files.length === 0) continue
      out.push(newConcatenatingIterator(this.ctx.icmp, files,
        (fileNumber, fileSize) => tableCache.newIterator(fileNumber, fileSize, readOptions)))
    }
  }

  /** Whether some file at `level` holds user keys in [smallest, largest] (undefined: unbounded). */
  overlapInLevel (level: number, smallestUserKey: Uint8Array | undefined, largestUserKey: Uint8Array | undefined): boolean {
    return someFileOverlapsRange(this.ctx.icmp, level > 0, this.files[level]!, smallestUserKey, largestUserKey)
  }

  /**
   * The files at `level` whose user-key range meets that of [begin, end] (internal keys;
   * undefined: unbounded). At level 0 the range grows to cover every file taken, and the search
   * starts over, since level-0 files may overlap each other: a file that overlaps a taken file
   * must be compacted with it, or an older value could end up below a newer one.
   */
  getOverlappingInputs (level: number, begin: Uint8Array | undefined, end: Uint8Array | undefined): VersionFile[] {
    const ucmp = this.ctx.icmp.user
    let userBegin = begin === undefined ? undefined : extractUserKey(begin)
    let userEnd = end === undefined ? undefined : extractUserKey(end)
    const files = this.files[level]!
    const out: VersionFile[] = []
    for (let i = 0; i < files.length;) {
      const f = files[i++]!
      const fileStart = extractUserKey(f.smallest)
      const fileLimit = extractUserKey(f.largest)
      if (userBegin !== undefined && ucmp.compare(fileLimit, userBegin) < 0) continue
      if (userEnd !== undefined && ucmp.compare(fileStart, userEnd) > 0) continue
      out.push(f)
      if (level !== 0) continue
      if (userBegin !== undefined && ucmp.compare(fileStart, userBegin) < 0) {
        userBegin = fileStart
        out.length = 0
        i = 0
      } else if (userEnd !== undefined && ucmp.compare(fileLimit, userEnd) > 0) {
        userEnd = fileLimit
        out.length = 0
        i = 0
      }
    }
    return out
  }

  /**
   * The level a new table holding [smallest, largest] should be written to: level 0 if it
   * overlaps level 0; otherwise as deep as MAX_MEM_COMPACT_LEVEL while the next level has no
   * overlap and the level after it is not overlapped by more than the grandparent limit.
   */
  pickLevelForMemTableOutput (smallestUserKey: Uint8Array, largestUserKey: Uint8Array): number {
    let level = 0
    if (this.overlapInLevel(0, smallestUserKey, largestUserKey)) return level
    const start = makeInternalKey(smallestUserKey, MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK)
    const limit = makeInternalKey(largestUserKey, 0, ValueType.Deletion)
    const limitBytes = maxGrandparentOverlapBytes(this.ctx.maxFileSize)
    while (level < MAX_MEM_COMPACT_LEVEL) {
      if (this.overlapInLevel(level + 1, smallestUserKey, largestUserKey)) break
      if (level + 2 < NUM_LEVELS) {
        if (totalFileSize(this.getOverlappingInputs(level + 2, start, limit)) > limitBytes) break
      }
      level++
    }
    return level
  }

  /** Every file of every level, as "--- level N ---" sections of "number:size[smallest .. largest]". */
  toString (): string {
    let s = ''
    for (let level = 0; level < NUM_LEVELS; level++) {
      s += `--- level ${level} ---\n`
      for (const f of this.files[level]!) {
        s += ` ${f.number}:${f.fileSize}[${internalKeyToString(f.smallest)} .. ${internalKeyToString(f.largest)}]\n`
      }
    }
    return s
  }

  /**
   * Calls `visit` for the files that may hold `userKey`, in the order a read must consult them:
   * level-0 files whose range holds it, newest (highest number) first, then the one candidate of
   * each deeper level. Stops when `visit` returns false.
   */
  private forEachOverlapping (ikey: Uint8Array, visit: (f: VersionFile, level: number) => boolean): void {
    // User keys are compared in place (compareUserAt), without a view of each key.
    const icmp = this.ctx.icmp
    const userEnd = ikey.length - TAG_SIZE
    const files0 = this.files[0]!
    if (files0.length > 0) {
      const level0: VersionFile[] = []
      for (const f of files0) {
        const s = f.smallest
        const l = f.largest
        if (icmp.compareUserAt(ikey, 0, userEnd, s, 0, userKeyEnd(s)) >= 0 && icmp.compareUserAt(ikey, 0, userEnd, l, 0, userKeyEnd(l)) <= 0) {
          level0.push(f)
        }
      }
      if (level0.length > 1) level0.sort((a, b) => b.number - a.number)
      for (const f of level0) if (!visit(f, 0)) return
    }
    for (let level = 1; level < NUM_LEVELS; level++) {
      const files = this.files[level]!
      if (files.length === 0) continue
      const index = findFile(icmp, files, ikey)
      if (index >= files.length) continue
      const f = files[index]!
      // The first file whose largest key is >= ikey may still start after the user key.
      if (icmp.compareUserAt(ikey, 0, userEnd, f.smallest, 0, userKeyEnd(f.smallest)) < 0) continue
      if (!visit(f, level)) return
    }
  }
}
