// Strings to and from UTF-8 bytes where bytes already have a home: written straight into a buffer
// being built (a write batch), read straight out of the bytes they are stored in (a block, the
// memtable). Going through TextEncoder.encode() and a copy of the bytes instead costs an
// allocation per string and a second pass over it, which on 16-byte keys and 100-byte values
// is most of what a string costs over a Uint8Array (doc/performance.md, "Encodings").

import { decodeShortAscii, encodeShortAscii } from './short-text.js'

const encoder = new TextEncoder()
// Not fatal: bytes that are not UTF-8 decode with U+FFFD replacements, as TextDecoder's default
// and classic-level do. A leading byte-order mark is kept, as classic-level keeps it: a string
// that starts with U+FEFF reads back as written.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
// Node's Buffer.prototype.utf8Slice decodes a range of any Uint8Array, the same way (U+FFFD
// replacements, the mark kept), with no view made and a lighter call than TextDecoder.decode():
// 16- and 100-byte strings decoded in 75–200 ns against 110–260 ns (doc/performance.md, "Third
// round"). Looked up on globalThis, so that a browser build names no Node global.
type Utf8Slice = (this: Uint8Array, start: number, end: number) => string
const utf8Slice = (globalThis as { Buffer?: { prototype: { utf8Slice?: Utf8Slice } } }).Buffer?.prototype.utf8Slice

/** The most bytes the UTF-8 encoding of `s` can take: three per UTF-16 code unit. */
export function maxUtf8Length (s: string): number {
  return s.length * 3
}

/**
 * Writes the UTF-8 encoding of `s` (lone surrogates become U+FFFD, as with TextEncoder) into
 * `buf` at `pos`, which must have room for maxUtf8Length(s) bytes. Returns the bytes written.
 */
export function writeUtf8 (s: string, buf: Uint8Array, pos: number): number {
  if (encodeShortAscii !== undefined) {
    // In a browser, a short ASCII string by a loop (short-text-browser.ts).
    const n = encodeShortAscii(s, buf, pos)
    if (n >= 0) return n
  }
  return encoder.encodeInto(s, pos === 0 ? buf : buf.subarray(pos)).written
}

/**
 * The string whose UTF-8 encoding is buf[start, end), without copying the bytes first: by Node's
 * utf8Slice where there is one; in a browser, a short ASCII string is decoded in JavaScript
 * (short-text-browser.ts), and any other by TextDecoder.
 */
export function readUtf8 (buf: Uint8Array, start: number, end: number): string {
  if (utf8Slice !== undefined) return utf8Slice.call(buf, start, end)
  if (decodeShortAscii !== undefined) {
    const s = decodeShortAscii(buf, start, end)
    if (s !== undefined) return s
  }
  return decoder.decode(start === 0 && end === buf.length ? buf : buf.subarray(start, end))
}
