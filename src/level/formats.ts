// The three data formats abstract-level hands to (and expects back from) an implementation that
// declares them native: 'utf8' strings, 'buffer' Buffers and 'view' Uint8Arrays. The engine stores
// bytes, so input is turned into bytes without a copy where it already is bytes, and output bytes
// (fresh copies the engine made for the caller) are wrapped, never copied again.

import { ShaleError } from '../util/errors.js'

const textEncoder = new TextEncoder()
// Not fatal: bytes that are not UTF-8 (a value written as 'view', read as 'utf8') decode with
// U+FFFD replacements, as classic-level does.
const textDecoder = new TextDecoder()

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

const decodeUtf8: Decoder = (bytes) => textDecoder.decode(bytes)
// Node's Buffer, where the runtime has one (Node, Bun, Deno), looked up on globalThis so that a
// browser build names no Node global. A browser has none: there 'buffer' is not declared native
// (NATIVE_FORMATS), and abstract-level's own transcoder makes its Buffers from 'view' output.
const NodeBuffer = (globalThis as { Buffer?: { from: (buffer: ArrayBufferLike, offset: number, length: number) => Uint8Array } }).Buffer

/** The formats declared native in the manifest. */
export const NATIVE_FORMATS = Object.freeze({ buffer: NodeBuffer !== undefined, view: true, utf8: true })

// The engine hands out a fresh copy, so the Buffer may own the same memory.
const decodeBuffer: Decoder = (bytes) => NodeBuffer!.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
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
