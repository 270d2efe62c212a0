// The write pipeline (doc/engine.md, "The write path"): the queue of writers, group commit into
// one log record, the log's sync, and the switch to a new log and memtable when the memtable is
// full. It owns the live log; the database owns everything else and lends it through WriteHost.
// Only this loop appends to the log, so a group is written, synced and applied to the memtable
// in order, and a failed append or sync becomes the database's sticky error (README contract 8).

import type { Env, WritableFile } from '../env/env.js'
import { logFileName } from '../dbformat/filename.js'
import { WRITE_BATCH_HEADER_SIZE, WriteBatch, type BytesOrString } from '../dbformat/write-batch.js'
import { LogWriter } from '../log/writer.js'
import type { MemTable } from '../memtable/memtable.js'
import type { Signal } from '../util/mutex.js'
import { L0_SLOWDOWN_WRITES_TRIGGER, L0_STOP_WRITES_TRIGGER } from '../version/policy.js'
import { onNextMacrotask } from '../util/macrotask.js'
import type { VersionSet } from '../version/version-set.js'
import { GATHER_MAX_BYTES, GatheredWrites, singleWriteSize, type Writer } from './writers.js'

/** Group commit: a group holds at most this many bytes, less when the leader is small. */
const MAX_GROUP_BYTES = 1 << 20
/**
 * The write loop lets the event loop turn at least this often (milliseconds) while writes keep
 * coming, so that a caller's loop of awaited writes cannot starve timers, I/O and the background
 * workers' replies. One macrotask per interval costs next to nothing.
 */
const WRITE_TURN_MS = 2
/** Log syncs that take less than this on average (milliseconds) are made on this thread. */
const SYNC_INLINE_MAX_MS = 1
/** What the write loop's microtask is chained to. */
const RESOLVED = Promise.resolve()

/** What the pipeline needs of the database. */
interface WriteHost {
  readonly env: Env
  readonly location: string
  readonly versions: VersionSet
  readonly writeBufferSize: number
  /** Woken when background work or the write loop changes state. */
  readonly bgSignal: Signal
  /** The sticky background error, once there is one. */
  backgroundError: () => unknown
  recordBackgroundError: (err: unknown) => void
  /** The live memtable, which each group is applied to. */
  memtable: () => MemTable
  /** Whether a retired memtable is still waiting for its flush. */
  hasImmutable: () => boolean
  /** Retires the live memtable (its log was synced and a new one opened) and schedules its flush. */
  retireMemTable: () => void
  maybeScheduleCompaction: () => void
}

export class WritePipeline {
  private readonly host: WriteHost
  private readonly writers: Writer[] = []
  private writing = false
  private logFile: WritableFile | undefined
  private log: LogWriter | undefined
  private currentLogNumber = 0
  /** Whether the current log's directory entry is durable (README contract 2 for the first sync write). */
  private logDirSynced = false
  /** Moving average of the log's sync latency, in milliseconds (syncLog). */
  private syncLatency = SYNC_INLINE_MAX_MS
  /** When the write loop last started from a macrotask (startWriting). */
  private lastWriteTurn = 0
  /** A gathered batch already written, kept for the next single writes. */
  private spareBatch: WriteBatch | undefined
  /** Starts the write loop, from a microtask or a macrotask (startWriting). */
  private readonly runWrites = (): void => { void this.processWrites() }

  constructor (host: WriteHost) {
    this.host = host
  }

  /** The number of the live log. */
  get logNumber (): number {
    return this.currentLogNumber
  }

  /** Whether a write is queued or being written. */
  get busy (): boolean {
    return this.writing || this.writers.length > 0
  }

  /** Closes the live log file (at close; nothing may be queued). */
  closeLog (): void {
    try { this.logFile?.close() } catch { /* closing anyway */ }
    this.logFile = undefined
    this.log = undefined
  }

  /**
   * Queues a single put or del: appended to the last queued writer when that one gathers single
   * writes of the same kind (writers.ts), else in a writer of its own. A string key or value is
   * written into the batch as its UTF-8 bytes.
   */
  gather (key: BytesOrString, value: BytesOrString | undefined, sync: boolean): Promise<void> {
    const bgError = this.host.backgroundError()
    if (bgError !== undefined) return Promise.reject(bgError)
    const size = singleWriteSize(key, value)
    const last = this.writers.length > 0 ? this.writers[this.writers.length - 1] : undefined
    let writer: GatheredWrites
    if (last instanceof GatheredWrites && last.sync === sync && last.hasRoom(size)) {
      writer = last
    } else {
      const spare = this.spareBatch
      this.spareBatch = undefined
      writer = new GatheredWrites(spare ?? new WriteBatch(WRITE_BATCH_HEADER_SIZE + size), sync)
      this.writers.push(writer)
    }
    if (value === undefined) writer.batch.delUtf8(key)
    else writer.batch.putUtf8(key, value)
    this.startWriting()
    return writer.done
  }

