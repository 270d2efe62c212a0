// Many short UTF-8 strings decoded by one call instead of one call each. A scan that hands out
// strings (a nextv() of 1,000 entries in 'utf8') pays a decoder call per key and per value, and
// that call's fixed cost, not the bytes, is most of what a 16- or 100-byte string costs: 75–200 ns
// with Node's utf8Slice, about 300 ns with a browser's TextDecoder. Here the pieces are copied
// side by side into one buffer, decoded as one string, and cut back into pieces by slicing it.
//
// Cutting by byte offsets is right only when every byte became exactly one UTF-16 code unit, and
// the decoded length tells when that holds: a valid multi-byte sequence gives fewer code units
// than bytes (2 or 3 bytes give 1, 4 give 2), an ill-formed one of k > 1 bytes gives one U+FFFD,
// so the lengths are equal only if every byte is ASCII or a lone invalid byte (one U+FFFD each,
// decoded alone or not). Otherwise, or when a piece straddles that rule (a sequence cut across two
// pieces joins up when they are decoded together, and shortens the string), each piece is decoded
// on its own, as it would have been without the batch: the result never differs.
//
// A slice of the batch string may keep the whole batch string alive (V8 makes slices of 13 or
// more characters views of their parent): a caller that keeps one key of a scan keeps that scan
// call's text with it, at most the size of one batch (doc/performance.md, "Scans in utf8").

import { readUtf8 } from './utf8.js'

/** Pieces longer than this are decoded on their own, straight from where they lie. */
const DIRECT_MIN = 4096
const NO_STRINGS: string[] = []

export class Utf8Batch {
  /** With `keepBytes`, long pieces are gathered like the others (for takeBytes). */
  private readonly directMin: number
  private bytes = new Uint8Array(16 * 1024)
  private used = 0
  /** Per piece: its end in `bytes`, or -1 when it was decoded on its own (then in `direct`). */
  private ends: number[] = []
  private direct: string[] = NO_STRINGS

  constructor (options: { keepBytes?: boolean } = {}) {
    this.directMin = options.keepBytes === true ? Infinity : DIRECT_MIN
  }

  /** Adds src[start, end) as the next piece. */
  add (src: Uint8Array, start: number, end: number): void {
    const n = end - start
    if (n >= this.directMin) {
      if (this.direct === NO_STRINGS) this.direct = []
      this.direct[this.ends.length] = readUtf8(src, start, end)
      this.ends.push(-1)
      return
    }
    let bytes = this.bytes
    const at = this.used
    if (at + n > bytes.length) {
      const grown = new Uint8Array(Math.max(bytes.length * 2, at + n))
      grown.set(bytes.subarray(0, at))
      bytes = this.bytes = grown
    }
    // Short pieces (keys) by a loop, which beats making the view set() needs.
    if (n <= 32) for (let i = 0; i < n; i++) bytes[at + i] = src[start + i]!
    else bytes.set(start === 0 && end === src.length ? src : src.subarray(start, end), at)
    this.used = at + n
    this.ends.push(this.used)
  }

  /** How many pieces were added since the last take(). */
  get size (): number {
    return this.ends.length
  }

  /** The pieces as strings, in the order added; empties the batch. */
  take (): string[] {
    const out = decodePieces(this.bytes, this.used, this.ends, this.direct)
    this.clear()
    return out
  }

  /**
   * The pieces as bytes, for another thread: one new array of every piece side by side, and each
   * piece's end in it. Empties the batch. Only for a batch made with `keepBytes`.
   */
  takeBytes (): { bytes: Uint8Array, ends: Int32Array } {
    const count = this.ends.length
    // One ArrayBuffer for both, so that a structured clone copies one buffer: the ends first (4-byte
    // aligned), then the bytes.
    const buffer = new ArrayBuffer(4 * count + this.used)
    const ends = new Int32Array(buffer, 0, count)
    for (let i = 0; i < count; i++) ends[i] = this.ends[i]!
    const bytes = new Uint8Array(buffer, 4 * count, this.used)
    bytes.set(this.bytes.subarray(0, this.used))
    this.clear()
    return { bytes, ends }
  }

  private clear (): void {
    this.used = 0
    this.ends = []
    if (this.direct !== NO_STRINGS) this.direct = NO_STRINGS
  }
}

/**
 * Decodes bytes[ends[i - 1], ends[i]) for every i (from 0), as described at the top of this file,
 * where the pieces fill bytes[0, used); an end of -1 marks a piece decoded already, found at the
 * same index in `direct`.
 */
export function decodePieces (bytes: Uint8Array, used: number, ends: ArrayLike<number>, direct: string[] = NO_STRINGS): string[] {
  const count = ends.length
  const out = new Array<string>(count)
  const whole = used === 0 ? '' : readUtf8(bytes, 0, used)
  const oneToOne = whole.length === used
  let start = 0
  for (let i = 0; i < count; i++) {
    const end = ends[i]!
    if (end < 0) {
      out[i] = direct[i]!
      continue
    }
    out[i] = oneToOne ? whole.slice(start, end) : readUtf8(bytes, start, end)
    start = end
  }
  return out
}
