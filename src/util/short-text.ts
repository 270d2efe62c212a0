// How readUtf8 (utf8.ts) decodes short strings. Node, Bun and Deno: no special way, TextDecoder
// for every length (its cost there is flat from a few bytes up). Bundlers for browsers load
// short-text-browser.ts in this module's place (the package's `browser` field; doc/browser.md).

/** Decodes buf[start, end) if it is short and plain ASCII, else returns undefined; none here. */
export const decodeShortAscii: ((buf: Uint8Array, start: number, end: number) => string | undefined) | undefined = undefined
