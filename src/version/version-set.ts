// The VersionSet owns the database's set of live table files: the current Version, every older
// Version still referenced, the MANIFEST that records how the current one came about, and the
// counters (next file number, last sequence, log numbers) recovery needs (doc/version.md).
//
// The rule everything else relies on: a change to the file set is a VersionEdit appended to the
// MANIFEST and synced before the new Version is installed, and CURRENT names a new MANIFEST only
// once that MANIFEST is complete and synced. A crash at any point therefore leaves a MANIFEST
// that replays to the state before or after each edit, never anything in between.

import type { Env, SequentialFile, WritableFile } from '../env/env.js'
import { isNotFound, joinPath } from '../env/env.js'
import { currentFileName, manifestFileName, parseFileName, setCurrentFile, tempFileName } from '../dbformat/filename.js'
import { extractUserKey, type InternalKeyComparator } from '../dbformat/internal-key.js'
import { LogReader } from '../log/reader.js'
import { LogWriter } from '../log/writer.js'
import { fromUtf8 } from '../util/coding.js'
import { corruption, invalidArgument, type ShaleError, withFile } from '../util/errors.js'
import { Compaction } from './compaction.js'
import { expandedCompactionByteSizeLimit } from './policy.js'
import type { TableCache } from './table-cache.js'
import { type VersionFile, totalFileSize, Version, type VersionContext } from './version.js'
import { VersionBuilder } from './version-builder.js'
import { NUM_LEVELS, VersionEdit } from './version-edit.js'

export interface VersionSetOptions {
  env: Env
  location: string
  icmp: InternalKeyComparator
  tableCache: TableCache
  /** Target size of compaction outputs; scales the grandparent and expansion limits. */
  maxFileSize: number
  /** A MANIFEST larger than this is replaced by a fresh snapshot at the next edit. */
  maxManifestFileSize: number
  paranoidChecks?: boolean
  /**
   * Told when a MANIFEST has been started and CURRENT names it: its number, the bytes of its
   * snapshot, and the MANIFEST it replaced (the one read at open, or one past the size limit)
   * with that one's size when it was being appended to. For the database's info log.
   */
  onManifestStarted?: (number: number, snapshotBytes: number, previous: { number: number, bytes: number | undefined }) => void
}

/** The MANIFEST being appended to. */
interface Descriptor {
  number: number
  file: WritableFile
  writer: LogWriter
  /** Bytes taken by the snapshot record the MANIFEST starts with. */
  snapshotSize: number
}

export class VersionSet {
  private readonly env: Env
  private readonly location: string
  private readonly icmp: InternalKeyComparator
  private readonly options: VersionSetOptions
  private readonly ctx: VersionContext
  private currentVersion: Version
  /** Every Version with a reference (the current one included). */
  private readonly live = new Set<Version>()
  /** Per level, where the next size compaction of that level starts (an internal key). */
  private readonly compactPointers: Array<Uint8Array | undefined> = new Array(NUM_LEVELS).fill(undefined)

  private nextFile = 2
  private manifestNumber = 0
  /** The number set aside at recovery for the first MANIFEST written after it. */
  private reservedManifestNumber: number | undefined = undefined
  private logFileNumber = 0
  private prevLogFileNumber = 0
  lastSequence = 0

  private descriptor: Descriptor | undefined = undefined
  /** Tail of the queue that serializes logAndApply calls. */
  private applying: Promise<void> = Promise.resolve()
  /**
   * Files added by edits whose logAndApply failed. Such an edit may have reached a MANIFEST that
   * CURRENT names on disk, so its files stay live until a later logAndApply succeeds (which always
   * writes a fresh MANIFEST that supersedes it).
   */
  private readonly unconfirmedFiles = new Set<number>()

  constructor (options: VersionSetOptions) {
    this.options = options
    this.env = options.env
    this.location = options.location
    this.icmp = options.icmp
    this.ctx = {
      location: options.location,
      icmp: options.icmp,
      tableCache: options.tableCache,
      maxFileSize: options.maxFileSize,
      onUnreferenced: (v) => { this.live.delete(v) }
    }
    this.currentVersion = new Version(this.ctx)
    this.currentVersion.computeCompactionScore()
    this.install(this.currentVersion)
  }

  get current (): Version {
    return this.currentVersion
  }

  get logNumber (): number {
    return this.logFileNumber
  }

  get prevLogNumber (): number {
    return this.prevLogFileNumber
  }

