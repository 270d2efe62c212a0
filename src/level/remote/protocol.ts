// The messages between a client database and the thread that owns the engine
// (doc/multithreading.md, "Protocol"). Only bytes travel: abstract-level encodes and decodes on the
// client's side. Messages are structured-cloned, and cloning a Uint8Array clones its whole
// ArrayBuffer, so a view into a larger buffer (the engine's 64 KiB read chunks, Node's 8 KiB
// Buffer pool) is copied down to its own bytes first, and many entries travel packed in one buffer.

import type { Entry } from '../../db/api.js'
import { ShaleError, type ShaleErrorCode } from '../../util/errors.js'

/** Posted on the database's discovery channel by a thread that wants to join. */
export interface Hello {
  type: 'hello'
  /** Unique id; the connection's own channel is named after it. */
  client: string
  /** Liveness cells of the two ends (liveness.ts); absent where the runtime cannot probe. */
  cells?: SharedArrayBuffer | undefined
  /** Where synchronous replies are written (sync-reply.ts); absent without SharedArrayBuffer. */
  sync?: SharedArrayBuffer | undefined
}

/** The owner's answer, on the connection's channel. */
export type HelloReply = { type: 'welcome' } | { type: 'refused', reason: string }

/** The name of a connection's channel. */
export function connectionName (database: string, client: string): string {
  return `${database}#${client}`
}

/** Read options as they travel: a snapshot is the client's number for it. */
export interface WireReadOptions {
  snapshot?: number
  fillCache: boolean
}

/** Iterator options as they travel: bounds already bytes. */
export interface WireIteratorOptions extends WireReadOptions {
  gt?: Uint8Array
  gte?: Uint8Array
  lt?: Uint8Array
  lte?: Uint8Array
  reverse: boolean
  keys: boolean
  values: boolean
  /** Only clear() passes a limit; iterators leave it to abstract-level. */
  limit?: number
}

/**
 * Client to owner. `id` is present when a reply is expected (a promise waits for it), and -1 for
 * a synchronous call answered in the shared buffer; the others are fire-and-forget, ordered with
 * everything else on the channel, and their failures surface at the next call that needs them.
 */
export type Request =
  | { op: 'get', id: number, key: Uint8Array, options: WireReadOptions }
  | { op: 'getSync', id: -1, key: Uint8Array, options: WireReadOptions, sync?: SharedArrayBuffer }
  | { op: 'getMany', id: number, keys: Uint8Array[], options: WireReadOptions, presence: boolean }
  | { op: 'put', id: number, key: Uint8Array, value: Uint8Array, sync: boolean }
  | { op: 'del', id: number, key: Uint8Array, sync: boolean }
  | { op: 'write', id: number, batch: Uint8Array, sync: boolean }
  | { op: 'iteratorOpen', iterator: number, options: WireIteratorOptions }
  | { op: 'iteratorNext', id: number, iterator: number, size: number }
  | { op: 'iteratorSeek', iterator: number, target: Uint8Array }
  | { op: 'iteratorClose', iterator: number }
  | { op: 'snapshotOpen', snapshot: number }
  | { op: 'snapshotClose', snapshot: number }
  | { op: 'clear', id: number, options: WireIteratorOptions }
  | { op: 'getProperty', id: -1, name: string, sync?: SharedArrayBuffer }
  | { op: 'syncTake', id: -1, sync: SharedArrayBuffer }
  | { op: 'approximateSize', id: number, start: Uint8Array, end: Uint8Array }
  | { op: 'compactRange', id: number, start: Uint8Array, end: Uint8Array }
  | { op: 'close', id: number }

/** Owner to client: the outcome of a request with an id. */
export type Reply =
  | { id: number, ok: true, result: unknown }
  | { id: number, ok: false, error: WireError }

export interface WireError {
  code: string | undefined
  message: string
}

export function toWireError (err: unknown): WireError {
  const e = err as { code?: unknown, message?: unknown }
  return {
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message : String(err)
  }
}

/** An error from the owner, with its code if it had one. */
export function fromWireError (wire: WireError): Error {
  return wire.code === undefined ? new Error(wire.message) : new ShaleError(wire.code as ShaleErrorCode, wire.message)
}

/**
 * `bytes` alone in its buffer, so that cloning it copies only its own bytes. (Not slice(): a
 * Buffer's slice is another view of the same pool.)
 */
export function ownBytes (bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(typeof SharedArrayBuffer === 'function' && bytes.buffer instanceof SharedArrayBuffer)) return bytes
  const copy = new Uint8Array(bytes.byteLength)
  copy.set(bytes)
  return copy
}

/** Many entries in one buffer: per entry, the key's and the value's length (-1: absent). */
export interface PackedEntries {
  bytes: Uint8Array
  lengths: Int32Array
}

export function packEntries (entries: Entry[]): PackedEntries {
  const lengths = new Int32Array(entries.length * 2)
  let total = 0
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i]!
    lengths[2 * i] = key === undefined ? -1 : key.byteLength
    lengths[2 * i + 1] = value === undefined ? -1 : value.byteLength
    total += (key?.byteLength ?? 0) + (value?.byteLength ?? 0)
  }
  const bytes = new Uint8Array(total)
  let at = 0
  for (const [key, value] of entries) {
    if (key !== undefined) { bytes.set(key, at); at += key.byteLength }
    if (value !== undefined) { bytes.set(value, at); at += value.byteLength }
  }
  return { bytes, lengths }
}

/** The entries of packEntries(), as views of the one buffer that arrived (nobody else holds it). */
export function unpackEntries (packed: PackedEntries): Entry[] {
  const { bytes, lengths } = packed
  const out: Entry[] = new Array(lengths.length / 2)
  let at = 0
  for (let i = 0; i < out.length; i++) {
    const keyLength = lengths[2 * i]!
    const valueLength = lengths[2 * i + 1]!
    let key: Uint8Array | undefined
    let value: Uint8Array | undefined
    if (keyLength >= 0) { key = bytes.subarray(at, at + keyLength); at += keyLength }
    if (valueLength >= 0) { value = bytes.subarray(at, at + valueLength); at += valueLength }
    out[i] = [key, value]
  }
  return out
}
