// The engine: a database directory opened for reading and writing (doc/engine.md).
//
// State changes follow one rule: the VersionSet owns the set of live files, and changes it only
// through logAndApply (MANIFEST record synced first, Version installed second). Writes go to the
// log before the memtable; a full memtable becomes immutable behind a new log and is flushed to a
// table by a background step; compactions run one at a time in another. Reads pin what they read
// (memtables and a ref-counted Version) so files can change under them.
//
// Opened with readOnly, it writes nothing at all: the open recovers the state into memory
// (openReadOnly), every write fails with LEVEL_READONLY, and no background work ever starts.

import type { DBOptions, ResolvedOptions } from './options.js'
import { resolveOptions, tableWriteOptions } from './options.js'
import type { DBIteratorHandle, IteratorOptions, ReadOptions, Snapshot, WriteOptions } from './api.js'
import { SnapshotList, snapshotSequence } from './snapshots.js'
import { formatStats, newLevelStats, type LevelStats } from './properties.js'
import { recoverLogs } from './recovery.js'
import { deleteObsoleteFiles, ObsoleteFileDeleter, type LiveState } from './obsolete-files.js'
import { manifestStamp, READ_ONLY_ATTEMPTS, readOnlyError, retryPauseMs } from './read-only.js'
import { destroyDB } from './destroy.js'
import { repairDB } from './repair.js'
import { PIN_STATE, pinState, writeCheckpoint, type CheckpointResult, type PinnedState } from './checkpoint.js'
import { runFlushJob } from './flush-job.js'
import { inlineJobs, type BackgroundJobs, type OnWorkerLost } from './jobs.js'
import { platform } from './platform-node.js'
import type { BlockReader } from './platform.js'
import { describeError, describeFiles, describeNames, InfoLog, prepareInfoLog } from './info-log.js'
import type { TableWriteOptions } from './table-output.js'
import { DBIterator } from './db-iterator.js'
import { UserIterator } from './user-iterator.js'
import { WritePipeline } from './write-pipeline.js'
import { checkKey, checkValue, WriteBatch, type BytesOrString } from '../dbformat/write-batch.js'
import {
  extractUserKey, InternalFilterPolicy, InternalKeyComparator, LookupKey, makeInternalKey, MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK, ValueType
} from '../dbformat/internal-key.js'
import { currentFileName, lockFileName, logFileName, manifestFileName, parseFileName, tableFileName } from '../dbformat/filename.js'
import { DELETED, MemTable } from '../memtable/memtable.js'
import type { EntryArena } from '../memtable/arena.js'
import { VersionEdit, NUM_LEVELS, type FileMetaData, type NewFileEntry } from '../version/version-edit.js'
import { VersionSet } from '../version/version-set.js'
import { TableCache } from '../version/table-cache.js'
import type { Compaction } from '../version/compaction.js'
import type { GetStats, Version } from '../version/version.js'
import { MergingIterator } from '../table/merging-iterator.js'
import { BloomFilterPolicy } from '../table/bloom.js'
import type { Block } from '../table/block.js'
import { BlockMiss, type BlockCacheKey } from '../table/table.js'
import { type Env, type FileLock, baseName, dirName } from '../env/env.js'
import { LruCache } from '../util/lru-cache.js'
import { copyBytes } from '../util/byte-pool.js'
import { Mutex, Signal } from '../util/mutex.js'
import { corruption, invalidArgument, ShaleError } from '../util/errors.js'
import type { InternalIterator } from '../util/iterator.js'
import { onNextMacrotask } from '../util/macrotask.js'


interface ManualCompaction {
  level: number
  begin: Uint8Array | undefined
  end: Uint8Array | undefined
}


export class DB {
  readonly location: string
  /** Opened with readOnly: no file is ever written (doc/engine.md, "Read-only open"). */
  readonly readOnly: boolean
  private readonly env: Env
  private readonly options: ResolvedOptions
  private readonly icmp = new InternalKeyComparator()
  private readonly tableOptions: TableWriteOptions
  private readonly tableCache: TableCache
  /** Where flush and compaction jobs run: worker threads unless options.backgroundWorkers is false. */
  private readonly jobs: BackgroundJobs
  private readonly blockCache: LruCache<BlockCacheKey, Block>
  private readonly versions: VersionSet
  private readonly snapshots = new SnapshotList()
  private readonly pendingOutputs = new Set<number>()
  private readonly stats: LevelStats[] = newLevelStats()
  private readonly iterators = new Set<UserIterator>()
  /** Each iterator samples reads at different offsets (doc/version.md, "Reading"). */
  private iteratorSeed = 1
  private lock: FileLock | undefined
  /** The info log LOG (info-log.ts); writes nothing until startInfoLog. */
  private infoLog = InfoLog.none()

  private mem: MemTable
  private imm: MemTable | undefined
  /** The arena of the last memtable flushed, for the next one (MemTable.takeArena). */
  private spareArena: EntryArena | undefined
  /** The writer queue, group commit and the live log (write-pipeline.ts). */
  private readonly writes: WritePipeline

  /** The sticky background error (contract 8): once set, every write fails with it. */
  private bgError: unknown
  private closing = false
  private closed = false

  private readonly compactionMutex = new Mutex()
  private flushRunning: Promise<void> | undefined
  private compactionScheduled = false
  private compactionRunning = false
  private readonly bgSignal = new Signal()
  /** Where gets issued together read missing blocks; undefined: on this thread. */
  private readonly blockReader: BlockReader | undefined
  private readonly obsoleteFiles: ObsoleteFileDeleter

