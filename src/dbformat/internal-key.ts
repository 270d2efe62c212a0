// Internal keys: what the memtable, tables and the version set actually sort. An internal key is
// the user key followed by an 8-byte tag, the little-endian fixed64 of (sequence << 8 | type).
// Ordering user keys ascending and then tags descending puts the newest version of a key first,
// so a seek for (key, snapshot sequence) lands on the newest entry that snapshot may see.
//
// Sequence numbers are JavaScript numbers, exact below 2^53. The one larger value the format uses
// is the maximum sequence 2^56 - 1, which appears only in seek and separator tags; it has no exact
// double, so the tag writer recognises MAX_SEQUENCE and writes its bytes directly, and tags are
// compared as two 32-bit halves, never as one lossy number.

import { bytewiseComparator, type Comparator } from '../util/comparator.js'
import { compareBytesAt, decodeFixed32, encodeFixed32, encodeVarint, varintLength } from '../util/coding.js'
import { corruption, invalidArgument } from '../util/errors.js'
import type { FilterPolicy } from '../table/filter-policy.js'

export const ValueType = {
  Deletion: 0,
  Value: 1
} as const
export type ValueType = typeof ValueType[keyof typeof ValueType]

/**
 * The type written into seek keys. It is the highest type, so (key, seq, VALUE_TYPE_FOR_SEEK)
 * sorts before every real entry with the same key and sequence.
 */
export const VALUE_TYPE_FOR_SEEK: ValueType = ValueType.Value

export const TAG_SIZE = 8

/**
 * kMaxSequenceNumber, 2^56 - 1. As a double it reads 2^56; encodeTag recognises it and writes the
 * exact tag bytes, and decoding the maximum tag yields this same double.
 */
export const MAX_SEQUENCE = 2 ** 56 - 1

const TWO_24 = 0x1000000

/** Writes the tag of (sequence, type) at `offset`. */
export function encodeTag (buf: Uint8Array, offset: number, sequence: number, type: number): void {
  if (sequence >= 0 && sequence <= Number.MAX_SAFE_INTEGER) {
    // Split sequence << 8 into 32-bit halves without forming the (up to 61-bit) product.
    const low24 = sequence % TWO_24
    encodeFixed32(buf, offset, low24 * 256 + type)
    encodeFixed32(buf, offset + 4, (sequence - low24) / TWO_24)
    return
  }
  if (sequence !== MAX_SEQUENCE) throw invalidArgument(`sequence number out of range: ${sequence}`)
  buf[offset] = type
  for (let i = 1; i < TAG_SIZE; i++) buf[offset + i] = 0xff
}

/** The sequence number of the tag at `offset` (exact below 2^53). */
export function decodeTagSequence (buf: Uint8Array, offset: number): number {
  return (decodeFixed32(buf, offset) >>> 8) + decodeFixed32(buf, offset + 4) * TWO_24
}

export function makeInternalKey (userKey: Uint8Array, sequence: number, type: ValueType): Uint8Array {
  const out = new Uint8Array(userKey.length + TAG_SIZE)
  out.set(userKey, 0)
  encodeTag(out, userKey.length, sequence, type)
  return out
}

export interface ParsedInternalKey {
  /** A view into the internal key, not a copy. */
  userKey: Uint8Array
  sequence: number
  type: ValueType
}

/** Splits an internal key; throws LEVEL_CORRUPTION "corrupted key" when it is not one. */
export function parseInternalKey (ikey: Uint8Array): ParsedInternalKey {
  const n = ikey.length - TAG_SIZE
  if (n < 0) throw corruption('corrupted key')
  const type = ikey[n]!
  if (type > ValueType.Value) throw corruption('corrupted key')
  return { userKey: ikey.subarray(0, n), sequence: decodeTagSequence(ikey, n), type: type as ValueType }
}

/** The user-key part of an internal key, as a view. */
export function extractUserKey (ikey: Uint8Array): Uint8Array {
  if (ikey.length < TAG_SIZE) throw corruption('corrupted key')
  return ikey.subarray(0, ikey.length - TAG_SIZE)
}

export function internalKeySequence (ikey: Uint8Array): number {
  if (ikey.length < TAG_SIZE) throw corruption('corrupted key')
  return decodeTagSequence(ikey, ikey.length - TAG_SIZE)
}

export function internalKeyType (ikey: Uint8Array): number {
  if (ikey.length < TAG_SIZE) throw corruption('corrupted key')
  return ikey[ikey.length - TAG_SIZE]!
}

