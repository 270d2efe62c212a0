// abstract-level iterators (entries, keys, values) over the engine's synchronous iterator.
//
// The engine iterator is created by the database when abstract-level asks for one, so it pins the
// memtables and the Version current at that moment: that is the implicit snapshot abstract-level
// requires ("an iterator, upon creation, will synchronously create a snapshot").
//
// Reads are asynchronous only in form. Each one that touches the engine first yields a microtask,
// so that an abort signal fired right after the call (the "in-progress read" of abstract-level's
// signal contract) is seen before any entry is returned. A long nextv() or all() reads in chunks
// and gives the event loop a turn whenever it has held it for more than a few milliseconds; the
// signal is checked again after each such turn.
//
// next() reads ahead, as classic-level does, because a promise per entry costs more than the
// entry: the first next() after creation or seek() reads one entry, later ones read 16, then 256,
// then 1000 at a time. seek() drops what was read ahead. The engine iterator gets no limit:
// entries read ahead and dropped by a seek would count against it; abstract-level enforces the
// limit, and read-ahead never goes past it.

import { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } from 'abstract-level'
import type { AbstractIteratorOptions, AbstractKeyIteratorOptions, AbstractValueIteratorOptions } from 'abstract-level'
import type { DBIteratorHandle, Entry, IteratorOptions } from '../db/api.js'
import { boundToBytes, decoderFor, toBytes, type Decoder } from './formats.js'
import type { DB } from '../db/db.js'
import type { TextIteratorOptions } from '../db/user-iterator.js'
import { nextMacrotask } from '../util/macrotask.js'
import { LevelAbortError, snapshotNotOpen } from './errors.js'
import { engineSnapshotOf, ShaleSnapshot } from './snapshot.js'

/** What abstract-level passes to _iterator(), _keys() and _values() (encoded, normalised). */
export interface PrivateIteratorOptions {
  gt?: unknown
  gte?: unknown
  lt?: unknown
  lte?: unknown
  reverse: boolean
  /** -1 for no limit. */
  limit: number
  keys?: boolean
  values?: boolean
  keyEncoding: string
  valueEncoding?: string
  signal?: AbortSignal | null
  snapshot?: unknown
  fillCache?: boolean
}

/** Entries read from the engine per call while filling a large nextv() or all(). */
const CHUNK = 1000
/** How far next() reads ahead grows: x16 per refill, from 1 up to CHUNK. */
const READ_AHEAD_GROWTH = 16
/** After this many milliseconds of synchronous reading, a long read yields to the event loop. */
const TIME_SLICE_MS = 8

/**
 * The engine iterator's options for a private iterator (or clear) request. Iterators leave the
 * limit to abstract-level (see above); clear() passes it down.
 */
export function engineIteratorOptions (options: PrivateIteratorOptions, keys: boolean, values: boolean, withLimit: boolean): IteratorOptions {
  const out: IteratorOptions = {
    reverse: options.reverse === true,
    limit: withLimit && options.limit >= 0 ? options.limit : undefined,
    keys,
    values,
    snapshot: engineSnapshotOf(options.snapshot),
    fillCache: options.fillCache !== false
  }
  // Only bounds the caller set; `'gt' in options` with an undefined value is refused, not ignored.
  if ('gt' in options) out.gt = boundToBytes(options.gt, 'gt')
  if ('gte' in options) out.gte = boundToBytes(options.gte, 'gte')
  if ('lt' in options) out.lt = boundToBytes(options.lt, 'lt')
  if ('lte' in options) out.lte = boundToBytes(options.lte, 'lte')
  return out
}

/**
 * The engine iterator for a private iterator request. abstract-level lets an iterator be created
 * with a snapshot that is already closed and fails its first read with LEVEL_SNAPSHOT_NOT_OPEN;
 * such an iterator gets a handle that fails every read the same way and holds nothing. Keys and
 * values wanted as 'utf8' come out of it as strings, decoded where they are stored.
 */
