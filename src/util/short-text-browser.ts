// How readUtf8 (utf8.ts) decodes short strings in a browser, loaded in place of short-text.ts
// (the package's `browser` field; doc/browser.md). Chromium's TextDecoder.decode costs about
// 280 ns for 16 bytes, most of it the call itself, against about 110 ns for this loop; from
// about 64 bytes on, TextDecoder is the faster. Keys are usually short, and an iterator decodes
// one per entry. Any byte above 0x7f (multi-byte UTF-8, or bytes that are not UTF-8 at all)
// leaves the string to TextDecoder, so the result is always TextDecoder's.

/** The longest string decoded here. */
const SHORT_MAX = 32

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
