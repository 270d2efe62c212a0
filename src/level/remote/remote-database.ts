// The client's side of a database shared between threads: what ShaleLevel's private methods do when
// another thread owns the engine (doc/multithreading.md). abstract-level has already checked the
// arguments and encoded keys and values to the formats ShaleLevel declares; this turns them into
// bytes, forwards them, and decodes what comes back exactly as the owner's ShaleLevel would.

import { AbstractSnapshot } from 'abstract-level'
import type { Entry } from '../../db/api.js'
import { WriteBatch } from '../../dbformat/write-batch.js'
import { ShaleError } from '../../util/errors.js'
import { ShaleChainedBatch } from '../chained-batch.js'
import { snapshotNotOpen } from '../errors.js'
import { boundToBytes, decoderFor, toBytes } from '../formats.js'
import {
  ClosedSnapshotHandle, ShaleIterator, ShaleKeyIterator, ShaleValueIterator, type AsyncIteratorHandle, type PrivateIteratorOptions
} from '../iterator.js'
import type { Connection } from './connection.js'
import { ownBytes, toWireData, type WireData, unpackEntries, unpackPieces, type PackedEntries, type PackedPieces, type WireIteratorOptions, type WireReadOptions } from './protocol.js'

type Format = string | Uint8Array

interface ReadOptions { keyEncoding?: string, valueEncoding?: string, snapshot?: unknown, fillCache?: boolean }
interface BatchOperation { type: 'put' | 'del', key: unknown, value?: unknown }
type ClearOptions = Omit<PrivateIteratorOptions, 'keys' | 'values'>

const SnapshotBase = AbstractSnapshot as unknown as new (options: { owner: unknown }) => AbstractSnapshot

/** An explicit snapshot held by the owner under this client's number for it. */
class RemoteSnapshot extends SnapshotBase {
  readonly id: number
  released = false
  /** The connection the owner holds it for: its number means nothing on another. */
  readonly connection: Connection

  constructor (options: { owner: unknown }, connection: Connection, id: number) {
    super(options)
    this.connection = connection
    this.id = id
    // Sent now, so the owner takes it before any write this thread issues afterwards.
    connection.send({ op: 'snapshotOpen', snapshot: id })
  }

  async _close (): Promise<void> {
    this.released = true
    this.connection.send({ op: 'snapshotClose', snapshot: this.id })
  }
}

/** Batches smaller than this are not read ahead: a short read is more often the last. */
const READ_AHEAD_MIN = 100

/**
 * An engine iterator living in the owner's thread, read a batch of entries per round trip. After
 * a full batch of at least READ_AHEAD_MIN entries, the next batch is asked for at once, so that the
 * owner reads it while this thread works through the last one: a scan then costs the slower of the
 * two threads per entry instead of their sum plus a round trip. Read ahead stays within what the
 * caller said it may still want (`later` of nextv), and a seek or close drops it.
 */
class RemoteIteratorHandle implements AsyncIteratorHandle {
  closed = false
  private readonly connection: Connection
  private readonly id: number
  /** Entries received and not yet handed out, from `leftPos` on. */
  private left: Entry[] = []
  private leftPos = 0
  /** The batch asked for ahead, and its size. */
  private ahead: Promise<Entry[]> | undefined
  private aheadSize = 0
  /** A batch came back short: the owner's iterator is at its end (until a seek). */
  private ended = false

  private readonly options: WireIteratorOptions

  constructor (connection: Connection, id: number, options: WireIteratorOptions) {
    this.connection = connection
    this.id = id
    this.options = options
    connection.send({ op: 'iteratorOpen', iterator: id, options })
  }

  async next (): Promise<Entry | undefined> {
    return (await this.nextv(1, 0))[0]
  }