export function openEngineIterator (engine: DB, options: PrivateIteratorOptions, keys: boolean, values: boolean): DBIteratorHandle {
  const snapshot = options.snapshot
  if (snapshot instanceof ShaleSnapshot && snapshot.released) return new ClosedSnapshotHandle()
  const engineOptions: TextIteratorOptions = engineIteratorOptions(options, keys, values, false)
  if (keys && options.keyEncoding === 'utf8') engineOptions.keyFormat = 'utf8'
  if (values && options.valueEncoding === 'utf8') engineOptions.valueFormat = 'utf8'
  return engine.iterator(engineOptions)
}

export class ClosedSnapshotHandle implements DBIteratorHandle {
  closed = false
  next (): Entry | undefined { throw snapshotNotOpen() }
  nextv (): Entry[] { throw snapshotNotOpen() }
  all (): Entry[] { throw snapshotNotOpen() }
  seek (): void {}
  close (): void { this.closed = true }
}

/**
 * An iterator whose reads are asynchronous: one living in another thread (remote/). Creation,
 * seek and close are still synchronous requests, ordered with the reads.
 */
export interface AsyncIteratorHandle {
  next (): Promise<Entry | undefined>
  /** `later`: how many more entries the caller may ask for after these (it may read them ahead). */
  nextv (size: number, later?: number): Promise<Entry[]>
  seek (target: Uint8Array): void
  close (): void
}

type Handle = DBIteratorHandle | AsyncIteratorHandle

/**
 * The engine iterator with the abort, time-slicing and read-ahead rules above; shared by the
 * three kinds. `shape` turns an engine entry into what the iterator yields (it may reuse the
 * entry's array); `remaining` is how many more items abstract-level's limit allows.
 */
class ReadCursor<T> {
  private readonly handle: Handle
  private readonly signal: AbortSignal | null
  private readonly shape: (entry: Entry) => T
  private readonly remaining: () => number
  private ahead: Entry[] = []
  private aheadPos = 0
  private readAhead = 1

  constructor (handle: Handle, signal: AbortSignal | null | undefined, shape: (entry: Entry) => T, remaining: () => number) {
    this.handle = handle
    this.signal = signal ?? null
    this.shape = shape
    this.remaining = remaining
  }

  async next (): Promise<T | undefined> {
    if (this.aheadPos < this.ahead.length) return this.shape(this.ahead[this.aheadPos++]!)
    await this.pause()
    const want = Math.max(1, Math.min(this.readAhead, this.remaining()))
    this.readAhead = Math.min(CHUNK, this.readAhead * READ_AHEAD_GROWTH)
    if (want === 1) {
      let entry = this.handle.next()
      if (entry instanceof Promise) entry = await this.settled(entry)
      return entry === undefined ? undefined : this.shape(entry)
    }
    let ahead = this.handle.nextv(want, this.remaining() - want)
    if (ahead instanceof Promise) ahead = await this.settled(ahead)
    this.ahead = ahead
    this.aheadPos = 0
    return this.aheadPos < this.ahead.length ? this.shape(this.ahead[this.aheadPos++]!) : undefined
  }

  /** Up to `max` items (Infinity: all that remain); fewer only at the end. */
  async collect (max: number): Promise<T[]> {
    let out: T[] = []
    while (this.aheadPos < this.ahead.length && out.length < max) out.push(this.shape(this.ahead[this.aheadPos++]!))
    if (out.length === max) return out
    await this.pause()
    let sliceStart = performance.now()
    while (out.length < max) {
      const want = Math.min(CHUNK, max - out.length)
      // What the caller may still want after this chunk: the rest of a long read, else what the
      // limit leaves for later calls.
      let entries = this.handle.nextv(want, Math.max(0, this.remaining() - out.length - want))
      if (entries instanceof Promise) entries = await this.settled(entries)
      if (out.length === 0) {
        // The usual nextv(): the engine's array becomes the result, shaped in place.
        const shaped = entries as unknown as T[]
        for (let i = 0; i < entries.length; i++) shaped[i] = this.shape(entries[i]!)
        out = shaped
      } else {
        for (const entry of entries) out.push(this.shape(entry))
      }
      if (entries.length < want) break
      if (out.length < max && performance.now() - sliceStart > TIME_SLICE_MS) {
        await nextMacrotask()
        this.checkSignal()
        sliceStart = performance.now()
      }
    }
    return out
  }

  seek (target: unknown): void {
    this.ahead = []
    this.aheadPos = 0
    this.readAhead = 1
    this.handle.seek(toBytes(target, 'key'))
  }