  /** Queues a batch (undefined: a request to switch to a new memtable and log, for flush()). */
  enqueue (batch: WriteBatch | undefined, sync: boolean): Promise<void> {
    const bgError = this.host.backgroundError()
    if (bgError !== undefined) return Promise.reject(bgError)
    return new Promise<void>((resolve, reject) => {
      this.writers.push({ batch, sync, resolve, reject })
      this.startWriting()
    })
  }

  /** Starts the write loop unless it runs. */
  private startWriting (): void {
    if (this.writing) return
    this.writing = true
    // Writers issued in the same tick join one group. The loop normally starts in a microtask,
    // which is cheapest; but a caller awaiting one write after another would then never let
    // the event loop turn (no timers, no I/O callbacks, no replies from the background
    // workers), so at least every WRITE_TURN_MS the loop starts from a macrotask instead.
    // (A resolved promise's then(), not queueMicrotask: in Chromium that call costs 0.45 µs
    // against 0.03, once per awaited put; doc/opfs.md, "Awaited puts".)
    const now = performance.now()
    if (now - this.lastWriteTurn < WRITE_TURN_MS) {
      void RESOLVED.then(this.runWrites)
    } else {
      onNextMacrotask(() => {
        this.lastWriteTurn = performance.now()
        this.runWrites()
      })
    }
  }

  private async processWrites (): Promise<void> {
    try {
      while (this.writers.length > 0) {
        const leader = this.writers[0]!
        try {
          // Awaited only when there is something to wait for: most writes find room at once.
          const room = this.makeRoomForWrite(leader.batch === undefined)
          if (room !== undefined) await room
        } catch (err) {
          this.writers.shift()
          leader.reject(err)
          continue
        }
        if (leader.batch === undefined) {
          this.writers.shift()
          leader.resolve()
          continue
        }
        const group = this.takeGroup()
        try {
          const synced = this.writeGroup(group)
          if (synced !== undefined) await synced
          for (const w of group) w.resolve()
        } catch (err) {
          for (const w of group) w.reject(err)
          continue
        }
        // The log and the memtable copied the gathered batch: keep it for the next single writes.
        const first = group[0]
        if (first instanceof GatheredWrites && first.batch.byteSize <= GATHER_MAX_BYTES * 2) {
          first.batch.clear()
          this.spareBatch = first.batch
        }
      }
    } finally {
      this.writing = false
      this.host.bgSignal.notifyAll()
    }
  }

  /** The leader and the writers that can share its log record (doc/engine.md, "The write path"). */
  private takeGroup (): Writer[] {
    const leader = this.writers[0]!
    const leaderSize = leader.batch!.byteSize
    const maxSize = leaderSize <= 128 * 1024 ? leaderSize + 128 * 1024 : MAX_GROUP_BYTES
    let size = leaderSize
    let n = 1
    while (n < this.writers.length) {
      const w = this.writers[n]!
      if (w.batch === undefined) break
      // A sync write never rides in a group that will not be synced.
      if (w.sync && !leader.sync) break
      size += w.batch.byteSize
      if (size > maxSize) break
      n++
    }
    return this.writers.splice(0, n)
  }

  /**
   * Writes a group's record to the log and applies it to the memtable; for a sync group, returns
   * the promise of the log's sync, after which it is applied.
   */
  private writeGroup (group: Writer[]): Promise<void> | undefined {
    const bgError = this.host.backgroundError()
    if (bgError !== undefined) throw bgError
    let batch = group[0]!.batch!
    if (group.length > 1) {
      let size = 0
      for (const w of group) size += w.batch!.byteSize
      const merged = new WriteBatch(size)
      for (const w of group) merged.append(w.batch!)
      batch = merged
    }
    const sequence = this.host.versions.lastSequence + 1
    batch.sequence = sequence
    const sync = group[0]!.sync
    try {
      this.log!.addRecord(batch.contents())
      if (sync && !this.logDirSynced) {
        this.host.env.syncDir(this.host.location)
        this.logDirSynced = true
      }
    } catch (err) {
      this.failedLog(err)
    }
    if (sync) return this.syncThenApply(batch, sequence)
    this.apply(batch, sequence)
  }