  private constructor (location: string, env: Env, options: ResolvedOptions) {
    this.location = location
    this.env = env
    this.options = options
    this.readOnly = options.readOnly
    this.tableOptions = tableWriteOptions(options)
    this.jobs = options.backgroundWorkers ? platform.workerJobs : inlineJobs
    this.blockReader = platform.readWorkers(env, options.readWorkers)
    // A block leaving the cache may give its memory back for the next block read (Block.release()).
    this.blockCache = new LruCache<BlockCacheKey, Block>(options.cacheSize, { onEvict: (_key, block) => { block.release() } })
    this.tableCache = new TableCache(env, location, {
      icmp: this.icmp,
      filterPolicy: options.bloomBitsPerKey > 0 ? new InternalFilterPolicy(new BloomFilterPolicy(options.bloomBitsPerKey)) : undefined,
      blockCache: this.blockCache,
      maxOpenFiles: options.maxOpenFiles
    })
    this.versions = new VersionSet({
      env,
      location,
      icmp: this.icmp,
      tableCache: this.tableCache,
      maxFileSize: options.maxFileSize,
      maxManifestFileSize: options.maxManifestFileSize,
      paranoidChecks: options.paranoidChecks,
      onManifestStarted: (number, snapshotBytes, previous) => {
        const was = previous.bytes === undefined ? '' : `, ${previous.bytes} bytes`
        this.infoLog.log(`Started ${baseName(manifestFileName(location, number))} (snapshot of ${snapshotBytes} bytes), ` +
          `replacing ${baseName(manifestFileName(location, previous.number))}${was}`)
      }
    })
    this.mem = this.newMemTable()
    const versions = this.versions
    this.writes = new WritePipeline({
      env,
      location,
      versions,
      writeBufferSize: options.writeBufferSize,
      bgSignal: this.bgSignal,
      backgroundError: () => this.bgError,
      recordBackgroundError: (err) => { this.recordBackgroundError(err) },
      memtable: () => this.mem,
      hasImmutable: () => this.imm !== undefined,
      retireMemTable: () => {
        this.imm = this.mem
        this.mem = this.newMemTable()
        this.maybeScheduleFlush()
      },
      maybeScheduleCompaction: () => { this.maybeScheduleCompaction() }
    })
    this.obsoleteFiles = new ObsoleteFileDeleter({
      env,
      dir: location,
      mayDelete: () => this.mayDeleteFiles(),
      liveState: () => this.liveState(),
      evict: (table) => { this.tableCache.evict(table) },
      onDeleted: (names) => { this.infoLog.log(`Deleted obsolete files: ${describeNames(names)}`) },
      onIdle: () => { this.bgSignal.notifyAll() }
    })
  }

  // ---------------------------------------------------------------------------------------------
  // Open, close, destroy

  /**
   * Opens (or creates) the database at `location`: lock, recover, replay logs, clean up. With
   * readOnly: recover and replay into memory, and nothing else.
   */
  static async open (location: string, options?: DBOptions | null): Promise<DB> {
    options ??= {}
    if (typeof location !== 'string' || location === '') throw invalidArgument('location must be a non-empty string')
    const resolved = resolveOptions(options)
    const env = options.env ?? platform.defaultEnv()
    const db = new DB(location, env, resolved)
    const started = performance.now()
    try {
      // The one place where the two kinds of open part. A read-only open takes no lock, writes no
      // file of any kind (its info log stays InfoLog.none(): no LOG) and starts no background
      // work; everything a writable open adds to the directory belongs in recover().
      if (db.readOnly) await db.openReadOnly()
      else await db.recover()
    } catch (err) {
      db.infoLog.log(`Open failed: ${describeError(err)}`)
      db.releaseResources()
      throw err
    }
    db.infoLog.log(`Opened in ${Math.round(performance.now() - started)} ms: last sequence ${db.versions.lastSequence}, ` +
      `log ${baseName(logFileName(location, db.writes.logNumber))}, files per level ${db.filesPerLevel()}`)
    db.infoLog.flush()
    return db
  }

  /**
   * Starts this open's info log: LOG becomes LOG.old and a new LOG is begun (info-log.ts). The
   * only place an open creates the LOG. Called once the lock is held, so that an open that fails
   * on the lock never rotates the LOG of the database that holds it.
   */
  private async startInfoLog (isNew: boolean): Promise<void> {
    if (this.env.prepareFiles !== undefined) await prepareInfoLog(this.env, this.location, this.options.maxInfoLogFileSize)
    this.infoLog = InfoLog.start(this.env, this.location, this.options.maxInfoLogFileSize)
    const o = this.options
    const env = this.env.constructor.name
    this.infoLog.log(`${isNew ? 'Creating' : 'Opening'} ${this.location}: writeBufferSize=${o.writeBufferSize} ` +
      `maxFileSize=${o.maxFileSize} blockSize=${o.blockSize} blockRestartInterval=${o.blockRestartInterval} ` +
      `compression=${o.compression} bloomBitsPerKey=${o.bloomBitsPerKey} cacheSize=${o.cacheSize} ` +
      `maxOpenFiles=${o.maxOpenFiles} maxManifestFileSize=${o.maxManifestFileSize} paranoidChecks=${o.paranoidChecks} ` +
      `backgroundWorkers=${o.backgroundWorkers} env=${env}`)
  }