  /**
   * The number of the MANIFEST that CURRENT names, as far as this process knows: after recover()
   * the one read, after a logAndApply that started a new MANIFEST that one. (LevelDB reports the
   * number the next MANIFEST will take after recovery; reporting the one in use instead means a
   * cleanup that keeps MANIFESTs numbered >= this can never delete the one CURRENT names.)
   */
  get manifestFileNumber (): number {
    return this.manifestNumber
  }

  get nextFileNumber (): number {
    return this.nextFile
  }

  /** Live Versions (for tests and diagnostics). */
  get liveVersionCount (): number {
    return this.live.size
  }

  /** Where the next size compaction of `level` starts, if set. */
  compactPointer (level: number): Uint8Array | undefined {
    return this.compactPointers[level]
  }

  newFileNumber (): number {
    return this.nextFile++
  }

  /** Gives back `n` if it was the last number handed out (its file was never created). */
  reuseFileNumber (n: number): void {
    if (this.nextFile === n + 1) this.nextFile = n
  }

  /** Makes sure `n` is never handed out again. */
  markFileNumberUsed (n: number): void {
    if (this.nextFile <= n) this.nextFile = n + 1
  }

  // ---------------------------------------------------------------------------------------------
  // Creating and recovering

  /**
   * Writes a brand-new database's first MANIFEST (MANIFEST-000001: comparator, log number 0, next
   * file 2, last sequence 0), syncs it and points CURRENT at it (which syncs the directory).
   * Unlike LevelDB 1.20, the MANIFEST is synced before CURRENT names it (google/leveldb#189).
   */
  static async createNewPrepared (env: Env, location: string, icmp: InternalKeyComparator): Promise<void> {
    if (env.prepareFiles !== undefined) await env.prepareFiles([manifestFileName(location, 1), tempFileName(location, 1)])
    VersionSet.createNew(env, location, icmp)
    // An Env that renames in the background (OpfsEnv): CURRENT names the MANIFEST before the open goes on.
    if (env.settle !== undefined) await env.settle()
  }

  /** createNew for an Env that creates files synchronously (no prepareFiles). */
  static createNew (env: Env, location: string, icmp: InternalKeyComparator): void {
    const edit = new VersionEdit()
    edit.comparatorName = icmp.user.name
    edit.logNumber = 0
    edit.nextFileNumber = 2
    edit.lastSequence = 0
    const name = manifestFileName(location, 1)
    try {
      const file = env.newWritableFile(name)
      try {
        new LogWriter(file).addRecord(edit.encode())
        file.sync()
      } finally {
        file.close()
      }
    } catch (err) {
      try { env.removeFile(name) } catch { /* it may not exist */ }
      throw err
    }
    // Not inside the cleanup above: once the rename has happened CURRENT may name the MANIFEST
    // (for example when only the directory sync after it failed), so it must stay. A MANIFEST
    // that CURRENT never came to name is harmless: the next creation overwrites it.
    setCurrentFile(env, location, 1)
  }