  private async syncThenApply (batch: WriteBatch, sequence: number): Promise<void> {
    try {
      await this.syncLog()
    } catch (err) {
      this.failedLog(err)
    }
    this.apply(batch, sequence)
  }

  /**
   * The log may now hold a torn or unsynced record: every later write is refused rather than risk
   * acknowledging one after a hole (contract 8). A reopen recovers what was acknowledged.
   */
  private failedLog (err: unknown): never {
    this.host.recordBackgroundError(err)
    throw err
  }

  private apply (batch: WriteBatch, sequence: number): void {
    this.host.memtable().addBatch(batch)
    this.host.versions.lastSequence = sequence + batch.count - 1
  }

  /**
   * fdatasync of the log for a group of sync writes. On a device that syncs in well under a
   * millisecond, the synchronous call on this thread is faster than the asynchronous one (no
   * thread-pool hop: measured 5.3k against 7.6k small syncs a second on this project's machine),
   * and blocks the event loop for less than the hop would have cost. On a slow device it would
   * block for milliseconds, so the choice follows the measured latency: synchronous while the
   * moving average stays under SYNC_INLINE_MAX_MS, asynchronous otherwise.
   */
  private async syncLog (): Promise<void> {
    const started = performance.now()
    if (this.syncLatency < SYNC_INLINE_MAX_MS) this.logFile!.sync()
    else await this.logFile!.syncAsync()
    this.syncLatency += (performance.now() - started - this.syncLatency) * 0.2
  }

  /**
   * Makes sure the memtable has room: delays a write by 1 ms when level 0 is crowded, waits when it
   * is full or an immutable memtable is still being flushed, and otherwise switches to a new log
   * and memtable once this one is full (or `force` asks for it). Undefined when there is room now
   * (the usual case), so that the write loop does not wait a microtask for nothing.
   */
  private makeRoomForWrite (force: boolean): Promise<void> | undefined {
    if (force || this.host.backgroundError() !== undefined || this.host.versions.numLevelFiles(0) >= L0_SLOWDOWN_WRITES_TRIGGER ||
      this.host.memtable().approximateMemoryUsage() > this.host.writeBufferSize) return this.waitForRoom(force)
    return undefined
  }

  private async waitForRoom (force: boolean): Promise<void> {
    let allowDelay = !force
    for (;;) {
      const bgError = this.host.backgroundError()
      if (bgError !== undefined) throw bgError
      const l0 = this.host.versions.numLevelFiles(0)
      if (allowDelay && l0 >= L0_SLOWDOWN_WRITES_TRIGGER) {
        allowDelay = false
        await new Promise((resolve) => setTimeout(resolve, 1))
        continue
      }
      if (!force && this.host.memtable().approximateMemoryUsage() <= this.host.writeBufferSize) return
      if (this.host.hasImmutable() || l0 >= L0_STOP_WRITES_TRIGGER) {
        this.host.maybeScheduleCompaction()
        await this.host.bgSignal.wait()
        continue
      }
      await this.switchMemTable()
      return
    }
  }

  private async switchMemTable (): Promise<void> {
    const oldFile = this.logFile!
    try {
      // Sync the old log first: a sync write to the new log must never survive a power loss that
      // the unsynced tail of an older log did not (LevelDB issue 193). Writes wait for it (only
      // the write loop appends to the log, and it is here), reads do not.
      await oldFile.syncAsync()
      await this.openNewLog()
      oldFile.close()
    } catch (err) {
      this.host.recordBackgroundError(err)
      throw err
    }
    this.host.retireMemTable()
  }

  /** Starts a new log file (at open, and when the memtable is switched). */
  async openNewLog (): Promise<void> {
    const number = this.host.versions.newFileNumber()
    const { env, location } = this.host
    let file: WritableFile
    try {
      if (env.prepareFiles !== undefined) await env.prepareFiles([logFileName(location, number)])
      file = env.newWritableFile(logFileName(location, number))
    } catch (err) {
      this.host.versions.reuseFileNumber(number)
      throw err
    }
    this.logFile = file
    this.log = new LogWriter(file)
    this.currentLogNumber = number
    this.logDirSynced = false
  }
}
