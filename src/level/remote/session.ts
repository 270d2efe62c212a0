// One client thread's connection, on the owner's side: runs its requests against the engine in the
// order they arrive, and holds its iterators and snapshots, which it releases when the client
// closes or its thread is found gone (doc/multithreading.md).
//
// Requests are started in arrival order and synchronously up to the engine call, so the engine
// sees one client's writes and reads in the order that client issued them, as a direct caller's.

import type { DBIteratorHandle, Entry, IteratorOptions, ReadOptions, Snapshot } from '../../db/api.js'
import type { DB } from '../../db/db.js'
import { WriteBatch } from '../../dbformat/write-batch.js'
import { UserIterator } from '../../db/user-iterator.js'
import { Utf8Batch } from '../../util/utf8-batch.js'
import { readUtf8 } from '../../util/utf8.js'
import { clearRange } from '../clear.js'
import { snapshotNotOpen } from '../errors.js'
import { scratch } from '../formats.js'
import type { Liveness } from './liveness.js'
import {
  ownBytes, packEntries, toWireError, type PackedPieces, type Reply, type Request, type WireIteratorOptions, type WireReadOptions
} from './protocol.js'
import { SyncKind, writeSyncAnswer } from './sync-reply.js'
import type { MessageEndpoint } from './transport.js'

const textEncoder = new TextEncoder()

export class Session {
  private readonly engine: DB
  private readonly endpoint: MessageEndpoint
  /** Undefined when the client's runtime cannot be probed: it is then taken to be alive. */
  private readonly liveness: Liveness | undefined
  private readonly onEnd: (session: Session) => void
  /** Undefined when the client has no SharedArrayBuffer: it then makes no synchronous call. */
  private syncBuffer: SharedArrayBuffer | undefined
  /** A synchronous answer too large for the client's buffer, until it takes it. */
  private oversized: { kind: SyncKind, payload: Uint8Array } | undefined
  private readonly iterators = new Map<number, DBIteratorHandle | Error>()
  /** Where an iterator's batch is gathered before it is sent (reused: sessions answer one request at a time). */
  private readonly pieces = new Utf8Batch({ keepBytes: true })
  private readonly snapshots = new Map<number, Snapshot | Error>()
  private ended = false

  constructor (engine: DB, endpoint: MessageEndpoint, liveness: Liveness | undefined, syncBuffer: SharedArrayBuffer | undefined, onEnd: (session: Session) => void) {
    this.engine = engine
    this.endpoint = endpoint
    this.liveness = liveness
    this.syncBuffer = syncBuffer
    this.onEnd = onEnd
    endpoint.addEventListener('message', this.onMessage)
  }

  post (message: unknown): void {
    if (!this.ended) this.endpoint.postMessage(message)
  }

  clientAlive (): boolean {
    return this.liveness?.peerAlive() ?? true
  }

  /** Releases everything the client held; idempotent. */
  end (): void {
    if (this.ended) return
    this.ended = true
    this.endpoint.removeEventListener('message', this.onMessage)
    for (const it of this.iterators.values()) if (!(it instanceof Error)) it.close()
    for (const snapshot of this.snapshots.values()) if (!(snapshot instanceof Error)) snapshot.close()
    this.iterators.clear()
    this.snapshots.clear()
    this.liveness?.stop()
    this.endpoint.close()
    this.onEnd(this)
  }

  /** What the client holds, for tests: open iterators and snapshots. */
  get held (): { iterators: number, snapshots: number } {
    return { iterators: this.iterators.size, snapshots: this.snapshots.size }
  }

  private readonly onMessage = (event: { data: unknown }): void => {
    if (this.ended) return
    const request = event.data as Request
    try {
      this.serve(request)
    } catch (err) {
      this.fail(request as { id?: number }, err)
    }
  }