  /**
   * Reads CURRENT and replays the MANIFEST it names into the current Version. Fails with
   * LEVEL_CORRUPTION on a malformed CURRENT, a missing MANIFEST, any damage the log reader reports
   * (even a torn record is refused unless it is the file's tail, which the reader treats as the
   * end), a bad edit, missing required fields, or overlapping files in a level >= 1; with
   * LEVEL_INVALID_ARGUMENT when the MANIFEST was written under another comparator.
   */
  recover (): void {
    const currentName = currentFileName(this.location)
    const text = fromUtf8(this.env.readFile(currentName))
    if (text.length === 0 || !text.endsWith('\n')) {
      throw corruption('CURRENT file does not end with newline', { file: currentName })
    }
    const manifestName = text.slice(0, -1)
    const parsed = parseFileName(manifestName)
    // Only a MANIFEST-<digits> name: anything else (a path, garbage) must not be opened.
    if (parsed === undefined || parsed.type !== 'manifest') {
      throw corruption(`CURRENT names an invalid MANIFEST file: ${JSON.stringify(manifestName)}`, { file: currentName })
    }
    const manifestPath = joinPath(this.location, manifestName)

    let source: SequentialFile
    try {
      source = this.env.newSequentialFile(manifestPath)
    } catch (err) {
      if (isNotFound(err)) throw corruption('CURRENT points to a non-existent file', { file: manifestPath, cause: err })
      throw err
    }

    const builder = new VersionBuilder(this.icmp)
    const pointers: Array<Uint8Array | undefined> = new Array(NUM_LEVELS).fill(undefined)
    let logNumber: number | undefined
    let prevLogNumber: number | undefined
    let nextFileNumber: number | undefined
    let lastSequence: number | undefined
    let damage: ShaleError | undefined
    try {
      const reader = new LogReader(source, {
        fileName: manifestPath,
        reporter: { corruption: (_bytes, _reason, error) => { damage ??= error } }
      })
      for (;;) {
        const record = reader.readRecord()
        if (damage !== undefined) throw damage
        if (record === null) break
        let edit: VersionEdit
        try {
          edit = VersionEdit.decode(record)
        } catch (err) {
          throw withFile(err, manifestPath, reader.lastRecordOffset)
        }
        if (edit.comparatorName !== undefined && edit.comparatorName !== this.icmp.user.name) {
          throw invalidArgument(`${edit.comparatorName} does not match existing comparator ${this.icmp.user.name}`,
            { file: manifestPath })
        }
        builder.apply(edit)
        for (const { level, key } of edit.compactPointers) pointers[level] = key
        if (edit.logNumber !== undefined) logNumber = edit.logNumber
        if (edit.prevLogNumber !== undefined) prevLogNumber = edit.prevLogNumber
        if (edit.nextFileNumber !== undefined) nextFileNumber = edit.nextFileNumber
        if (edit.lastSequence !== undefined) lastSequence = edit.lastSequence
      }
    } finally {
      try { source.close() } catch { /* read-only */ }
    }

    if (nextFileNumber === undefined) throw corruption('no meta-nextfile entry in descriptor', { file: manifestPath })
    if (logNumber === undefined) throw corruption('no meta-lognumber entry in descriptor', { file: manifestPath })
    if (lastSequence === undefined) throw corruption('no last-sequence-number entry in descriptor', { file: manifestPath })
    prevLogNumber ??= 0

    let files: VersionFile[][]
    try {
      files = builder.build()
    } catch (err) {
      throw withFile(err, manifestPath)
    }
    const v = new Version(this.ctx, files)
    v.computeCompactionScore()

    // Commit: nothing above changed this set.
    this.closeDescriptor()
    this.unconfirmedFiles.clear()
    this.install(v)
    for (let level = 0; level < NUM_LEVELS; level++) this.compactPointers[level] = pointers[level]
    this.nextFile = nextFileNumber
    // A consistent MANIFEST's next file number exceeds every number it names; a damaged one must
    // still never lead to a number being handed out twice.
    this.markFileNumberUsed(parsed.number)
    this.markFileNumberUsed(logNumber)
    this.markFileNumberUsed(prevLogNumber)
    for (const level of files) for (const f of level) this.markFileNumberUsed(f.number)
    this.manifestNumber = parsed.number
    // The next MANIFEST takes the old next-file number, as in LevelDB (a database created
    // with MANIFEST-000001 and reopened writes MANIFEST-000004 next, doc/version.md).
    this.reservedManifestNumber = this.newFileNumber()
    this.lastSequence = lastSequence
    this.logFileNumber = logNumber
    this.prevLogFileNumber = prevLogNumber
  }

  // ---------------------------------------------------------------------------------------------
  // Applying edits

  /**
   * Records `edit` durably and installs the Version it leads to; calls run one at a time, in call
   * order. See doc/version.md, "logAndApply", for the order of file operations. On failure it
   * throws (LEVEL_IO_ERROR from the Env), installs nothing and abandons the MANIFEST writer, so
   * the next call starts a fresh MANIFEST instead of appending after a possibly torn record.
   * `tablesDurable` says the caller has already made the directory entries of the edit's new
   * tables durable (the flush and compaction jobs do, off the main thread), so the directory is
   * synced here only for a new MANIFEST.
   */
  logAndApply (edit: VersionEdit, options: { tablesDurable?: boolean } = {}): Promise<void> {
    const run = this.applying.then(async () => await this.applyNow(edit, options.tablesDurable === true))
    this.applying = run.catch(() => {})
    return run
  }

