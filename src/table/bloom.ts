// LevelDB's built-in bloom filter, "leveldb.BuiltinBloomFilter2" (doc/table.md, "Bloom filter").
// Each key sets k bits chosen by double hashing one 32-bit hash: h, h + delta, h + 2·delta, ...
// with delta = h rotated right by 17. The filter is the bit array followed by one byte holding k,
// so a reader uses the k the writer chose, whatever its own bits-per-key setting.

import { hash } from '../util/hash.js'
import { invalidArgument } from '../util/errors.js'
import type { FilterPolicy } from './filter-policy.js'

const BLOOM_SEED = 0xbc9f1d34

export class BloomFilterPolicy implements FilterPolicy {
  readonly name = 'leveldb.BuiltinBloomFilter2'
  readonly bitsPerKey: number
  /** Number of probes per key. */
  readonly k: number

  constructor (bitsPerKey = 10) {
    if (!Number.isInteger(bitsPerKey) || bitsPerKey < 1) {
      throw invalidArgument(`bloom filter bits per key must be a positive integer, got ${bitsPerKey}`)
    }
    this.bitsPerKey = bitsPerKey
    // 0.69 ~ ln 2 minimises the false-positive rate; clamp to what the format allows.
    this.k = Math.min(30, Math.max(1, Math.floor(bitsPerKey * 0.69)))
  }

  createFilter (keys: readonly Uint8Array[]): Uint8Array {
    const filter = this.emptyFilter(keys.length)
    for (const key of keys) this.addHash(filter, hash(key, BLOOM_SEED))
    return filter
  }

  createFilterFromRanges (data: Uint8Array, starts: readonly number[], end: number, trim: number): Uint8Array {
    const n = starts.length
    const filter = this.emptyFilter(n)
    for (let i = 0; i < n; i++) {
      const next = i + 1 < n ? starts[i + 1]! : end
      this.addHash(filter, hash(data, BLOOM_SEED, starts[i]!, next - trim))
    }
    return filter
  }

  /** An all-zero filter sized for `count` keys, its last byte holding k. */
  private emptyFilter (count: number): Uint8Array {
    // Tiny key sets would give a uselessly high false-positive rate: use at least 64 bits.
    const bytes = Math.ceil(Math.max(64, count * this.bitsPerKey) / 8)
    const filter = new Uint8Array(bytes + 1)
    filter[bytes] = this.k
    return filter
  }

  /** Sets the k bits of a key whose bloom hash is `h`. */
  private addHash (filter: Uint8Array, h: number): void {
    const bits = (filter.length - 1) * 8
    const delta = ((h >>> 17) | (h << 15)) >>> 0
    for (let j = 0; j < this.k; j++) {
      const bit = bitOf(h, bits)
      filter[bit >>> 3]! |= 1 << (bit & 7)
      h = (h + delta) >>> 0
    }
  }

  keyMayMatch (key: Uint8Array, filter: Uint8Array): boolean {
    return bloomMayContain(filter, hash(key, BLOOM_SEED))
  }

  keyMayMatchAt (key: Uint8Array, keyStart: number, keyEnd: number, filter: Uint8Array, filterStart: number, filterEnd: number): boolean {
    return bloomMayContain(filter, hash(key, BLOOM_SEED, keyStart, keyEnd), filterStart, filterEnd)
  }
}

/**
 * Probes the filter filter[start, end) for a key whose bloom hash is `h`. Exposed so that a
 * wrapping policy that hashes only part of a key (the user key inside an internal key) can reuse
 * the probe sequence.
 */
export function bloomMayContain (filter: Uint8Array, h: number, start = 0, end = filter.length): boolean {
  const len = end - start
  if (len < 2) return false
  const k = filter[end - 1]!
  // k > 30 is reserved for other encodings: answer "may match" rather than guess.
  if (k > 30) return true
  const bits = (len - 1) * 8
  const delta = ((h >>> 17) | (h << 15)) >>> 0
  for (let j = 0; j < k; j++) {
    const bit = bitOf(h, bits)
    if ((filter[start + (bit >>> 3)]! & (1 << (bit & 7))) === 0) return false
    h = (h + delta) >>> 0
  }
  return true
}

/** The bloom hash of `key[start, end)`, for policies that probe with bloomMayContain(). */
export function bloomHash (key: Uint8Array, start = 0, end = key.length): number {
  return hash(key, BLOOM_SEED, start, end)
}

/**
 * h mod bits for an unsigned 32-bit h. `%` on a value above 2^31 is a floating-point remainder in
 * V8, a library call; a division and a multiplication are about a third faster, and exact here
 * (both operands are integers below 2^32).
 */
function bitOf (h: number, bits: number): number {
  return h - Math.floor(h / bits) * bits
}
