// ShaleLevel: an abstract-level database over the engine (doc/level.md).
//
// abstract-level does the public half: argument checks, encodings, deferred open, sublevels,
// hooks, events, resource tracking, iterator bookkeeping. This class fills in the private half
// by calling the engine, and keeps classic-level's surface (options, extra methods, errors) so
// that swapping one for the other is a change of import.
//
// Snapshots are exact because every engine read fixes its view synchronously: get() reads at the
// sequence current when it is called, and an iterator pins memtables and a Version when abstract-
// level creates it, before any write issued after the call can land.

import { AbstractLevel } from 'abstract-level'
import type {
  AbstractChainedBatch, AbstractSnapshot, AbstractIterator, AbstractKeyIterator, AbstractValueIterator, AbstractBatchOperation, AbstractBatchOptions, AbstractDatabaseOptions, AbstractDelOptions, AbstractGetManyOptions,
  AbstractGetOptions, AbstractHasManyOptions, AbstractHasOptions, AbstractIteratorOptions, AbstractKeyIteratorOptions,
  AbstractOpenOptions, AbstractPutOptions, AbstractValueIteratorOptions
} from 'abstract-level'
import { DB } from '../db/db.js'
import type { DBOptions } from '../db/options.js'
import { ENGINE_OF, type CheckpointResult } from '../db/checkpoint.js'
import { readOnlyError } from '../db/read-only.js'
import type { Env } from '../env/env.js'
import { WriteBatch } from '../dbformat/write-batch.js'
import { ShaleError } from '../util/errors.js'
import { ShaleChainedBatch } from './chained-batch.js'
import { clearRange } from './clear.js'
import { decoderFor, NATIVE_FORMATS, scratch, toBytes, toData } from './formats.js'
import {
  engineIteratorOptions, openEngineIterator, ShaleIterator, ShaleKeyIterator, ShaleValueIterator, type PrivateIteratorOptions
} from './iterator.js'
import { engineSnapshotOf, ShaleSnapshot } from './snapshot.js'
import { nodeTransport } from './remote/node-transport.js'
import type { RemoteDatabase } from './remote/remote-database.js'
import { openSharedDatabase, type ShaleShareOptions } from './remote/open-shared.js'
import { openWithoutEnv, type DefaultOpenOptions } from './default-open.js'

/**
 * The engine's options, with classic-level's names (README "Options"), and `readOnly`: open
 * without the lock and write nothing; every write then fails with LEVEL_READONLY.
 */
export type ShaleEngineOptions = Omit<DBOptions, 'createIfMissing' | 'errorIfExists'>

/** Options for db.open() (and the constructor): abstract-level's plus the engine's. */
export interface ShaleOpenOptions extends AbstractOpenOptions, ShaleEngineOptions, ShaleShareOptions, DefaultOpenOptions {}

/** Options for the constructor: encodings, open options and engine options. */
export interface ShaleLevelOptions<K, V> extends AbstractDatabaseOptions<K, V>, ShaleEngineOptions, ShaleShareOptions, DefaultOpenOptions {}

/** Per-read option, as classic-level: whether blocks read are kept in the block cache. */
export interface ShaleReadOptions {
  fillCache?: boolean | undefined
}

/** The key encoding of a call to approximateSize() or compactRange(), as abstract-level's reads take it. */
export interface ShaleKeyOptions<K> {
  keyEncoding?: AbstractGetOptions<K, unknown>['keyEncoding']
}

/** Per-write option, as classic-level: fdatasync the log before the write resolves. */
export interface ShaleWriteOptions {
  sync?: boolean | undefined
}

/** The names of the engine options, forwarded from open options; all else stays with abstract-level. */
const ENGINE_OPTION_NAMES = [
  'env', 'createIfMissing', 'errorIfExists', 'paranoidChecks', 'compression', 'cacheSize', 'writeBufferSize',
  'blockSize', 'maxOpenFiles', 'blockRestartInterval', 'maxFileSize', 'bloomBitsPerKey', 'maxManifestFileSize',
  'maxInfoLogFileSize', 'backgroundWorkers', 'readWorkers', 'readOnly'
] as const satisfies ReadonlyArray<keyof DBOptions>

type Format = string | Uint8Array