  private filesPerLevel (): string {
    const counts: number[] = []
    for (let level = 0; level < NUM_LEVELS; level++) counts.push(this.versions.numLevelFiles(level))
    return counts.join(' ')
  }

  private async recover (): Promise<void> {
    const { env, location } = this
    const isNew = !env.fileExists(currentFileName(location))
    env.createDir(location)
    // A new directory's own entry must survive power loss too.
    if (isNew) env.syncDir(dirName(location))
    if (env.prepareLock !== undefined) await env.prepareLock(lockFileName(location))
    this.lock = env.lockFile(lockFileName(location))

    const exists = env.fileExists(currentFileName(location))
    if (!exists && !this.options.createIfMissing) {
      throw invalidArgument(`${location}: does not exist (createIfMissing is false)`)
    } else if (exists && this.options.errorIfExists) {
      throw invalidArgument(`${location}: exists (errorIfExists is true)`)
    }
    await this.startInfoLog(!exists)
    if (!exists) await VersionSet.createNewPrepared(env, location, this.icmp)
    const edit = new VersionEdit()
    await this.recoverState(edit)

    await this.writes.openNewLog()
    edit.prevLogNumber = 0
    edit.logNumber = this.writes.logNumber
    await this.versions.logAndApply(edit, { tablesDurable: true })
    for (const f of edit.newFiles) this.pendingOutputs.delete(f.file.number)
    this.removeObsoleteFiles()
    this.maybeScheduleCompaction()
  }

  /**
   * A read-only open: the state CURRENT and the MANIFEST describe, with the live logs replayed
   * into the memtable, where they stay. Another process may hold the database and write to it
   * meanwhile (recoverState says why what it reads is still a consistent state); an edit of that
   * writer may delete a MANIFEST, log or table after this open found it and before it opened it.
   * Such a failure is retried when the MANIFEST's stamp (read-only.ts) shows that the database
   * changed during the attempt; any other failure is the open's error.
   */
  private async openReadOnly (): Promise<void> {
    const { env, location } = this
    if (!env.fileExists(currentFileName(location))) {
      throw invalidArgument(`${location}: there is no database here (no CURRENT file), and a read-only open creates none`)
    }
    for (let attempt = 1; ; attempt++) {
      const before = manifestStamp(env, location)
      try {
        await this.recoverState(undefined)
        return
      } catch (err) {
        if (attempt === READ_ONLY_ATTEMPTS || manifestStamp(env, location) === before) throw err
      }
      // Start over from nothing: the memtable and the files of this attempt go.
      this.tableCache.close()
      this.mem = this.newMemTable()
      await new Promise((resolve) => setTimeout(resolve, retryPauseMs(attempt + 1)))
    }
  }

  /** Opens the current Version's table files, level 0 first, as many as the table cache holds. */
  private pinTables (): void {
    let room = this.tableCache.capacity
    for (const files of this.versions.current.files) {
      for (const f of files) {
        if (room-- <= 0) return
        this.tableCache.pinFile(f.number)
      }
    }
  }

  /**
   * What both opens do: recover the VersionSet from the MANIFEST, check that every file it names
   * is there, and replay the live logs, into level-0 tables added to `edit`, or, for a read-only
   * open (no edit), into the memtable; a read-only open also pins the tables' files (pinTables).
   *
   * The logs come from a listing taken before the MANIFEST is read, the tables are checked
   * against one taken after it. For a writable open, which holds the lock, the two are the same.
   * A read-only open may have a writer at work beside it, and this order is what makes its view
   * a consistent state: a log the writer creates after the first listing is newer than every log
   * listed, so leaving it out leaves out only the latest writes; and a log the MANIFEST still
   * needs cannot have been deleted before that listing, since the writer deletes a log only once
   * an edit that retires it is in the MANIFEST. A file deleted after being listed fails the open,
   * which openReadOnly retries.
   */
  private async recoverState (edit: VersionEdit | undefined): Promise<void> {
    const { env, location } = this
    const listed = env.getChildren(location)
    this.versions.recover()
    const readOnly = edit === undefined
    const v = this.versions
    this.infoLog.log(`Recovered ${baseName(manifestFileName(location, v.manifestFileNumber))}: log number ${v.logNumber}, ` +
      `previous log ${v.prevLogNumber}, last sequence ${v.lastSequence}, files per level ${this.filesPerLevel()}`)

    // Every table the recovered Version names must exist; any LevelDB name with that number counts.
    const expected = new Set<number>()
    this.versions.addLiveFiles(expected)
    const logs: number[] = []
    for (const name of listed) {
      const parsed = parseFileName(name)
      if (parsed === undefined) continue
      if (!readOnly) expected.delete(parsed.number)
      if (parsed.type === 'log' && (parsed.number >= this.versions.logNumber || parsed.number === this.versions.prevLogNumber)) {
        logs.push(parsed.number)
      }
    }
    if (readOnly) {
      for (const name of env.getChildren(location)) {
        const parsed = parseFileName(name)
        if (parsed !== undefined) expected.delete(parsed.number)
      }
    }
    if (expected.size > 0) {
      const first = [...expected].sort((a, b) => a - b)[0]!
      throw corruption(`${expected.size} missing files; e.g. ${tableFileName(location, first)}`)
    }

    // Replay logs newer than the MANIFEST.
    logs.sort((a, b) => a - b)
    const replay = {
      env,
      location,
      logs,
      paranoidChecks: this.options.paranoidChecks,
      writeBufferSize: this.options.writeBufferSize,
      newMemTable: () => this.newMemTable(),
      markFileNumberUsed: (n: number) => { this.versions.markFileNumberUsed(n) },
      onDropped: (file: string, bytes: number, reason: string) => {
        this.infoLog.log(`Recovery dropped ${bytes} bytes of ${baseName(file)}: ${reason}`)
      },
      onReplayed: (file: string, records: number, last: number) => {
        this.infoLog.log(`Replayed ${baseName(file)}: ${records} records${records > 0 ? `, last sequence ${last}` : ''}`)
      }
    }
    if (readOnly) this.pinTables()
    const maxSequence = edit === undefined
      ? await recoverLogs({ ...replay, into: this.mem })
      : await recoverLogs({
        ...replay,
        flush: async (mem) => {
          const bytes = mem.approximateMemoryUsage()
          const out = await this.writeLevel0Table(mem, undefined, true)
          if (out !== undefined) edit.addFile(out.level, out.file)
          if (out !== undefined) this.infoLog.log(`Recovery flushed a memtable of ${bytes} bytes to table ${describeFiles([out.file])} at level 0`)
        }
      })
    if (maxSequence > this.versions.lastSequence) this.versions.lastSequence = maxSequence
  }