  private async applyNow (edit: VersionEdit, tablesDurable: boolean): Promise<void> {
    if (edit.logNumber !== undefined) {
      if (edit.logNumber < this.logFileNumber || edit.logNumber >= this.nextFile) {
        throw invalidArgument(`log number ${edit.logNumber} outside [${this.logFileNumber}, ${this.nextFile})`)
      }
    } else {
      edit.logNumber = this.logFileNumber
    }
    edit.prevLogNumber ??= this.prevLogFileNumber

    const base = this.currentVersion
    const builder = new VersionBuilder(this.icmp, base.files)
    builder.apply(edit)
    const v = new Version(this.ctx, builder.build())
    v.computeCompactionScore()

    // Decide on a new MANIFEST and take its number before the edit records the next file number,
    // so that the number recovery reserves for the MANIFEST after this one is free.
    let created: Descriptor | undefined
    let swapStarted = false
    const previous = { number: this.manifestNumber, bytes: this.descriptor?.writer.size }
    if (this.descriptor !== undefined && this.shouldRotate(this.descriptor)) this.closeDescriptor()
    const newNumber = this.descriptor === undefined ? (this.reservedManifestNumber ?? this.newFileNumber()) : undefined
    this.reservedManifestNumber = undefined
    edit.nextFileNumber = this.nextFile
    edit.lastSequence = this.lastSequence

    try {
      if (newNumber !== undefined) {
        if (this.env.prepareFiles !== undefined) {
          await this.env.prepareFiles([manifestFileName(this.location, newNumber), tempFileName(this.location, newNumber)])
        }
        const file = this.env.newWritableFile(manifestFileName(this.location, newNumber))
        created = { number: newNumber, file, writer: new LogWriter(file), snapshotSize: 0 }
        created.writer.addRecord(this.snapshotEdit(base).encode())
        created.snapshotSize = created.writer.size
      }
      const descriptor = created ?? this.descriptor!
      // Contract 4: the directory entries of new tables (and of a new MANIFEST) must be durable
      // before any record naming them can be; written data may reach the disk before a sync. The
      // flush and compaction jobs sync the directory themselves (tablesDurable), off this thread.
      if (created !== undefined || (edit.newFiles.length > 0 && !tablesDurable)) this.env.syncDir(this.location)
      descriptor.writer.addRecord(edit.encode())
      await descriptor.file.syncAsync()
      if (created !== undefined) {
        swapStarted = true
        setCurrentFile(this.env, this.location, created.number)
        if (this.env.settle !== undefined) await this.env.settle()
      }
    } catch (err) {
      for (const { file } of edit.newFiles) this.unconfirmedFiles.add(file.number)
      if (created !== undefined) {
        try { created.file.close() } catch { /* abandoned */ }
        // Once the rename over CURRENT may have happened, the new MANIFEST may be what CURRENT
        // names (on disk, or after the next crash): it stays, and later cleanup removes it.
        if (!swapStarted || !this.currentNames(created.number)) {
          try { this.env.removeFile(manifestFileName(this.location, created.number)) } catch { /* left for cleanup */ }
        }
      } else {
        this.closeDescriptor()
      }
      throw err
    }

    if (created !== undefined) {
      this.descriptor = created
      this.manifestNumber = created.number
      // The fresh MANIFEST describes the whole state: nothing a failed edit left is needed now.
      this.unconfirmedFiles.clear()
      this.options.onManifestStarted?.(created.number, created.snapshotSize, previous)
    }
    for (const { level, key } of edit.compactPointers) this.compactPointers[level] = key
    this.logFileNumber = edit.logNumber
    this.prevLogFileNumber = edit.prevLogNumber
    this.install(v)
  }

  /**
   * Whether to start a new MANIFEST: the open one is over maxManifestFileSize, and the edits
   * appended since its snapshot take at least as much room as the snapshot. The second condition
   * keeps a state whose snapshot alone exceeds the limit from being rewritten at every edit: the
   * cost of rewriting is always paid for by as many bytes of edits.
   */
  private shouldRotate (d: Descriptor): boolean {
    const size = d.writer.size
    return size > this.options.maxManifestFileSize && size - d.snapshotSize >= d.snapshotSize
  }

  /** A record describing the whole of `v`: a new MANIFEST starts with it. */
  private snapshotEdit (v: Version): VersionEdit {
    const snapshot = new VersionEdit()
    snapshot.comparatorName = this.icmp.user.name
    for (let level = 0; level < NUM_LEVELS; level++) {
      const key = this.compactPointers[level]
      if (key !== undefined) snapshot.setCompactPointer(level, key)
    }
    for (let level = 0; level < NUM_LEVELS; level++) {
      for (const f of v.files[level]!) snapshot.addFile(level, f)
    }
    return snapshot
  }

