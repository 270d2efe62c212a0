// How readUtf8 and writeUtf8 (utf8.ts) handle short strings in a browser, loaded in place of
// short-text.ts (the package's `browser` field; doc/browser.md).
//
// Decoding: Chromium's TextDecoder.decode costs about 280 ns for 16 bytes, most of it the call
// itself, against about 110 ns for this loop; from about 64 bytes on, TextDecoder is the faster.
// Keys are usually short, and an iterator decodes one per entry. Any byte above 0x7f (multi-byte
// UTF-8, or bytes that are not UTF-8 at all) leaves the string to TextDecoder, so the result is
// always TextDecoder's.
//
// Encoding: Chromium's TextEncoder.encodeInto into a view of the batch's buffer (the view is an
// allocation of its own) cost 0.9 µs for 16 characters and 1.2 µs for 100 in a worker, against
// 0.1 and 0.4 µs for this loop, and 1.6 against 2.0 µs at 400 characters; every put and del
// encodes its key and value. Any character above U+007F leaves the string to encodeInto, so the
// bytes are always encodeInto's.

/** The longest string decoded here. */
const SHORT_MAX = 32
/** The longest string encoded here. */
const SHORT_ENCODE_MAX = 256

/** Decodes buf[start, end) if it is short and plain ASCII, else returns undefined. */
export const decodeShortAscii = (buf: Uint8Array, start: number, end: number): string | undefined => {
  if (end - start > SHORT_MAX) return undefined
  let out = ''
  for (let i = start; i < end; i++) {
    const b = buf[i]!
    if (b > 0x7f) return undefined
    out += String.fromCharCode(b)
  }
  return out
}

/**
 * Writes `s` into `buf` at `pos` if it is short and plain ASCII, and returns its length; else
 * returns -1, having written some of it or none (the caller then encodes it another way over the
 * same bytes). `buf` must have room for `s.length` bytes at `pos`.
 */
export const encodeShortAscii = (s: string, buf: Uint8Array, pos: number): number => {
  const n = s.length
  if (n > SHORT_ENCODE_MAX) return -1
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f) return -1
    buf[pos + i] = c
  }
  return n
}