  /** Deletes every LevelDB file of a closed database and the directory if it is then empty. */
  static async destroy (location: string, options: { env?: Env } = {}): Promise<void> {
    const env: Env = options.env ?? platform.defaultEnv()
    if (env.prepareLock !== undefined && env.fileExists(location)) await env.prepareLock(lockFileName(location))
    destroyDB(env, location)
    if (env.settle !== undefined) await env.settle()
  }

  /**
   * Rebuilds the MANIFEST of a closed database from its tables and logs, keeping every intact
   * record (doc/repair.md). Takes the lock, so it fails on an open database.
   */
  static async repair (location: string, options?: DBOptions | null): Promise<void> {
    options ??= {}
    await repairDB(options.env ?? platform.defaultEnv(), location, options)
  }

  /** Waits for background work, closes iterators and snapshots, and unlocks. Idempotent. */
  async close (): Promise<void> {
    if (this.closing) {
      while (!this.closed) await this.bgSignal.wait()
      return
    }
    this.closing = true
    // Let queued writes finish (they were accepted before close was called).
    while (this.writes.busy) await this.bgSignal.wait()
    if (this.flushRunning !== undefined) await this.flushRunning.catch(() => {})
    await this.compactionMutex.run(() => {})
    await this.obsoleteFiles.idle()
    for (const it of [...this.iterators]) it.close()
    this.snapshots.closeAll()
    this.infoLog.log(`Closed: last sequence ${this.versions.lastSequence}, files per level ${this.filesPerLevel()}`)
    this.releaseResources()
    this.closed = true
    this.bgSignal.notifyAll()
  }

  private releaseResources (): void {
    this.infoLog.close()
    this.writes.closeLog()
    try { this.versions.close() } catch { /* closing anyway */ }
    this.tableCache.close()
    if (this.lock !== undefined) {
      try { this.env.unlockFile(this.lock) } catch { /* closing anyway */ }
      this.lock = undefined
    }
  }

  private checkOpen (): void {
    if (this.closing) throw new ShaleError('LEVEL_DATABASE_NOT_OPEN', 'database is not open')
  }