/** A readable form for tools and test failures: 'user key' @ sequence : type. */
export function internalKeyToString (ikey: Uint8Array): string {
  if (ikey.length < TAG_SIZE) return `(bad)${escapeBytes(ikey)}`
  const n = ikey.length - TAG_SIZE
  const seq = decodeTagSequence(ikey, n)
  return `'${escapeBytes(ikey.subarray(0, n))}' @ ${seq === MAX_SEQUENCE ? 'max' : seq} : ${ikey[n]}`
}

/** Printable ASCII as is, everything else as \xNN. */
export function escapeBytes (b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!
    s += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : '\\x' + c.toString(16).padStart(2, '0')
  }
  return s
}

// The tag appended to shortened index keys: (MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK).
const MAX_SEEK_TAG = new Uint8Array(TAG_SIZE)
encodeTag(MAX_SEEK_TAG, 0, MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK)

/**
 * Orders internal keys: user key ascending under the user comparator, then tag descending.
 * It never appears on disk under its own name; tables and the MANIFEST record the user
 * comparator's name.
 */
export class InternalKeyComparator implements Comparator {
  readonly name = 'leveldb.InternalKeyComparator'
  readonly user: Comparator
  /**
   * True when the user order is the bytewise one. It is then compared inline over ranges, with
   * no subarray per call, and callers may order keys by byte prefixes.
   */
  readonly bytewise: boolean
  /** The Comparator's: the tag's 8 bytes when the user order is the bytewise one. */
  readonly bytewiseTrailer: number | undefined

  constructor (user: Comparator = bytewiseComparator) {
    this.user = user
    this.bytewise = user === bytewiseComparator
    this.bytewiseTrailer = this.bytewise ? TAG_SIZE : undefined
  }

  compare (a: Uint8Array, b: Uint8Array): number {
    return this.compareAt(a, 0, a.length, b, 0, b.length)
  }

  /**
   * Compares the internal keys a[aStart, aEnd) and b[bStart, bEnd) without making views, for
   * callers that search keys stored inside larger buffers (memtable arena, blocks).
   */
  compareAt (a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
    const aUser = aEnd - TAG_SIZE
    const bUser = bEnd - TAG_SIZE
    if (aUser < aStart || bUser < bStart) return this.compareMalformed(a, aStart, aEnd, b, bStart, bEnd)
    if (this.bytewise) {
      const r = compareBytesAt(a, aStart, aUser, b, bStart, bUser)
      if (r !== 0) return r
    } else {
      const r = this.user.compare(a.subarray(aStart, aUser), b.subarray(bStart, bUser))
      if (r !== 0) return r
    }
    return compareTagsDescending(a, aUser, b, bUser)
  }

  /** Compares user keys held in ranges, under the user comparator. */
  compareUserAt (a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
    if (!this.bytewise) return this.user.compare(a.subarray(aStart, aEnd), b.subarray(bStart, bEnd))
    return compareBytesAt(a, aStart, aEnd, b, bStart, bEnd)
  }

  // Keys shorter than a tag only come from damaged input. They still get a total order (the
  // whole key as user key, tag 0) so that a search over corrupt data terminates instead of
  // reading past the key; the block reader reports the corruption itself.
  private compareMalformed (a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
    const aUser = aEnd - aStart < TAG_SIZE ? aEnd : aEnd - TAG_SIZE
    const bUser = bEnd - bStart < TAG_SIZE ? bEnd : bEnd - TAG_SIZE
    const r = this.compareUserAt(a, aStart, aUser, b, bStart, bUser)
    if (r !== 0) return r
    const aShort = aUser === aEnd
    const bShort = bUser === bEnd
    if (aShort && bShort) return 0
    if (aShort) return 1
    if (bShort) return -1
    return compareTagsDescending(a, aUser, b, bUser)
  }

  findShortestSeparator (start: Uint8Array, limit: Uint8Array): Uint8Array {
    const userStart = extractUserKey(start)
    const shorter = this.user.findShortestSeparator(userStart, extractUserKey(limit))
    return this.withMaxTagIfShorter(start, userStart, shorter)
  }

  findShortSuccessor (key: Uint8Array): Uint8Array {
    const userKey = extractUserKey(key)
    return this.withMaxTagIfShorter(key, userKey, this.user.findShortSuccessor(userKey))
  }