interface KeyOptions { keyEncoding: string }
interface EntryOptions { keyEncoding: string, valueEncoding: string }
interface PrivateReadOptions extends EntryOptions { snapshot?: unknown, fillCache?: boolean }
interface PrivateWriteOptions { sync?: boolean }
interface PrivateBatchOperation { type: 'put' | 'del', key: unknown, value?: unknown }
interface PrivateClearOptions {
  gt?: unknown
  gte?: unknown
  lt?: unknown
  lte?: unknown
  reverse: boolean
  limit: number
  keyEncoding: string
  snapshot?: unknown
}

export class ShaleLevel<KDefault = string, VDefault = string> extends AbstractLevel<Format, KDefault, VDefault> {
  readonly #location: string
  #engine: DB | undefined
  /** Opened with multithreading: the owner's engine is shared (release it) or in another thread (#remote). */
  #release: (() => Promise<void>) | undefined
  #remote: RemoteDatabase | undefined

  constructor (location: string, options?: ShaleLevelOptions<KDefault, VDefault>) {
    if (typeof location !== 'string' || location === '') {
      throw new TypeError("The first argument 'location' must be a non-empty string")
    }
    super(({
      encodings: { ...NATIVE_FORMATS },
      implicitSnapshots: true,
      explicitSnapshots: true,
      permanence: true,
      seek: true,
      getSync: true,
      has: true,
      createIfMissing: true,
      errorIfExists: true,
      signals: { iterators: true },
      additionalMethods: { approximateSize: true, compactRange: true, getProperty: true, checkpoint: true }
      // abstract-level's manifest typings lag behind it: getSync is a real manifest flag.
    } as unknown as ConstructorParameters<typeof AbstractLevel>[0]), options)
    this.#location = location
  }

  /** The directory given to the constructor. */
  get location (): string {
    return this.#location
  }

  // ---------------------------------------------------------------------------------------------
  // Open and close