  /** Whether CURRENT may name MANIFEST-<number>: false only if it plainly names another one. */
  private currentNames (number: number): boolean {
    let text: string
    try {
      text = fromUtf8(this.env.readFile(currentFileName(this.location)))
    } catch {
      return true
    }
    const parsed = text.endsWith('\n') ? parseFileName(text.slice(0, -1)) : undefined
    return parsed === undefined || parsed.type !== 'manifest' || parsed.number === number
  }

  private install (v: Version): void {
    v.ref()
    this.live.add(v)
    const old = this.currentVersion
    this.currentVersion = v
    if (old !== v) old.unref()
  }

  private closeDescriptor (): void {
    const d = this.descriptor
    this.descriptor = undefined
    if (d === undefined) return
    try { d.file.close() } catch { /* everything that matters was synced */ }
  }

  /** Closes the MANIFEST file. */
  close (): void {
    this.closeDescriptor()
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  /**
   * Adds the number of every file named by a live Version (the current one and any still held by
   * iterators, snapshots' reads, gets or compactions), and of files added by a failed edit.
   */
  addLiveFiles (out: Set<number>): void {
    for (const v of this.live) {
      for (const level of v.files) for (const f of level) out.add(f.number)
    }
    for (const n of this.unconfirmedFiles) out.add(n)
  }

  numLevelFiles (level: number): number {
    return this.currentVersion.numFiles(level)
  }

  numLevelBytes (level: number): number {
    return this.currentVersion.levelBytes(level)
  }

  needsCompaction (): boolean {
    const v = this.currentVersion
    return v.compactionScore >= 1 || v.fileToCompact !== undefined
  }

  /** "files[ n0 n1 ... n6 ]", the file count of each level. */
  levelSummary (): string {
    let s = 'files['
    for (let level = 0; level < NUM_LEVELS; level++) s += ` ${this.currentVersion.numFiles(level)}`
    return s + ' ]'
  }

  /** Approximate byte offset of `internalKey` in the database as laid out by `v`. */
  approximateOffsetOf (v: Version, internalKey: Uint8Array): number {
    let result = 0
    for (let level = 0; level < NUM_LEVELS; level++) {
      for (const f of v.files[level]!) {
        if (this.icmp.compare(f.largest, internalKey) <= 0) {
          result += f.fileSize
        } else if (this.icmp.compare(f.smallest, internalKey) > 0) {
          // Sorted levels: no later file can hold the key either.
          if (level > 0) break
        } else {
          result += this.options.tableCache.approximateOffsetOf(f.number, f.fileSize, internalKey)
        }
      }
    }
    return result
  }

  // ---------------------------------------------------------------------------------------------
  // Compaction picking

  /**
   * The next compaction, or undefined if none is needed. A level over its size budget comes
   * first (starting after that level's compaction pointer, so successive compactions sweep the
   * key space); otherwise a file that used up its allowed seeks.
   */
  pickCompaction (): Compaction | undefined {
    const v = this.currentVersion
    let level: number
    let inputs0: VersionFile[]
    if (v.compactionScore >= 1) {
      level = v.compactionLevel
      const files = v.files[level]!
      const pointer = this.compactPointers[level]
      let first = files.find((f) => pointer === undefined || this.icmp.compare(f.largest, pointer) > 0)
      // Past the last file: wrap around to the start of the key space.
      first ??= files[0]
      if (first === undefined) return undefined
      inputs0 = [first]
    } else if (v.fileToCompact !== undefined) {
      level = v.fileToCompactLevel
      inputs0 = [v.fileToCompact]
    } else {
      return undefined
    }
    if (level === 0) {
      // Level-0 files may overlap: take every one that overlaps the picked file, transitively.
      const [smallest, largest] = this.range(inputs0)
      inputs0 = v.getOverlappingInputs(0, smallest, largest)
    }
    return this.setupOtherInputs(v, level, inputs0, false)
  }

  /**
   * A manual compaction of the files at `level` overlapping [begin, end] (internal keys;
   * undefined: unbounded), or undefined if none do. Above level 0 the inputs stop once they
   * reach maxFileSize bytes, so one step stays small; the caller continues after the last input.
   */
  compactRange (level: number, begin: Uint8Array | undefined, end: Uint8Array | undefined): Compaction | undefined {
    const v = this.currentVersion
    let inputs = v.getOverlappingInputs(level, begin, end)
    if (inputs.length === 0) return undefined
    // Level 0 is never capped: its files may overlap, and leaving one behind could put an older
    // value below a newer one.
    if (level > 0) {
      let total = 0
      for (let i = 0; i < inputs.length; i++) {
        total += inputs[i]!.fileSize
        if (total >= this.options.maxFileSize) {
          inputs = inputs.slice(0, i + 1)
          break
        }
      }
    }
    return this.setupOtherInputs(v, level, inputs, true)
  }

  /**
   * Completes a compaction from its level-L inputs: the L+1 files they overlap, a widening of the
   * L inputs when that takes in no more L+1 files and stays under the size limit, the
   * grandparents, and the compaction pointer.
   */
  private setupOtherInputs (v: Version, level: number, inputs0: VersionFile[], isManual: boolean): Compaction {
    inputs0 = this.addBoundaryInputs(v.files[level]!, inputs0)
    let [smallest, largest] = this.range(inputs0)
    let inputs1 = this.addBoundaryInputs(v.files[level + 1]!, v.getOverlappingInputs(level + 1, smallest, largest))
    let [allStart, allLimit] = this.range(inputs0, inputs1)

    if (inputs1.length > 0) {
      const expanded0 = this.addBoundaryInputs(v.files[level]!, v.getOverlappingInputs(level, allStart, allLimit))
      const limit = expandedCompactionByteSizeLimit(this.options.maxFileSize)
      if (expanded0.length > inputs0.length && totalFileSize(inputs1) + totalFileSize(expanded0) < limit) {
        const [newStart, newLimit] = this.range(expanded0)
        const expanded1 = v.getOverlappingInputs(level + 1, newStart, newLimit)
        if (expanded1.length === inputs1.length) {
          smallest = newStart
          largest = newLimit
          inputs0 = expanded0
          inputs1 = expanded1
          ;[allStart, allLimit] = this.range(inputs0, inputs1)
        }
      }
    }

    const grandparents = level + 2 < NUM_LEVELS ? v.getOverlappingInputs(level + 2, allStart, allLimit) : []
    const edit = new VersionEdit()
    // The pointer moves now, not when the compaction finishes, so that a failed compaction is not
    // retried forever on the same range.
    const pointer = largest.slice()
    this.compactPointers[level] = pointer
    edit.setCompactPointer(level, pointer)
    return new Compaction({
      icmp: this.icmp,
      level,
      inputVersion: v,
      inputs: [inputs0, inputs1],
      grandparents,
      edit,
      isManual,
      maxOutputFileSize: this.options.maxFileSize
    })
  }

  /**
   * Adds the files of `levelFiles` that continue the last user key of `inputs`: a file whose
   * smallest key has the same user key as the inputs' largest key (an older version of it, since
   * output splitting can cut one user key's versions across two files). Leaving such a file behind
   * would let a compaction move the newer versions, or a deletion, below older ones that stay at
   * this level, where a read finds the older first (LevelDB fixed this in 1.22, "boundary inputs").
   */
  private addBoundaryInputs (levelFiles: readonly VersionFile[], inputs: VersionFile[]): VersionFile[] {
    if (inputs.length === 0) return inputs
    let out = inputs
    let [, largest] = this.range(inputs)
    const user = this.icmp.user
    for (;;) {
      let boundary: VersionFile | undefined
      for (const f of levelFiles) {
        if (this.icmp.compare(f.smallest, largest) > 0 &&
          user.compare(extractUserKey(f.smallest), extractUserKey(largest)) === 0 &&
          (boundary === undefined || this.icmp.compare(f.smallest, boundary.smallest) < 0)) {
          boundary = f
        }
      }
      if (boundary === undefined || out.includes(boundary)) return out
      out = [...out, boundary]
      largest = boundary.largest
    }
  }

  /** The smallest and largest internal keys over the files given (at least one file). */
  private range (...lists: VersionFile[][]): [Uint8Array, Uint8Array] {
    let smallest: Uint8Array | undefined
    let largest: Uint8Array | undefined
    for (const files of lists) {
      for (const f of files) {
        if (smallest === undefined || this.icmp.compare(f.smallest, smallest) < 0) smallest = f.smallest
        if (largest === undefined || this.icmp.compare(f.largest, largest) > 0) largest = f.largest
      }
    }
    return [smallest!, largest!]
  }
}
