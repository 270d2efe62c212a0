// The three data formats abstract-level hands to (and expects back from) an implementation that
// declares them native: 'utf8' strings, 'buffer' Buffers and 'view' Uint8Arrays. The engine stores
// bytes, so input is turned into bytes without a copy where it already is bytes, and output bytes
// (fresh copies the engine made for the caller) are wrapped, never copied again.
//
// Strings are turned into bytes where the bytes are going, not into arrays of their own: a batch
// takes them as they are (WriteBatch.putUtf8), and the key and value of a single write or read are
// encoded into one reused buffer (EncodeScratch). Strings read by an iterator are decoded by the
// engine from the stored bytes (TextIteratorOptions), so they reach the decoders here as strings.

import type { BytesOrString } from '../dbformat/write-batch.js'
import { ShaleError } from '../util/errors.js'
import { maxUtf8Length, readUtf8, writeUtf8 } from '../util/utf8.js'

const textEncoder = new TextEncoder()

/**
 * The bytes of an encoded key or value. A Buffer is a Uint8Array and passes through as it is.
 * Anything else means a custom encoding declared one of our formats but produced another type.
 */
export function toBytes (data: unknown, what: 'key' | 'value'): Uint8Array {
  if (typeof data === 'string') return textEncoder.encode(data)
  if (data instanceof Uint8Array) return data
  throw new ShaleError(what === 'key' ? 'LEVEL_INVALID_KEY' : 'LEVEL_INVALID_VALUE',
    `${what} must encode to a string or a Uint8Array, got ${describe(data)}`)
}

/** An encoded key or value as a write batch takes it (a string stands for its UTF-8 bytes). */
export function toData (data: unknown, what: 'key' | 'value'): BytesOrString {
  if (typeof data === 'string' || data instanceof Uint8Array) return data
  throw new ShaleError(what === 'key' ? 'LEVEL_INVALID_KEY' : 'LEVEL_INVALID_VALUE',
    `${what} must encode to a string or a Uint8Array, got ${describe(data)}`)
}

/** Strings longer than this get an array of their own rather than scratch space. */
const SCRATCH_MAX_CHARS = 16 * 1024

/**
 * The bytes of the key and value of one engine call (put, del, getSync), for an engine that is
 * done with them when the call returns: put and del copy them into the write batch at once, a
 * read looks them up synchronously. A string is encoded into one buffer reused from call to call
 * instead of an array of its own; bytes pass through. first() starts a call, next() adds the
 * value: what they returned is valid until the next first().
 */
class EncodeScratch {
  private buf = new Uint8Array(1024)
  private used = 0

  first (data: unknown, what: 'key' | 'value'): Uint8Array {
    this.used = 0
    return this.next(data, what)
  }

  next (data: unknown, what: 'key' | 'value'): Uint8Array {
    if (typeof data !== 'string') return toBytes(data, what)
    const max = maxUtf8Length(data)
    if (data.length > SCRATCH_MAX_CHARS) return textEncoder.encode(data)
    // A new buffer when full: views handed out earlier in this call keep the old one alive.
    if (this.used + max > this.buf.length) {
      this.buf = new Uint8Array(Math.max(2 * this.buf.length, max))
      this.used = 0
    }
    const start = this.used
    this.used += writeUtf8(data, this.buf, start)
    return this.buf.subarray(start, this.used)
  }
}

/** The one scratch space: engine calls are synchronous, and this module is per thread. */
export const scratch = new EncodeScratch()

/**
 * A range bound (gt, gte, lt, lte) as bytes. abstract-level passes nullish bounds through on
 * purpose (some stores give them meaning); Shale gives them none, and refuses them rather than
 * silently widening a range — a clear() over a wider range than meant would delete data.
 */
export function boundToBytes (data: unknown, name: string): Uint8Array {
  if (typeof data === 'string') return textEncoder.encode(data)
  if (data instanceof Uint8Array) return data
  throw new ShaleError('LEVEL_INVALID_KEY', `range option ${name} must encode to a string or a Uint8Array, got ${describe(data)}`)
}

export type Decoder = (bytes: Uint8Array) => string | Uint8Array

// An iterator over the engine hands out keys and values already decoded (TextIteratorOptions).
// Bytes that are not UTF-8 (a value written as 'view', read as 'utf8') decode with U+FFFD
// replacements, as classic-level does (util/utf8.ts).
const decodeUtf8: Decoder = (data) => typeof data === 'string' ? data : readUtf8(data, 0, data.length)
// Node's Buffer, where the runtime has one (Node, Bun, Deno), looked up on globalThis so that a
// browser build names no Node global. A browser has none: there 'buffer' is not declared native
// (NATIVE_FORMATS), and abstract-level's own transcoder makes its Buffers from 'view' output.
interface BufferClass {
  from: (buffer: ArrayBufferLike, offset: number, length: number) => Uint8Array
  allocUnsafe: (size: number) => Uint8Array
}
const NodeBuffer = (globalThis as { Buffer?: BufferClass }).Buffer

/** The formats declared native in the manifest. */
export const NATIVE_FORMATS = Object.freeze({ buffer: NodeBuffer !== undefined, view: true, utf8: true })

// The engine hands out a fresh copy, so the Buffer may own the same memory. Not for a copy of at
// most 64 bytes, though: V8 keeps such an array on its heap, and asking for its ArrayBuffer moves
// it off the heap, which costs several times a second copy into a Buffer from Node's pool.
const decodeBuffer: Decoder = (bytes) => {
  if (bytes.length > 64) return NodeBuffer!.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const b = NodeBuffer!.allocUnsafe(bytes.length)
  b.set(bytes)
  return b
}
const decodeView: Decoder = (bytes) => bytes

/** How engine output becomes the format abstract-level asked for. */
export function decoderFor (format: string | undefined): Decoder {
  switch (format) {
    case 'utf8': return decodeUtf8
    case 'buffer': if (NodeBuffer !== undefined) return decodeBuffer
      break
    case 'view': return decodeView
  }
  throw new ShaleError('LEVEL_INVALID_ARGUMENT', `unsupported data format ${String(format)}`)
}

function describe (data: unknown): string {
  if (data === null) return 'null'
  if (typeof data === 'object') return (data as object).constructor?.name ?? 'object'
  return typeof data
}