  protected async _open (options: ShaleOpenOptions & { createIfMissing: boolean, errorIfExists: boolean }): Promise<void> {
    const engineOptions: Record<string, unknown> = {}
    for (const name of ENGINE_OPTION_NAMES) {
      if (options[name] !== undefined) engineOptions[name] = options[name]
    }
    if (options.env === undefined) {
      // In a browser: on the Origin Private File System, here or in an engine worker.
      const opened = await openWithoutEnv(this.#location, engineOptions as DBOptions, { engineWorker: options.engineWorker })
      if (opened !== undefined) {
        this.#engine = opened.engine
        this.#remote = opened.remote
        this.#release = opened.release
        return
      }
    }
    // A read-only open takes no lock, so every thread can have its own: nothing to share.
    if (options.multithreading === true && options.env === undefined && options.readOnly !== true) {
      const shared = await openSharedDatabase(this.#location, engineOptions as DBOptions, nodeTransport)
      this.#engine = shared.engine
      this.#release = shared.release
      this.#remote = shared.remote
      return
    }
    this.#engine = await DB.open(this.#location, engineOptions as DBOptions)
  }

  protected async _close (): Promise<void> {
    // abstract-level closed our iterators, snapshots and batches first; the engine closes
    // whatever it still tracks (and waits for writes and background work) all the same. The
    // engine is kept until it closed: if closing failed, abstract-level goes back to 'open'.
    await this.#remote?.close()
    if (this.#release !== undefined) await this.#release()
    else await this.#engine?.close()
    this.#engine = undefined
    this.#release = undefined
    this.#remote = undefined
  }

  /** The open engine; abstract-level calls private methods only while the database is open. */
  private get engine (): DB {
    const engine = this.#engine
    if (engine === undefined) throw new ShaleError('LEVEL_DATABASE_NOT_OPEN', 'database is not open')
    return engine
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  protected async _get (key: Format, options: PrivateReadOptions): Promise<Format | undefined> {
    if (this.#remote !== undefined) return await this.#remote.get(key, options)
    const value = options.snapshot === undefined && options.fillCache === undefined
      ? await this.engine.get(scratch.first(key, 'key'))
      : await this.engine.get(scratch.first(key, 'key'), {
        snapshot: engineSnapshotOf(options.snapshot),
        fillCache: options.fillCache !== false
      })
    return value === undefined ? undefined : decoderFor(options.valueEncoding)(value)
  }

  protected _getSync (key: Format, options: PrivateReadOptions): Format | undefined {
    if (this.#remote !== undefined) return this.#remote.getSync(key, options)
    const value = options.snapshot === undefined && options.fillCache === undefined
      ? this.engine.getSync(scratch.first(key, 'key'))
      : this.engine.getSync(scratch.first(key, 'key'), {
        snapshot: engineSnapshotOf(options.snapshot),
        fillCache: options.fillCache !== false
      })
    return value === undefined ? undefined : decoderFor(options.valueEncoding)(value)
  }

  protected async _getMany (keys: Format[], options: PrivateReadOptions): Promise<Array<Format | undefined>> {
    if (this.#remote !== undefined) return await this.#remote.getMany(keys, options)
    const engine = this.engine
    const decode = decoderFor(options.valueEncoding)
    // One state for all keys: every get takes its sequence when called, and they are all called
    // in this one synchronous loop. Issued together, their block reads may go to read workers.
    const readOptions = { snapshot: engineSnapshotOf(options.snapshot), fillCache: options.fillCache !== false }
    // engine.get reads the key before it first waits, so scratch bytes may back it.
    const values = await Promise.all(keys.map(async (key) => await engine.get(scratch.first(key, 'key'), readOptions)))
    return values.map((value) => value === undefined ? undefined : decode(value))
  }

  protected async _has (key: Format, options: KeyOptions & { snapshot?: unknown, fillCache?: boolean }): Promise<boolean> {
    if (this.#remote !== undefined) return await this.#remote.has(key, options)
    return this.engine.getSync(scratch.first(key, 'key'), {
      snapshot: engineSnapshotOf(options.snapshot),
      fillCache: options.fillCache !== false
    }) !== undefined
  }

  protected async _hasMany (keys: Format[], options: KeyOptions & { snapshot?: unknown, fillCache?: boolean }): Promise<boolean[]> {
    if (this.#remote !== undefined) return await this.#remote.hasMany(keys, options)
    const engine = this.engine
    const readOptions = { snapshot: engineSnapshotOf(options.snapshot), fillCache: options.fillCache !== false }
    return keys.map((key) => engine.getSync(scratch.first(key, 'key'), readOptions) !== undefined)
  }

  protected _iterator (options: PrivateIteratorOptions): ShaleIterator<this, unknown, unknown> {
    if (this.#remote !== undefined) return this.#remote.iterator(this, options)
    const handle = openEngineIterator(this.engine, options, options.keys !== false, options.values !== false)
    return new ShaleIterator(this, options, handle)
  }

  protected _keys (options: PrivateIteratorOptions): ShaleKeyIterator<this, unknown> {
    if (this.#remote !== undefined) return this.#remote.keys(this, options)
    return new ShaleKeyIterator(this, options, openEngineIterator(this.engine, options, true, false))
  }

  protected _values (options: PrivateIteratorOptions): ShaleValueIterator<this, unknown, unknown> {
    if (this.#remote !== undefined) return this.#remote.values(this, options)
    return new ShaleValueIterator(this, options, openEngineIterator(this.engine, options, false, true))
  }

  protected _snapshot (options: { owner: unknown }): AbstractSnapshot {
    if (this.#remote !== undefined) return this.#remote.snapshot(options)
    return new ShaleSnapshot(options, this.engine.snapshot())
  }

  // ---------------------------------------------------------------------------------------------
  // Direct paths for the common calls
  //
  // abstract-level's get, put, del and batch normalise and clone their options, clone every batch
  // operation, and await the private method inside an async function of their own: about 1.5 µs
  // and two extra promises per call, a third of what a put costs the engine. When nothing could
  // tell the difference (the database is open, no prewrite hook, no 'write' listener, no per-call
  // encodings or sublevels), these calls go straight to the engine through the same encodings,
  // the same checks and the same errors; every other call takes abstract-level's path.

  #keyCodec: Codec | undefined
  #valueCodec: Codec | undefined

  override get (key: unknown, options?: unknown): Promise<unknown> {
    if (options != null || this.status !== 'open' || this.#remote !== undefined) return super.get(key as KDefault, options as AbstractGetOptions<KDefault, VDefault>)
    // The engine may read a missing block on a read worker: go through _get, which waits for it.
    if (this.engine.hasReadWorkers) return super.get(key as KDefault)
    // abstract-level's getSync without options is already direct: the same checks and decoding.
    try {
      return Promise.resolve(this.getSync(key as KDefault))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  override put (key: unknown, value: unknown, options?: unknown): Promise<void> {
    if (key == null || value == null || !this.#direct(options)) {
      return super.put(key as KDefault, value as VDefault, options as AbstractPutOptions<KDefault, VDefault>)
    }
    try {
      return this.engine.writeOne(toData(this.#encodeKey(key), 'key'), toData(this.#encodeValue(value), 'value'), writeOptions(options))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  override del (key: unknown, options?: unknown): Promise<void> {
    if (key == null || !this.#direct(options)) return super.del(key as KDefault, options as AbstractDelOptions<KDefault>)
    try {
      return this.engine.writeOne(toData(this.#encodeKey(key), 'key'), undefined, writeOptions(options))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  override batch (operations?: unknown, options?: unknown): Promise<void> | AbstractChainedBatch<this, KDefault, VDefault> {
    if (arguments.length === 0) return super.batch()
    const ops = operations as AbstractBatchOperation<this, KDefault, VDefault>[]
    if (!Array.isArray(operations) || !this.#direct(options)) return super.batch(ops, options as AbstractBatchOptions<KDefault, VDefault>)
    // Even an empty batch is refused on a read-only database: the caller meant to write.
    if (operations.length === 0) return this.engine.readOnly ? Promise.reject(readOnlyError('batch')) : Promise.resolve()
    const batch = new WriteBatch()
    try {
      for (let i = 0; i < operations.length; i++) {
        const op = operations[i] as DirectOperation | null
        // Anything unusual (a hole, a sublevel, an encoding of its own, a missing key or value,
        // an unknown type) goes to abstract-level, which handles it or names the error.
        if (op === null || typeof op !== 'object' || op.key == null || op.sublevel != null || op.keyEncoding != null) {
          return super.batch(ops, options as AbstractBatchOptions<KDefault, VDefault>)
        }
        if (op.type === 'put' && op.value != null && op.valueEncoding == null) {
          batch.putUtf8(toData(this.#encodeKey(op.key), 'key'), toData(this.#encodeValue(op.value), 'value'))
        } else if (op.type === 'del') {
          batch.delUtf8(toData(this.#encodeKey(op.key), 'key'))
        } else {
          return super.batch(ops, options as AbstractBatchOptions<KDefault, VDefault>)
        }
      }
      return this.engine.write(batch, writeOptions(options))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Whether a write with these options may take the direct path. */
  #direct (options: unknown): boolean {
    if (this.status !== 'open' || this.#remote !== undefined || !(this.hooks.prewrite as unknown as { noop: boolean }).noop || this.listenerCount('write') !== 0) return false
    if (options == null) return true
    if (typeof options !== 'object') return false
    const o = options as { keyEncoding?: unknown, valueEncoding?: unknown }
    return o.keyEncoding == null && o.valueEncoding == null
  }

  /** The key in the database's key encoding: a string or bytes (checked where it is used). */
  #encodeKey (key: unknown): unknown {
    const codec = this.#keyCodec ??= this.keyEncoding() as unknown as Codec
    return codec.encode(key)
  }

  #encodeValue (value: unknown): unknown {
    const codec = this.#valueCodec ??= this.valueEncoding() as unknown as Codec
    return codec.encode(value)
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  protected async _put (key: Format, value: Format, options: PrivateWriteOptions): Promise<void> {
    if (this.#remote !== undefined) return await this.#remote.put(key, value, options)
    await this.engine.put(scratch.first(key, 'key'), scratch.next(value, 'value'), { sync: options.sync === true })
  }

  protected async _del (key: Format, options: PrivateWriteOptions): Promise<void> {
    if (this.#remote !== undefined) return await this.#remote.del(key, options)
    await this.engine.del(scratch.first(key, 'key'), { sync: options.sync === true })
  }

  protected async _batch (operations: PrivateBatchOperation[], options: PrivateWriteOptions): Promise<void> {
    if (this.#remote !== undefined) return await this.#remote.batch(operations, options)
    const batch = new WriteBatch()
    for (const op of operations) {
      if (op.type === 'put') batch.putUtf8(toData(op.key, 'key'), toData(op.value, 'value'))
      else batch.delUtf8(toData(op.key, 'key'))
    }
    await this.engine.write(batch, { sync: options.sync === true })
  }

  protected _chainedBatch (): ShaleChainedBatch<this, KDefault, VDefault> {
    if (this.#remote !== undefined) return this.#remote.chainedBatch(this)
    return new ShaleChainedBatch(this, this.engine)
  }

  /** Deletes a range (clear.ts says how). */
  protected async _clear (options: PrivateClearOptions): Promise<void> {
    if (this.#remote !== undefined) return await this.#remote.clear(options)
    // Refused before looking: a clear of an empty range on a read-only database fails too.
    if (this.engine.readOnly) throw readOnlyError('clear')
    await clearRange(this.engine, engineIteratorOptions({ ...options, keys: true, values: false }, true, false, true))
  }

  // ---------------------------------------------------------------------------------------------
  // Additional methods (classic-level's)

  /** Approximate bytes of table files holding keys in [start, end). */
  approximateSize (start: KDefault, end: KDefault): Promise<number>
  approximateSize<K = KDefault> (start: K, end: K, options: ShaleKeyOptions<K>): Promise<number>
  async approximateSize (start: unknown, end: unknown, options?: ShaleKeyOptions<unknown>): Promise<number> {
    if (arguments.length < 2) throw new TypeError("The arguments 'start' and 'end' are required")
    if (this.status === 'opening') return await this.deferAsync(async () => await this.approximateSize(start, end, options ?? {}))
    if (this.status !== 'open') throw notOpen('approximateSize')
    if (this.#remote !== undefined) return await this.#remote.approximateSize(this.encodeKey(start, options), this.encodeKey(end, options))
    return this.engine.approximateSize(this.encodeKey(start, options), this.encodeKey(end, options))
  }

  /** Flushes the memtable and compacts every level over [start, end]. */
  compactRange (start: KDefault, end: KDefault): Promise<void>
  compactRange<K = KDefault> (start: K, end: K, options: ShaleKeyOptions<K>): Promise<void>
  async compactRange (start: unknown, end: unknown, options?: ShaleKeyOptions<unknown>): Promise<void> {
    if (arguments.length < 2) throw new TypeError("The arguments 'start' and 'end' are required")
    if (this.status === 'opening') return await this.deferAsync(async () => { await this.compactRange(start, end, options ?? {}) })
    if (this.status !== 'open') throw notOpen('compactRange')
    if (this.#remote !== undefined) return await this.#remote.compactRange(this.encodeKey(start, options), this.encodeKey(end, options))
    await this.engine.compactRange(this.encodeKey(start, options), this.encodeKey(end, options))
  }

  /**
   * Writes an openable copy of the database as of now into `target` (missing or empty) while reads
   * and writes go on (DB.checkpoint, doc/backup.md). Waits while the database opens.
   */
  async checkpoint (target: string): Promise<CheckpointResult> {
    if (typeof target !== 'string' || target === '') throw new TypeError("The first argument 'target' must be a non-empty string")
    return await (await this[ENGINE_OF]('checkpoint')).checkpoint(target)
  }

  /** @internal The open engine, for Backup.create and checkpoint: waits while opening. */
  async [ENGINE_OF] (method: string): Promise<DB> {
    if (this.status === 'opening') return await this.deferAsync(async () => await this[ENGINE_OF](method))
    if (this.status !== 'open') throw notOpen(method)
    return this.engine
  }

  /** A key given to an additional method, through the key encoding in effect, as bytes. */
  private encodeKey (key: unknown, options: ShaleKeyOptions<unknown> | undefined): Uint8Array {
    const name = options?.keyEncoding
    const encoding = name === undefined ? this.keyEncoding() : this.keyEncoding(name as 'utf8')
    return toBytes((encoding.encode as (data: unknown) => unknown)(key), 'key')
  }

  /**
   * An engine property: `shale.stats`, `shale.sstables`, `shale.num-files-at-level<N>`,
   * `shale.approximate-memory-usage`. LevelDB's `leveldb.` names are accepted as aliases, so
   * code written for classic-level keeps working; an unknown name gives '' as in classic-level.
   * Synchronous, so it cannot wait for open.
   */
  getProperty (property: string): string {
    if (typeof property !== 'string') throw new TypeError("The first argument 'property' must be a string")
    if (this.status !== 'open') throw notOpen('getProperty')
    const name = property.startsWith('leveldb.') ? 'shale.' + property.slice('leveldb.'.length) : property
    if (this.#remote !== undefined) return this.#remote.getProperty(name)
    return this.engine.getProperty(name) ?? ''
  }

  /** Deletes every LevelDB file of a closed database, then the directory if it is empty. */
  static async destroy (location: string, options: { env?: Env } = {}): Promise<void> {
    if (typeof location !== 'string' || location === '') {
      throw new TypeError("The first argument 'location' must be a non-empty string")
    }
    await DB.destroy(location, options)
  }

  /**
   * Rebuilds the MANIFEST of a closed database from the tables and logs it holds (doc/repair.md),
   * as classic-level's repair does, keeping every intact record.
   */
  static async repair (location: string, options: { env?: Env } = {}): Promise<void> {
    if (typeof location !== 'string' || location === '') {
      throw new TypeError("The first argument 'location' must be a non-empty string")
    }
    await DB.repair(location, options)
  }
}

/** The default encodings as the direct paths use them. */
interface Codec { encode: (data: unknown) => unknown }

/** A batch operation as the direct path reads it. */
interface DirectOperation {
  type?: unknown
  key?: unknown
  value?: unknown
  sublevel?: unknown
  keyEncoding?: unknown
  valueEncoding?: unknown
}

const SYNC_WRITE = Object.freeze({ sync: true })
const PLAIN_WRITE = Object.freeze({ sync: false })

/** The engine's write options for a direct write's options (only `sync` matters). */
function writeOptions (options: unknown): { sync: boolean } {
  return (options as ShaleWriteOptions | null | undefined)?.sync === true ? SYNC_WRITE : PLAIN_WRITE
}

function notOpen (method: string): ShaleError {
  return new ShaleError('LEVEL_DATABASE_NOT_OPEN', `Database is not open: cannot call ${method}()`)
}

// Typed overloads for the per-call options Shale adds to abstract-level's (classic-level's names),
// merged into the class so that `db.put(k, v, { sync: true })` type-checks. The implementations
// are abstract-level's; they forward unknown options to the private methods above.
export interface ShaleLevel<KDefault = string, VDefault = string> {
  open (): Promise<void>
  open (options: ShaleOpenOptions): Promise<void>

  get (key: KDefault): Promise<VDefault | undefined>
  get<K = KDefault, V = VDefault> (key: K, options: AbstractGetOptions<K, V> & ShaleReadOptions): Promise<V | undefined>

  getSync (key: KDefault): VDefault | undefined
  getSync<K = KDefault, V = VDefault> (key: K, options: AbstractGetOptions<K, V> & ShaleReadOptions): V | undefined

  getMany (keys: KDefault[]): Promise<Array<VDefault | undefined>>
  getMany<K = KDefault, V = VDefault> (keys: K[], options: AbstractGetManyOptions<K, V> & ShaleReadOptions): Promise<Array<V | undefined>>

  has (key: KDefault): Promise<boolean>
  has<K = KDefault> (key: K, options: AbstractHasOptions<K> & ShaleReadOptions): Promise<boolean>

  hasMany (keys: KDefault[]): Promise<boolean[]>
  hasMany<K = KDefault> (keys: K[], options: AbstractHasManyOptions<K> & ShaleReadOptions): Promise<boolean[]>

  put (key: KDefault, value: VDefault): Promise<void>
  put<K = KDefault, V = VDefault> (key: K, value: V, options: AbstractPutOptions<K, V> & ShaleWriteOptions): Promise<void>

  del (key: KDefault): Promise<void>
  del<K = KDefault> (key: K, options: AbstractDelOptions<K> & ShaleWriteOptions): Promise<void>

  batch (operations: Array<AbstractBatchOperation<this, KDefault, VDefault>>): Promise<void>
  batch<K = KDefault, V = VDefault> (
    operations: Array<AbstractBatchOperation<this, K, V>>,
    options: AbstractBatchOptions<K, V> & ShaleWriteOptions
  ): Promise<void>

  batch (): AbstractChainedBatch<this, KDefault, VDefault>

  iterator (): AbstractIterator<this, KDefault, VDefault>
  iterator<K = KDefault, V = VDefault> (options: AbstractIteratorOptions<K, V> & ShaleReadOptions): AbstractIterator<this, K, V>

  keys (): AbstractKeyIterator<this, KDefault>
  keys<K = KDefault> (options: AbstractKeyIteratorOptions<K> & ShaleReadOptions): AbstractKeyIterator<this, K>

  values (): AbstractValueIterator<this, KDefault, VDefault>
  values<K = KDefault, V = VDefault> (options: AbstractValueIteratorOptions<K, V> & ShaleReadOptions): AbstractValueIterator<this, K, V>
}