  async nextv (size: number, later = 0): Promise<Entry[]> {
    let out: Entry[] | undefined
    while ((out?.length ?? 0) < size) {
      if (this.leftPos < this.left.length) {
        const take = Math.min(size - (out?.length ?? 0), this.left.length - this.leftPos)
        const taken = this.leftPos === 0 && take === this.left.length ? this.left : this.left.slice(this.leftPos, this.leftPos + take)
        this.leftPos += take
        out = out === undefined ? taken : out.concat(taken)
        continue
      }
      if (this.ended) break
      let read = this.ahead
      let asked = this.aheadSize
      this.ahead = undefined
      if (read === undefined) {
        asked = size - (out?.length ?? 0)
        read = this.read(asked)
      }
      const batch = await read
      if (batch.length < asked) this.ended = true
      this.left = batch
      this.leftPos = 0
    }
    const aheadSize = Math.min(size, later)
    if (!this.ended && this.ahead === undefined && aheadSize >= READ_AHEAD_MIN && (out?.length ?? 0) === size) {
      this.aheadSize = aheadSize
      this.ahead = this.read(aheadSize)
      // Its failure is reported to the read that takes it; one dropped by a seek goes unseen.
      this.ahead.catch(() => {})
    }
    return out ?? []
  }

  seek (target: Uint8Array): void {
    this.dropAhead()
    this.connection.send({ op: 'iteratorSeek', iterator: this.id, target: ownBytes(target) })
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    this.dropAhead()
    this.connection.send({ op: 'iteratorClose', iterator: this.id })
  }

  private async read (size: number): Promise<Entry[]> {
    const packed = await this.connection.call({ op: 'iteratorNext', iterator: this.id, size })
    return unpackPieces(packed as PackedPieces, this.options)
  }

  private dropAhead (): void {
    this.ahead = undefined
    this.left = []
    this.leftPos = 0
    this.ended = false
  }
}

export class RemoteDatabase {
  private readonly connection: Connection
  /** Numbers for this client's iterators and snapshots, as the owner knows them. */
  private nextId = 1

  constructor (connection: Connection) {
    this.connection = connection
  }

  async get (key: Format, options: ReadOptions): Promise<Format | undefined> {
    // A utf8 value comes back as a string, decoded where it is stored; the decoder passes it on.
    const value = await this.connection.call({ op: 'get', key: toWireData(key, 'key'), options: this.readOptions(options), text: options.valueEncoding === 'utf8' })
    return value === undefined ? undefined : decoderFor(options.valueEncoding)(value as Uint8Array)
  }

  getSync (key: Format, options: ReadOptions): Format | undefined {
    const value = this.connection.callSync({ op: 'getSync', key: toWireData(key, 'key'), options: this.readOptions(options) })
    return value === undefined ? undefined : decoderFor(options.valueEncoding)(value)
  }

  async getMany (keys: Format[], options: ReadOptions): Promise<Array<Format | undefined>> {
    const decode = decoderFor(options.valueEncoding)
    const packed = await this.connection.call({ op: 'getMany', keys: keys.map(wireKey), options: this.readOptions(options), presence: false, text: options.valueEncoding === 'utf8' })
    return unpackEntries(packed as PackedEntries).map(([, value]) => value === undefined ? undefined : decode(value))
  }

  async has (key: Format, options: ReadOptions): Promise<boolean> {
    return (await this.hasMany([key], options))[0]!
  }

  async hasMany (keys: Format[], options: ReadOptions): Promise<boolean[]> {
    return await this.connection.call({ op: 'getMany', keys: keys.map(wireKey), options: this.readOptions(options), presence: true, text: false }) as boolean[]
  }

  iterator<T> (db: T, options: PrivateIteratorOptions): ShaleIterator<T, unknown, unknown> {
    return new ShaleIterator(db, options, this.iteratorHandle(options, options.keys !== false, options.values !== false))
  }

  keys<T> (db: T, options: PrivateIteratorOptions): ShaleKeyIterator<T, unknown> {
    return new ShaleKeyIterator(db, options, this.iteratorHandle(options, true, false))
  }

  values<T> (db: T, options: PrivateIteratorOptions): ShaleValueIterator<T, unknown, unknown> {
    return new ShaleValueIterator(db, options, this.iteratorHandle(options, false, true))
  }

  snapshot (options: { owner: unknown }): RemoteSnapshot {
    return new RemoteSnapshot(options, this.connection, this.nextId++)
  }