  close (): void {
    this.ahead = []
    this.handle.close()
  }

  /** An asynchronous read's result; an abort signalled while it was in flight wins. */
  private async settled<R> (read: Promise<R>): Promise<R> {
    const result = await read
    this.checkSignal()
    return result
  }

  private async pause (): Promise<void> {
    await undefined
    this.checkSignal()
  }

  private checkSignal (): void {
    if (this.signal?.aborted === true) throw new LevelAbortError()
  }
}

/** Decodes an engine entry in place into the formats abstract-level asked for. */
function entryShaper (keyFormat: string, valueFormat: string | undefined): (entry: Entry) => [unknown, unknown] {
  const decodeKey = decoderFor(keyFormat)
  const decodeValue = decoderFor(valueFormat)
  const out = (entry: Entry): [unknown, unknown] => entry
  if (keyFormat === 'view' && valueFormat === 'view') return out
  return (entry) => {
    const shaped = entry as unknown as [unknown, unknown]
    if (entry[0] !== undefined) shaped[0] = decodeKey(entry[0])
    if (entry[1] !== undefined) shaped[1] = decodeValue(entry[1])
    return shaped
  }
}

export class ShaleIterator<TDatabase, K, V> extends AbstractIterator<TDatabase, K, V> {
  private readonly cursor: ReadCursor<[unknown, unknown]>

  constructor (db: TDatabase, options: PrivateIteratorOptions, handle: Handle) {
    super(db, options as unknown as AbstractIteratorOptions<K, V>)
    this.cursor = new ReadCursor(handle, options.signal, entryShaper(options.keyEncoding, options.valueEncoding),
      () => this.limit - this.count)
  }

  async _next (): Promise<[unknown, unknown] | undefined> {
    return await this.cursor.next()
  }

  async _nextv (size: number): Promise<Array<[unknown, unknown]>> {
    return await this.cursor.collect(size)
  }

  async _all (): Promise<Array<[unknown, unknown]>> {
    return await this.cursor.collect(this.limit - this.count)
  }

  _seek (target: unknown): void {
    this.cursor.seek(target)
  }

  async _close (): Promise<void> {
    this.cursor.close()
  }
}

export class ShaleKeyIterator<TDatabase, K> extends AbstractKeyIterator<TDatabase, K> {
  private readonly cursor: ReadCursor<unknown>

  constructor (db: TDatabase, options: PrivateIteratorOptions, handle: Handle) {
    super(db, options as unknown as AbstractKeyIteratorOptions<K>)
    const decodeKey: Decoder = decoderFor(options.keyEncoding)
    this.cursor = new ReadCursor(handle, options.signal, (entry) => decodeKey(entry[0]!), () => this.limit - this.count)
  }

  async _next (): Promise<unknown> {
    return await this.cursor.next()
  }

  async _nextv (size: number): Promise<unknown[]> {
    return await this.cursor.collect(size)
  }

  async _all (): Promise<unknown[]> {
    return await this.cursor.collect(this.limit - this.count)
  }

  _seek (target: unknown): void {
    this.cursor.seek(target)
  }

  async _close (): Promise<void> {
    this.cursor.close()
  }
}

export class ShaleValueIterator<TDatabase, K, V> extends AbstractValueIterator<TDatabase, K, V> {
  private readonly cursor: ReadCursor<unknown>

  constructor (db: TDatabase, options: PrivateIteratorOptions, handle: Handle) {
    super(db, options as unknown as AbstractValueIteratorOptions<K, V>)
    const decodeValue: Decoder = decoderFor(options.valueEncoding)
    this.cursor = new ReadCursor(handle, options.signal, (entry) => decodeValue(entry[1]!), () => this.limit - this.count)
  }

  async _next (): Promise<unknown> {
    return await this.cursor.next()
  }

  async _nextv (size: number): Promise<unknown[]> {
    return await this.cursor.collect(size)
  }

  async _all (): Promise<unknown[]> {
    return await this.cursor.collect(this.limit - this.count)
  }

  _seek (target: unknown): void {
    this.cursor.seek(target)
  }

  async _close (): Promise<void> {
    this.cursor.close()
  }
}