  // A shortened user key becomes an internal key by taking the earliest possible tag, so that it
  // still sorts after every version of the original user key.
  private withMaxTagIfShorter (original: Uint8Array, userKey: Uint8Array, shorter: Uint8Array): Uint8Array {
    if (shorter.length < userKey.length && this.user.compare(userKey, shorter) < 0) {
      const out = new Uint8Array(shorter.length + TAG_SIZE)
      out.set(shorter, 0)
      out.set(MAX_SEEK_TAG, shorter.length)
      return out
    }
    return original
  }
}

/** Compares the tags at aTag and bTag as unsigned 64-bit values, larger first. */
function compareTagsDescending (a: Uint8Array, aTag: number, b: Uint8Array, bTag: number): number {
  const aHigh = decodeFixed32(a, aTag + 4)
  const bHigh = decodeFixed32(b, bTag + 4)
  if (aHigh !== bHigh) return aHigh > bHigh ? -1 : 1
  const aLow = decodeFixed32(a, aTag)
  const bLow = decodeFixed32(b, bTag)
  if (aLow !== bLow) return aLow > bLow ? -1 : 1
  return 0
}

/**
 * Tables hold internal keys but filters must answer for user keys (a Get probes with its own
 * sequence), so this wrapper strips the tag before building or probing.
 */
export class InternalFilterPolicy implements FilterPolicy {
  readonly inner: FilterPolicy
  /** The inner policy's, with each key's tag trimmed as well; absent when the inner has none. */
  readonly createFilterFromRanges: FilterPolicy['createFilterFromRanges']

  constructor (inner: FilterPolicy) {
    this.inner = inner
    const fromRanges = inner.createFilterFromRanges
    this.createFilterFromRanges = fromRanges === undefined
      ? undefined
      : (data, starts, end, trim) => fromRanges.call(inner, data, starts, end, trim + TAG_SIZE)
  }

  get name (): string {
    return this.inner.name
  }

  createFilter (keys: readonly Uint8Array[]): Uint8Array {
    const userKeys = new Array<Uint8Array>(keys.length)
    for (let i = 0; i < keys.length; i++) userKeys[i] = extractUserKey(keys[i]!)
    return this.inner.createFilter(userKeys)
  }

  keyMayMatch (key: Uint8Array, filter: Uint8Array): boolean {
    return this.inner.keyMayMatch(extractUserKey(key), filter)
  }

  keyMayMatchAt (key: Uint8Array, keyStart: number, keyEnd: number, filter: Uint8Array, filterStart: number, filterEnd: number): boolean {
    if (keyEnd - keyStart < TAG_SIZE) throw corruption('corrupted key')
    const userEnd = keyEnd - TAG_SIZE
    const inner = this.inner
    if (inner.keyMayMatchAt !== undefined) return inner.keyMayMatchAt(key, keyStart, userEnd, filter, filterStart, filterEnd)
    return inner.keyMayMatch(key.subarray(keyStart, userEnd), filter.subarray(filterStart, filterEnd))
  }
}

/**
 * The key a point lookup searches for: `userKey` at snapshot `sequence`, with the seek type, so a
 * search lands on the newest entry visible at that snapshot. It holds the internal key
 * (user key | tag) in one small buffer; one is made per get, so it makes nothing else until
 * asked (a 24-byte key lives on V8's heap, a view or a length-prefixed copy would cost as much
 * again).
 */
export class LookupKey {
  private readonly ikey: Uint8Array
  private user: Uint8Array | undefined

  constructor (userKey: Uint8Array, sequence: number) {
    const n = userKey.length
    const ikey = new Uint8Array(n + TAG_SIZE)
    // Short keys: a loop beats set(), whose call costs more than copying a few bytes.
    if (n <= 32) for (let i = 0; i < n; i++) ikey[i] = userKey[i]!
    else ikey.set(userKey, 0)
    encodeTag(ikey, n, sequence, VALUE_TYPE_FOR_SEEK)
    this.ikey = ikey
  }

  /** varint32(internal key length) | internal key, LevelDB's memtable key (made on each call). */
  memtableKey (): Uint8Array {
    const ikey = this.ikey
    const prefix = varintLength(ikey.length)
    const out = new Uint8Array(prefix + ikey.length)
    encodeVarint(out, 0, ikey.length)
    out.set(ikey, prefix)
    return out
  }

  internalKey (): Uint8Array {
    return this.ikey
  }

  userKey (): Uint8Array {
    let user = this.user
    if (user === undefined) user = this.user = this.ikey.subarray(0, this.ikey.length - TAG_SIZE)
    return user
  }
}
