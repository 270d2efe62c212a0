// The messages between a client database and the thread that owns the engine
// (doc/multithreading.md, "Protocol"). abstract-level encodes and decodes on the client's side;
// what travels is bytes, or a string where abstract-level's format is 'utf8' (a string stands for
// its UTF-8 bytes, and cloning one costs less than cloning an ArrayBuffer of its own). Messages
// are structured-cloned, and cloning a Uint8Array clones its whole ArrayBuffer, so a view into a
// larger buffer (the engine's 64 KiB read chunks, Node's 8 KiB Buffer pool) is copied down to its
// own bytes first, and many entries travel packed in one buffer and one string.

import type { Entry } from '../../db/api.js'
import { ShaleError, type ShaleErrorCode } from '../../util/errors.js'
import { readUtf8 } from '../../util/utf8.js'
import { decodePieces } from '../../util/utf8-batch.js'
import { toBytes } from '../formats.js'

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

/** A key or value as it travels: a string stands for its UTF-8 bytes. */
export type WireData = string | Uint8Array

/** An encoded key or value (abstract-level's utf8, view or buffer format) as it travels. */
export function toWireData (data: unknown, what: 'key' | 'value'): WireData {
  return typeof data === 'string' ? data : ownBytes(toBytes(data, what))
}

/** Iterator options as they travel: bounds already bytes; keyText, valueText: entries as strings. */
export interface WireIteratorOptions extends WireReadOptions {
  keyText?: boolean
  valueText?: boolean
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
  | { op: 'get', id: number, key: WireData, options: WireReadOptions, text: boolean }
  | { op: 'getSync', id: -1, key: WireData, options: WireReadOptions, sync?: SharedArrayBuffer }
  | { op: 'getMany', id: number, keys: WireData[], options: WireReadOptions, presence: boolean, text: boolean }
  | { op: 'put', id: number, key: WireData, value: WireData, sync: boolean }
  | { op: 'del', id: number, key: WireData, sync: boolean }
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

/**
 * An iterator's batch of entries as bytes (UserIterator.nextvInto): each entry's key, then its
 * value, those the iterator reads, side by side in `bytes`, and each piece's end; both views of
 * one buffer. The client decodes the strings it asked for (keyText, valueText) itself, all with
 * one decoder call (util/utf8-batch.ts).
 */
export interface PackedPieces {
  bytes: Uint8Array
  ends: Int32Array
  count: number
}

/** The entries of a PackedPieces, as the iterator's options shape them. */
export function unpackPieces (packed: PackedPieces, options: Pick<WireIteratorOptions, 'keys' | 'values' | 'keyText' | 'valueText'>): Entry[] {
  const { bytes, ends, count } = packed
  const { keys, values } = options
  const keyText = keys && options.keyText === true
  const valueText = values && options.valueText === true
  // Every piece decoded in one call when all are strings; else the strings one by one.
  const strings = keyText && valueText ? decodePieces(bytes, bytes.length, ends) : undefined
  const out: Entry[] = new Array(count)
  let piece = 0
  let start = 0
  const take = (isText: boolean): Uint8Array => {
    const end = ends[piece]!
    const data = strings !== undefined ? strings[piece] : isText ? readUtf8(bytes, start, end) : bytes.subarray(start, end)
    piece++
    start = end
    return data as unknown as Uint8Array
  }
  for (let i = 0; i < count; i++) {
    const key = keys ? take(keyText) : undefined
    out[i] = [key, values ? take(valueText) : undefined]
  }
  return out
}

/**
 * Many entries in one buffer and one string: per entry, the key's and the value's length (-1:
 * absent). Keys (values) that are strings (`keyText`, `valueText`: an iterator asked for strings)
 * are concatenated in `text` and their lengths are UTF-16 code units; the others are bytes.
 */
export interface PackedEntries {
  bytes: Uint8Array
  text: string
  lengths: Int32Array
  keyText: boolean
  valueText: boolean
}

/**
 * Packs `entries`. Their keys are all strings or all bytes (an iterator's options decide), and so
 * are their values: the first one present says which.
 */
export function packEntries (entries: Entry[]): PackedEntries {
  const keyText = typeof entries.find(([key]) => key !== undefined)?.[0] === 'string'
  const valueText = typeof entries.find(([, value]) => value !== undefined)?.[1] === 'string'
  const lengths = new Int32Array(entries.length * 2)
  let total = 0
  const slot = (data: Uint8Array | string | undefined, isText: boolean, at: number): void => {
    lengths[at] = data === undefined ? -1 : data.length
    if (!isText && data !== undefined) total += data.length
  }
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i]!
    slot(key, keyText, 2 * i)
    slot(value, valueText, 2 * i + 1)
  }
  const bytes = new Uint8Array(total)
  let text = ''
  let at = 0
  for (const [key, value] of entries) {
    if (key !== undefined) {
      if (keyText) text += key as unknown as string
      else { bytes.set(key, at); at += key.byteLength }
    }
    if (value !== undefined) {
      if (valueText) text += value as unknown as string
      else { bytes.set(value, at); at += value.byteLength }
    }
  }
  return { bytes, text, lengths, keyText, valueText }
}

/**
 * The entries of packEntries(): bytes as views of the one buffer that arrived (nobody else holds
 * it), strings as slices of the one string (in the slots of Entry, which only callers that asked
 * for strings read as such).
 */
export function unpackEntries (packed: PackedEntries): Entry[] {
  const { bytes, text, lengths, keyText, valueText } = packed
  const out: Entry[] = new Array(lengths.length / 2)
  let at = 0
  let textAt = 0
  const take = (length: number, isText: boolean): Uint8Array | undefined => {
    if (length < 0) return undefined
    if (isText) {
      textAt += length
      return text.slice(textAt - length, textAt) as unknown as Uint8Array
    }
    at += length
    return bytes.subarray(at - length, at)
  }
  for (let i = 0; i < out.length; i++) {
    const key = take(lengths[2 * i]!, keyText)
    out[i] = [key, take(lengths[2 * i + 1]!, valueText)]
  }
  return out
}