  /** For every call that would write: the database must be open, and not read-only. */
  private checkWritable (operation: string): void {
    this.checkOpen()
    if (this.readOnly) throw readOnlyError(operation)
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  // put, del and write return the writer's own promise rather than awaiting it in an async
  // function: each async layer would add a promise and microtask hops to every write. A bad
  // argument still becomes a rejection, never a synchronous throw.
  // put and del copy the key and value into a write batch before they return: the caller may
  // reuse that memory at once (the abstract-level layer's scratch encoding relies on it).

  put (key: Uint8Array, value: Uint8Array, options?: WriteOptions | null): Promise<void> {
    return this.gather(key, value, true, false, options)
  }

  del (key: Uint8Array, options?: WriteOptions | null): Promise<void> {
    return this.gather(key, undefined, false, false, options)
  }

  /**
   * put() (or, with `value` undefined, del()) for the abstract-level layer: the key and the value
   * may also be strings, which go into the log record as their UTF-8 bytes with no array of their
   * own (WriteBatch.putUtf8), instead of being encoded into bytes that are then copied.
   */
  writeOne (key: BytesOrString, value: BytesOrString | undefined, options?: WriteOptions | null): Promise<void> {
    return this.gather(key, value, value !== undefined, true, options)
  }

  /**
   * Queues a single put or del: appended to the last queued writer when that one gathers single
   * writes of the same kind (writers.ts), else in a writer of its own. Strings are refused unless
   * `strings` (writeOne).
   */
  private gather (key: BytesOrString, value: BytesOrString | undefined, isPut: boolean, strings: boolean,
    options: WriteOptions | null | undefined): Promise<void> {
    try {
      // Checked before anything is queued: a bad argument fails only its own write.
      if (!strings || typeof key !== 'string') checkKey(key)
      if (isPut && (!strings || typeof value !== 'string')) checkValue(value)
      this.checkWritable(isPut ? 'put' : 'del')
    } catch (err) {
      return Promise.reject(err)
    }
    return this.writes.gather(key, value, options?.sync === true)
  }

  /**
   * Applies a batch atomically. The engine assigns the batch's sequence (its header is
   * overwritten). Resolves once the log record was handed to the OS (and, with sync, made durable)
   * and the batch is visible to reads.
   */
  write (batch: WriteBatch, options?: WriteOptions | null): Promise<void> {
    try {
      options ??= {}
      this.checkWritable('write')
      if (!(batch instanceof WriteBatch)) throw invalidArgument('write() takes a WriteBatch')
    } catch (err) {
      return Promise.reject(err)
    }
    return this.writes.enqueue(batch, options.sync === true)
  }

  private newMemTable (): MemTable {
    const arena = this.spareArena
    this.spareArena = undefined
    return new MemTable(this.icmp, { initialBytes: Math.min(this.options.writeBufferSize + (64 << 10), 64 << 20), arena })
  }

  private recordBackgroundError (err: unknown): void {
    if (this.bgError === undefined) {
      this.bgError = err
      this.infoLog.log(`Background error; writes fail until the database is reopened: ${describeError(err)}`)
    }
    this.bgSignal.notifyAll()
  }

  /** For the jobs: a worker died under a job that is being run again (background-jobs.ts). */
  private readonly onWorkerLost: OnWorkerLost = (err) => {
    this.infoLog.log(`Running a background job again on a fresh worker: ${describeError(err)}`)
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /**
   * As getSync(), except that a data block missing from the block cache may be read on a read
   * worker (doc/read-workers.md) while this thread goes on, when other gets are waiting for blocks
   * too. The lookup keeps the sequence and the Version it started with, so the result is the same
   * as getSync()'s at the time of the call. `key` is read before get() returns: the caller may
   * reuse its bytes at once.
   */
  get (key: Uint8Array, options?: ReadOptions | null): Promise<Uint8Array | undefined> {
    const reader = this.blockReader
    try {
      if (reader === undefined || options?.fillCache === false) return Promise.resolve(this.getSync(key, options))
      this.checkOpen()
      checkKey(key)
      const sequence = options?.snapshot !== undefined ? snapshotSequence(options.snapshot) : this.versions.lastSequence
      const lookup = new LookupKey(key, sequence)
      let found = this.mem.get(lookup)
      if (found === undefined && this.imm !== undefined) found = this.imm.get(lookup)
      if (found !== undefined) return Promise.resolve(found === DELETED ? undefined : copyBytes(found))
      const version = this.versions.current
      version.ref()
      const stats: GetStats = { seekFile: undefined, seekFileLevel: -1 }
      try {
        found = version.get(lookup, stats, { cachedOnly: true })
      } catch (err) {
        if (err instanceof BlockMiss && err.fileName !== undefined) return this.getAfterRead(version, lookup, stats, reader.load(err))
        this.unrefVersion(version)
        throw err
      }
      this.finishGet(version, stats)
      return Promise.resolve(found === DELETED ? undefined : found)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** The rest of a get() whose block is being read (`read`); owns a reference to `version`. */
  private async getAfterRead (version: Version, lookup: LookupKey, stats: GetStats, read: Promise<void>): Promise<Uint8Array | undefined> {
    let found: Uint8Array | typeof DELETED | undefined
    try {
      await read
      this.checkOpen()
      // Whatever is still missing (another block, one evicted meanwhile, or one the pool left to
      // this thread) is read here.
      found = version.get(lookup, stats)
    } catch (err) {
      this.unrefVersion(version)
      throw err
    }
    this.finishGet(version, stats)
    return found === DELETED ? undefined : found
  }

  /** Charges a get's seek and drops its Version reference. */
  private finishGet (version: Version, stats: GetStats): void {
    try {
      if (version.updateStats(stats)) this.maybeScheduleCompaction()
    } finally {
      this.unrefVersion(version)
    }
  }

  /** Whether get() may read blocks on read workers (the `readWorkers` option, on a NodeEnv). */
  get hasReadWorkers (): boolean {
    return this.blockReader !== undefined
  }

  getSync (key: Uint8Array, options?: ReadOptions | null): Uint8Array | undefined {
    options ??= {}
    this.checkOpen()
    checkKey(key)
    const sequence = options.snapshot !== undefined ? snapshotSequence(options.snapshot) : this.versions.lastSequence
    const lookup = new LookupKey(key, sequence)
    let found = this.mem.get(lookup)
    if (found === undefined && this.imm !== undefined) found = this.imm.get(lookup)
    // A memtable value is a view of the memtable: copy it. A table value is already a copy.
    if (found !== undefined) return found === DELETED ? undefined : copyBytes(found)
    const version = this.versions.current
    version.ref()
    try {
      const stats: GetStats = { seekFile: undefined, seekFileLevel: -1 }
      found = version.get(lookup, stats, { fillCache: options.fillCache ?? true })
      if (version.updateStats(stats)) this.maybeScheduleCompaction()
    } finally {
      this.unrefVersion(version)
    }
    return found === DELETED ? undefined : found
  }

  iterator (options?: IteratorOptions | null): DBIteratorHandle {
    options ??= {}
    this.checkOpen()
    for (const k of ['gt', 'gte', 'lt', 'lte'] as const) {
      if (options[k] !== undefined) checkKey(options[k])
    }
    const sequence = options.snapshot !== undefined ? snapshotSequence(options.snapshot) : this.versions.lastSequence
    const children: InternalIterator[] = [this.mem.newIterator()]
    if (this.imm !== undefined) children.push(this.imm.newIterator())
    const version = this.versions.current
    version.ref()
    version.addIterators(children, { fillCache: options.fillCache ?? true })
    const internal = new MergingIterator(this.icmp, children)
    const dbIter = new DBIterator(this.icmp, internal, sequence, {
      seed: this.iteratorSeed++,
      onSample: (ikey) => { if (version.recordReadSample(ikey)) this.maybeScheduleCompaction() }
    })
    const it: UserIterator = new UserIterator(dbIter, this.icmp.user, options, () => {
      this.iterators.delete(it)
      this.unrefVersion(version)
    })
    this.iterators.add(it)
    return it
  }

  snapshot (): Snapshot {
    this.checkOpen()
    return this.snapshots.create(this.versions.lastSequence)
  }

  /**
   * Writes an openable copy of the database as of now into `target` (missing or empty) while
   * reads and writes go on: tables are hard-linked (copied where links are impossible), the
   * memtable goes to a fresh log, and CURRENT is written last (checkpoint.ts, doc/backup.md).
   */
  async checkpoint (target: string, options?: { onProgress?: (done: number, total: number) => void }): Promise<CheckpointResult> {
    if (typeof target !== 'string' || target === '') throw invalidArgument('checkpoint target must be a non-empty string')
    return await writeCheckpoint(this[PIN_STATE](), target, options?.onProgress)
  }

  /**
   * @internal One consistent state for checkpoint and backup, taken synchronously: the current
   * Version (ref'ed until release()), the last sequence, and the memtable entries up to it. The
   * immutable memtable counts only until its flush is in the Version, which the flush's edit marks
   * by moving the Version's log number up to the current log.
   */
  [PIN_STATE] (): PinnedState {
    this.checkOpen()
    const version = this.versions.current
    version.ref()
    const memtables = this.imm !== undefined && this.versions.logNumber < this.writes.logNumber ? [this.imm, this.mem] : [this.mem]
    return pinState({
      env: this.env,
      location: this.location,
      comparatorName: this.icmp.user.name,
      sequence: this.versions.lastSequence,
      files: version.files,
      compactPointers: Array.from({ length: NUM_LEVELS }, (_, level) => this.versions.compactPointer(level)),
      nextFileNumber: this.versions.nextFileNumber,
      memtables,
      release: () => { this.unrefVersion(version) }
    })
  }

  /** Releases a Version; if it was the last holder of an old one, its files may now go. */
  private unrefVersion (version: Version): void {
    version.unref()
    if (version.refCount === 0 && version !== this.versions.current && !this.closing) this.obsoleteFiles.schedule()
  }

  // ---------------------------------------------------------------------------------------------
  // Properties and sizes

  getProperty (name: string): string | undefined {
    this.checkOpen()
    if (typeof name !== 'string') throw invalidArgument('property name must be a string')
    const v = this.versions
    if (name.startsWith('shale.num-files-at-level')) {
      const level = Number(name.slice('shale.num-files-at-level'.length))
      if (!Number.isInteger(level) || level < 0 || level >= NUM_LEVELS) return undefined
      return String(v.numLevelFiles(level))
    }
    switch (name) {
      case 'shale.stats':
        return formatStats(this.stats, (l) => v.numLevelFiles(l), (l) => v.numLevelBytes(l))
      case 'shale.sstables':
        return v.current.toString()
      case 'shale.approximate-memory-usage':
        return String(this.mem.approximateMemoryUsage() + (this.imm?.approximateMemoryUsage() ?? 0) + this.blockCache.totalCharge)
      default:
        return undefined
    }
  }

  /** Approximate bytes of table files holding keys in [start, end). */
  approximateSize (start: Uint8Array, end: Uint8Array): number {
    this.checkOpen()
    checkKey(start)
    checkKey(end)
    const version = this.versions.current
    version.ref()
    try {
      const a = this.versions.approximateOffsetOf(version, makeInternalKey(start, MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK))
      const b = this.versions.approximateOffsetOf(version, makeInternalKey(end, MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK))
      return b > a ? b - a : 0
    } finally {
      this.unrefVersion(version)
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Flush, compaction, background work

  /** Flushes the memtable to a table and waits for it (LevelDB's TEST_CompactMemTable). */
  async flush (): Promise<void> {
    this.checkWritable('flush')
    await this.writes.enqueue(undefined, false)
    while (this.imm !== undefined && this.bgError === undefined) {
      this.maybeScheduleFlush()
      await this.bgSignal.wait()
    }
    if (this.bgError !== undefined) throw this.bgError
    // The files the flush made obsolete (the old log) are gone when it returns, as in LevelDB.
    await this.obsoleteFiles.idle()
  }

  /** Flushes the memtable and compacts every level over [start, end] (undefined: unbounded). */
  async compactRange (start?: Uint8Array, end?: Uint8Array): Promise<void> {
    this.checkWritable('compactRange')
    if (start !== undefined) checkKey(start)
    if (end !== undefined) checkKey(end)
    await this.flush()
    let maxLevelWithFiles = 1
    const current = this.versions.current
    for (let level = 1; level < NUM_LEVELS; level++) {
      if (current.overlapInLevel(level, start, end)) maxLevelWithFiles = level
    }
    for (let level = 0; level < maxLevelWithFiles; level++) await this.compactLevel(level, start, end)
  }

  /** Compacts one level's files overlapping [start, end] into the next (LevelDB's TEST_CompactRange). */
  async compactLevel (level: number, start?: Uint8Array, end?: Uint8Array): Promise<void> {
    this.checkWritable('compactLevel')
    if (!Number.isInteger(level) || level < 0 || level >= NUM_LEVELS - 1) throw invalidArgument(`cannot compact level ${level}`)
    const manual: ManualCompaction = {
      level,
      begin: start === undefined ? undefined : makeInternalKey(start, MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK),
      end: end === undefined ? undefined : makeInternalKey(end, 0, ValueType.Deletion)
    }
    for (;;) {
      if (this.bgError !== undefined) throw this.bgError
      let done: boolean
      try {
        done = await this.compactionMutex.run(async () => await this.runManualStep(manual))
      } catch (err) {
        // As for an automatic compaction: a failed table write or MANIFEST append may have left the
        // files ahead of the MANIFEST, so writes stop until a reopen (contract 8).
        if (!this.closed) this.recordBackgroundError(err)
        throw err
      }
      if (done) break
    }
    this.maybeScheduleCompaction()
  }

  /** One manual compaction step; true when the whole range is done. */
  private async runManualStep (manual: ManualCompaction): Promise<boolean> {
    if (this.closed) return true
    const c = this.versions.compactRange(manual.level, manual.begin, manual.end)
    if (c === undefined) return true
    const inputs = c.inputs[0]
    const last = inputs[inputs.length - 1]!
    try {
      await this.runCompaction(c)
    } finally {
      c.releaseInputs()
    }
    this.removeObsoleteFiles()
    // Inputs were capped: continue after the last key compacted.
    if (manual.end !== undefined && this.icmp.compare(last.largest, manual.end) >= 0) return true
    manual.begin = last.largest
    return false
  }

  /**
   * Waits until no write, flush, compaction or deletion of obsolete files is pending or running
   * (or a background error stops them).
   */
  async waitForIdle (): Promise<void> {
    for (;;) {
      if (this.bgError !== undefined || this.closed || this.readOnly) return
      this.maybeScheduleCompaction()
      const busy = this.writes.busy || this.imm !== undefined ||
        this.flushRunning !== undefined || this.compactionScheduled || this.compactionRunning ||
        this.versions.needsCompaction() || this.obsoleteFiles.busy
      if (!busy) return
      await this.bgSignal.wait()
    }
  }

  private maybeScheduleFlush (): void {
    if (this.imm === undefined || this.flushRunning !== undefined || this.bgError !== undefined) return
    // Started on the next turn of the event loop, not in a microtask: the memtable switch that
    // calls this runs inside the write loop, and handing the memtable to a worker (ordering and
    // copying it, posting the job) is a step of its own rather than an addition to that turn.
    // A turn later costs the writers nothing (the next memtable has just been opened).
    this.flushRunning = new Promise<void>((resolve) => {
      onNextMacrotask(() => {
        this.compactMemTable()
          .catch((err) => { if (!this.closed) this.recordBackgroundError(err) })
          .finally(() => {
            this.flushRunning = undefined
            resolve()
            this.bgSignal.notifyAll()
            this.maybeScheduleCompaction()
          })
      })
    })
  }

  /** Writes the immutable memtable to a table and records it, retiring the logs it came from. */
  private async compactMemTable (): Promise<void> {
    const imm = this.imm
    if (imm === undefined) return
    const edit = new VersionEdit()
    const base = this.versions.current
    base.ref()
    const started = performance.now()
    let number: number | undefined
    let out: NewFileEntry | undefined
    try {
      out = await this.writeLevel0Table(imm, base, false)
      if (out !== undefined) {
        number = out.file.number
        edit.addFile(out.level, out.file)
      }
    } finally {
      this.unrefVersion(base)
    }
    // Logs older than the current one are no longer needed once this edit is durable.
    edit.prevLogNumber = 0
    edit.logNumber = this.writes.logNumber
    try {
      await this.versions.logAndApply(edit, { tablesDurable: true })
    } finally {
      if (number !== undefined) this.pendingOutputs.delete(number)
    }
    this.infoLog.log(`Flushed a memtable of ${imm.approximateMemoryUsage()} bytes (${imm.size} entries) ` +
      (out === undefined ? 'to no table' : `to table ${describeFiles([out.file])} at level ${out.level}`) +
      ` in ${Math.round(performance.now() - started)} ms`)
    this.imm = undefined
    // Nothing reads a dropped memtable (gets copy what they find): its arena serves the next one
    // unless an iterator over it is still open.
    this.spareArena = imm.takeArena()
    this.bgSignal.notifyAll()
    this.obsoleteFiles.schedule()
  }

  /**
   * Writes a memtable to a new table: in the background (a worker thread by default), or, for
   * recovery, `now` on this thread (after the Env prepared the file, where it must). With a base Version, the
   * table is placed at the level LevelDB would choose (level 0 while a compaction runs, so that a
   * table can never land inside the key range of a compaction's unpublished outputs); without
   * one, at level 0. The number stays in pendingOutputs until the caller's edit is applied, and
   * is released if the write fails.
   */
  private async writeLevel0Table (mem: MemTable, base: Version | undefined, now: boolean): Promise<NewFileEntry | undefined> {
    const started = performance.now()
    const number = this.versions.newFileNumber()
    this.pendingOutputs.add(number)
    let meta: FileMetaData | undefined
    try {
      // Before the job, and again after it for a table a job worker wrote (a no-op otherwise).
      const path = [tableFileName(this.location, number)]
      if (this.env.prepareFiles !== undefined) await this.env.prepareFiles(path)
      meta = now
        ? runFlushJob(this.env, this.location, mem.newIterator(), number, this.tableOptions)
        : await this.jobs.flush(this.env, this.location, mem, number, this.tableOptions, this.onWorkerLost)
      if (meta !== undefined && this.env.prepareFiles !== undefined) await this.env.prepareFiles(path)
    } catch (err) {
      this.pendingOutputs.delete(number)
      throw err
    }
    return this.placeFlushedTable(number, meta, base, started)
  }

  private placeFlushedTable (number: number, meta: FileMetaData | undefined, base: Version | undefined,
    started: number): NewFileEntry | undefined {
    if (meta === undefined) {
      this.pendingOutputs.delete(number)
      return undefined
    }
    let level = 0
    if (base !== undefined && !this.compactionRunning) {
      level = base.pickLevelForMemTableOutput(extractUserKey(meta.smallest), extractUserKey(meta.largest))
    }
    this.stats[level]!.add((performance.now() - started) * 1000, 0, meta.fileSize)
    return { level, file: meta }
  }

  private maybeScheduleCompaction (): void {
    if (this.readOnly || this.compactionScheduled || this.closing || this.bgError !== undefined) return
    if (this.imm !== undefined) this.maybeScheduleFlush()
    if (!this.versions.needsCompaction()) return
    this.compactionScheduled = true
    onNextMacrotask(() => {
      this.compactionMutex.run(async () => {
        this.compactionScheduled = false
        if (this.closing || this.bgError !== undefined) return
        const c = this.versions.pickCompaction()
        if (c === undefined) return
        try {
          await this.runCompaction(c)
        } finally {
          c.releaseInputs()
        }
        this.obsoleteFiles.schedule()
      }).catch((err) => {
        this.compactionScheduled = false
        if (!this.closed) this.recordBackgroundError(err)
      }).finally(() => {
        this.bgSignal.notifyAll()
        this.maybeScheduleCompaction()
      })
    })
  }

  /** Runs a picked compaction: a trivial move as a MANIFEST edit alone, otherwise a compaction job. */
  private async runCompaction (c: Compaction): Promise<void> {
    this.compactionRunning = true
    try {
      if (c.isTrivialMove()) {
        const f = c.inputs[0][0]!
        c.edit.removeFile(c.level, f.number)
        c.edit.addFile(c.level + 1, f)
        await this.versions.logAndApply(c.edit, { tablesDurable: true })
        this.infoLog.log(`Moved table ${describeFiles([f])} from level ${c.level} to level ${c.level + 1}`)
        return
      }
      const outputs: number[] = []
      const smallestSnapshot = this.snapshots.oldest() ?? this.versions.lastSequence
      try {
        const result = await this.jobs.compact(this.env, this.tableCache, {
          location: this.location,
          spec: c.spec(),
          smallestSnapshot,
          table: this.tableOptions
        }, () => {
          const n = this.versions.newFileNumber()
          this.pendingOutputs.add(n)
          outputs.push(n)
          return n
        }, this.onWorkerLost)
        // Outputs a job worker wrote must be open here before the table cache opens them.
        if (this.env.prepareFiles !== undefined) await this.env.prepareFiles(result.outputs.map((f) => tableFileName(this.location, f.number)))
        c.addInputDeletions(c.edit)
        for (const out of result.outputs) c.edit.addFile(c.level + 1, out)
        await this.versions.logAndApply(c.edit, { tablesDurable: true })
        this.stats[c.level + 1]!.add(result.micros, result.bytesRead, result.bytesWritten)
        this.infoLog.log(`Compacted level ${c.level} to level ${c.level + 1}${c.isManual ? ' (manual)' : ''}: ` +
          `inputs level ${c.level} ${describeFiles(c.inputs[0])}, level ${c.level + 1} ${describeFiles(c.inputs[1])}; ` +
          `outputs ${describeFiles(result.outputs)}; read ${result.bytesRead} bytes, wrote ${result.bytesWritten} bytes ` +
          `(${result.entriesRead} entries in, ${result.entriesDropped} dropped) in ${Math.round(result.micros / 1000)} ms`)
      } finally {
        for (const n of outputs) this.pendingOutputs.delete(n)
      }
    } finally {
      this.compactionRunning = false
    }
  }

  /**
   * Deletes files nothing can read any more (obsolete-files.ts) now, on this thread: at open, and
   * after a manual compaction step, whose caller waits for it. After a background flush or
   * compaction, and when an old Version is released, obsoleteFiles.schedule() does the same in
   * the background instead.
   */
  private removeObsoleteFiles (): void {
    if (!this.mayDeleteFiles()) return
    const deleted = deleteObsoleteFiles(this.env, this.location, this.liveState(), (table) => { this.tableCache.evict(table) })
    if (deleted.length > 0) this.infoLog.log(`Deleted obsolete files: ${describeNames(deleted)}`)
  }

  /** Not after a background error, when the files may be ahead of what the MANIFEST says. */
  private mayDeleteFiles (): boolean {
    return !this.readOnly && this.bgError === undefined && this.lock !== undefined
  }

  /** What must not be deleted: tables of live Versions and running jobs, the live logs and MANIFEST. */
  private liveState (): LiveState {
    const live = new Set(this.pendingOutputs)
    this.versions.addLiveFiles(live)
    return {
      liveTables: live,
      logNumber: this.versions.logNumber,
      prevLogNumber: this.versions.prevLogNumber,
      manifestNumber: this.versions.manifestFileNumber
    }
  }
}
