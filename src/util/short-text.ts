// How readUtf8 and writeUtf8 (utf8.ts) handle short strings. Node, Bun and Deno: no special way,
// TextDecoder and TextEncoder.encodeInto for every length (their cost there is flat from a few
// bytes up). Bundlers for browsers load short-text-browser.ts in this module's place (the
// package's `browser` field; doc/browser.md).

/** Decodes buf[start, end) if it is short and plain ASCII, else returns undefined; none here. */
export const decodeShortAscii: ((buf: Uint8Array, start: number, end: number) => string | undefined) | undefined = undefined

/** Writes `s` at `pos` if it is short and plain ASCII and returns its length, else -1; none here. */
export const encodeShortAscii: ((s: string, buf: Uint8Array, pos: number) => number) | undefined = undefined