  async put (key: Format, value: Format, options: { sync?: boolean }): Promise<void> {
    await this.connection.call({ op: 'put', key: toWireData(key, 'key'), value: toWireData(value, 'value'), sync: options.sync === true })
  }

  async del (key: Format, options: { sync?: boolean }): Promise<void> {
    await this.connection.call({ op: 'del', key: toWireData(key, 'key'), sync: options.sync === true })
  }

  async batch (operations: BatchOperation[], options: { sync?: boolean }): Promise<void> {
    const batch = new WriteBatch()
    for (const op of operations) {
      if (op.type === 'put') batch.put(toBytes(op.key, 'key'), toBytes(op.value, 'value'))
      else batch.del(toBytes(op.key, 'key'))
    }
    await this.write(batch, options)
  }

  /** A chained batch's write: the batch travels as its encoded form, the log record itself. */
  async write (batch: WriteBatch, options?: { sync?: boolean } | null): Promise<void> {
    await this.connection.call({ op: 'write', batch: ownBytes(batch.contents()), sync: options?.sync === true })
  }

  chainedBatch<T, K, V> (db: T): ShaleChainedBatch<T, K, V> {
    return new ShaleChainedBatch(db, this)
  }

  async clear (options: ClearOptions): Promise<void> {
    await this.connection.call({ op: 'clear', options: { ...this.wireIteratorOptions(options, true, false), limit: options.limit } })
  }

  async approximateSize (start: Uint8Array, end: Uint8Array): Promise<number> {
    return await this.connection.call({ op: 'approximateSize', start: ownBytes(start), end: ownBytes(end) }) as number
  }

  async compactRange (start: Uint8Array, end: Uint8Array): Promise<void> {
    await this.connection.call({ op: 'compactRange', start: ownBytes(start), end: ownBytes(end) })
  }

  getProperty (name: string): string {
    return new TextDecoder().decode(this.connection.callSync({ op: 'getProperty', name }))
  }

  async close (): Promise<void> {
    await this.connection.close()
  }

  private iteratorHandle (options: PrivateIteratorOptions, keys: boolean, values: boolean): AsyncIteratorHandle | ClosedSnapshotHandle {
    const snapshot = options.snapshot
    if (snapshot instanceof RemoteSnapshot && snapshot.released) return new ClosedSnapshotHandle()
    // Keys and values wanted as 'utf8' come as strings, decoded where they are stored.
    const wire = this.wireIteratorOptions(options, keys, values)
    if (keys && options.keyEncoding === 'utf8') wire.keyText = true
    if (values && options.valueEncoding === 'utf8') wire.valueText = true
    return new RemoteIteratorHandle(this.connection, this.nextId++, wire)
  }

  private wireIteratorOptions (options: ClearOptions, keys: boolean, values: boolean): WireIteratorOptions {
    const out: WireIteratorOptions = { ...this.readOptions(options), reverse: options.reverse === true, keys, values }
    // As engineIteratorOptions(): only bounds the caller set, and a nullish one is refused.
    if ('gt' in options) out.gt = ownBytes(boundToBytes(options.gt, 'gt'))
    if ('gte' in options) out.gte = ownBytes(boundToBytes(options.gte, 'gte'))
    if ('lt' in options) out.lt = ownBytes(boundToBytes(options.lt, 'lt'))
    if ('lte' in options) out.lte = ownBytes(boundToBytes(options.lte, 'lte'))
    return out
  }

  private readOptions (options: { snapshot?: unknown, fillCache?: boolean }): WireReadOptions {
    const out: WireReadOptions = { fillCache: options.fillCache !== false }
    const snapshot = options.snapshot
    if (snapshot === undefined || snapshot === null) return out
    if (!(snapshot instanceof RemoteSnapshot) || snapshot.connection !== this.connection) {
      throw new ShaleError('LEVEL_INVALID_ARGUMENT', 'snapshot was not created by this database')
    }
    if (snapshot.released) throw snapshotNotOpen()
    out.snapshot = snapshot.id
    return out
  }
}

function wireKey (key: unknown): WireData {
  return toWireData(key, 'key')
}
