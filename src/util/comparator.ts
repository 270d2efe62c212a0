// The user-key ordering. Tables, the memtable and the version set are parametrised by a
// Comparator; the only one LevelDB-compatible databases use is the bytewise one, whose name the
// MANIFEST records and checks at open.

import { compareBytes, compareBytesAt } from './coding.js'

export interface Comparator {
  /** Recorded in the MANIFEST; a database refuses to open under a comparator of another name. */
  readonly name: string
  compare (a: Uint8Array, b: Uint8Array): number
  /**
   * Optional: compares a[aStart, aEnd) with b[bStart, bEnd) as compare() would compare those
   * ranges as arrays. Readers that search keys stored inside a larger buffer (a block) use it to
   * avoid making a view per comparison.
   */
  compareAt?: (a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number) => number
  /**
   * Optional: set when keys are ordered first by their bytes without the last `bytewiseTrailer`
   * bytes, compared bytewise, and only then by the rest (an internal key's tag over the bytewise
   * order: 8; the bytewise order itself: 0). Searches may then decide a comparison from a few
   * bytes of each key.
   */
  readonly bytewiseTrailer?: number | undefined
  /**
   * A short key k with start <= k < limit (when start < limit), used for index entries between
   * blocks. Returning `start` itself is always correct.
   */
  findShortestSeparator (start: Uint8Array, limit: Uint8Array): Uint8Array
  /** A short key k >= key, used for the index entry after the last block. */
  findShortSuccessor (key: Uint8Array): Uint8Array
}

export const bytewiseComparator: Comparator = {
  name: 'leveldb.BytewiseComparator',
  compare: compareBytes,

  compareAt: compareBytesAt,
  bytewiseTrailer: 0,

  findShortestSeparator (start, limit) {
    const minLen = Math.min(start.length, limit.length)
    let diff = 0
    while (diff < minLen && start[diff] === limit[diff]) diff++
    // One key is a prefix of the other: no shorter separator exists.
    if (diff >= minLen) return start
    const b = start[diff]!
    if (b < 0xff && b + 1 < limit[diff]!) {
      const out = start.slice(0, diff + 1)
      out[diff] = b + 1
      return out
    }
    return start
  },

  findShortSuccessor (key) {
    for (let i = 0; i < key.length; i++) {
      const b = key[i]!
      if (b !== 0xff) {
        const out = key.slice(0, i + 1)
        out[i] = b + 1
        return out
      }
    }
    // All 0xff: the key is its own shortest successor.
    return key
  }
}