  private serve (r: Request): void {
    const engine = this.engine
    switch (r.op) {
      case 'get': {
        const value = engine.getSync(scratch.first(r.key, 'key'), this.readOptions(r.options))
        this.reply(r.id, value === undefined ? undefined : r.text ? readUtf8(value, 0, value.length) : ownBytes(value))
        return
      }
      case 'getSync': {
        if (r.sync !== undefined) this.syncBuffer = r.sync
        const value = engine.getSync(scratch.first(r.key, 'key'), this.readOptions(r.options))
        this.answerSync(value === undefined ? SyncKind.Undefined : SyncKind.Bytes, value)
        return
      }
      case 'getMany': {
        const options = this.readOptions(r.options)
        if (r.presence) {
          this.reply(r.id, r.keys.map((key) => engine.getSync(scratch.first(key, 'key'), options) !== undefined))
        } else {
          const values = r.keys.map((key): Entry => {
            const value = engine.getSync(scratch.first(key, 'key'), options)
            return [undefined, r.text && value !== undefined ? readUtf8(value, 0, value.length) as unknown as Uint8Array : value]
          })
          this.reply(r.id, packEntries(values))
        }
        return
      }
      // The engine copies key and value into its write batch before put and del return.
      case 'put': this.settle(r.id, engine.put(scratch.first(r.key, 'key'), scratch.next(r.value, 'value'), { sync: r.sync })); return
      case 'del': this.settle(r.id, engine.del(scratch.first(r.key, 'key'), { sync: r.sync })); return
      case 'write': this.settle(r.id, engine.write(WriteBatch.fromContents(r.batch), { sync: r.sync })); return
      case 'iteratorOpen':
        try {
          // Entries travel as bytes (nextvInto); the client decodes the strings it wants.
          const { keyText, valueText, ...options } = r.options
          this.iterators.set(r.iterator, engine.iterator(this.iteratorOptions(options)))
        } catch (err) {
          this.iterators.set(r.iterator, err as Error) // reported by its first read
        }
        return
      case 'iteratorNext': {
        const it = this.iterators.get(r.iterator)
        if (it === undefined) throw new Error(`no iterator ${r.iterator}`)
        if (it instanceof Error) throw it
        if (it instanceof UserIterator) {
          const count = it.nextvInto(r.size, this.pieces)
          this.reply(r.id, { ...this.pieces.takeBytes(), count } satisfies PackedPieces)
        } else {
          it.nextv(r.size) // a handle that only fails (a released snapshot's)
        }
        return
      }
      case 'iteratorSeek': {
        const it = this.iterators.get(r.iterator)
        if (it !== undefined && !(it instanceof Error)) it.seek(r.target)
        return
      }
      case 'iteratorClose': closeAndForget(this.iterators, r.iterator); return
      case 'snapshotOpen':
        try {
          this.snapshots.set(r.snapshot, engine.snapshot())
        } catch (err) {
          this.snapshots.set(r.snapshot, err as Error)
        }
        return
      case 'snapshotClose': closeAndForget(this.snapshots, r.snapshot); return
      case 'clear': this.settle(r.id, clearRange(engine, this.iteratorOptions(r.options))); return
      case 'getProperty': {
        if (r.sync !== undefined) this.syncBuffer = r.sync
        this.answerSync(SyncKind.Bytes, textEncoder.encode(engine.getProperty(r.name) ?? ''))
        return
      }
      case 'syncTake': {
        this.syncBuffer = r.sync
        const pending = this.oversized
        this.oversized = undefined
        if (pending === undefined) throw new Error('no synchronous answer is waiting')
        this.answerSync(pending.kind, pending.payload)
        return
      }
      case 'approximateSize': this.reply(r.id, engine.approximateSize(r.start, r.end)); return
      case 'compactRange': this.settle(r.id, engine.compactRange(r.start, r.end)); return
      case 'close':
        this.reply(r.id, undefined)
        this.end()
        return
      default:
        throw new Error(`unknown request ${(r as { op: unknown }).op as string}`)
    }
  }

  private readOptions (options: WireReadOptions): ReadOptions {
    return { snapshot: this.snapshotOf(options.snapshot), fillCache: options.fillCache }
  }

  private iteratorOptions (options: WireIteratorOptions): IteratorOptions {
    return { ...options, snapshot: this.snapshotOf(options.snapshot) }
  }

  private snapshotOf (id: number | undefined): Snapshot | undefined {
    if (id === undefined) return undefined
    const snapshot = this.snapshots.get(id)
    if (snapshot === undefined) throw snapshotNotOpen()
    if (snapshot instanceof Error) throw snapshot
    return snapshot
  }

  private reply (id: number, result: unknown): void {
    if (!this.ended) this.endpoint.postMessage({ id, ok: true, result } satisfies Reply)
  }

  private settle (id: number, promise: Promise<unknown>): void {
    promise.then(() => { this.reply(id, undefined) }, (err: unknown) => { this.fail({ id }, err) })
  }

  private fail (request: { id?: number }, err: unknown): void {
    if (this.ended) return
    if (request.id === -1) {
      this.answerSync(SyncKind.Error, textEncoder.encode(JSON.stringify(toWireError(err))))
    } else if (request.id !== undefined) {
      this.endpoint.postMessage({ id: request.id, ok: false, error: toWireError(err) } satisfies Reply)
    }
    // A fire-and-forget request that failed: its effect is missing, which its next use reports.
  }

  private answerSync (kind: SyncKind, payload: Uint8Array | undefined): void {
    // A client without a buffer refuses synchronous calls itself; nothing can be answered.
    if (this.syncBuffer === undefined) return
    if (!writeSyncAnswer(this.syncBuffer, kind, payload)) this.oversized = { kind, payload: payload! }
  }
}

/** Closes the client's iterator or snapshot `id` (if it opened) and forgets it. */
function closeAndForget (held: Map<number, { close (): void } | Error>, id: number): void {
  const resource = held.get(id)
  held.delete(id)
  if (resource !== undefined && !(resource instanceof Error)) resource.close()
}
