// LevelDB's primitive encodings: little-endian fixed-width integers, LEB128 varints and
// length-prefixed slices (doc/format.md, "Primitives").
//
// 64-bit quantities (file numbers, sizes, sequence numbers) are JavaScript numbers. They are exact up
// to 2^53, far beyond any real file number, size or sequence; the only larger value LevelDB writes is
// the maximum sequence inside seek tags, and tags are handled as raw bytes (dbformat/), never as
// numbers. BigInt variants exist for tests and tools that need every bit.

import { corruption } from './errors.js'

const TWO_32 = 0x1_0000_0000

export function encodeFixed32 (buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value & 0xff
  buf[offset + 1] = (value >>> 8) & 0xff
  buf[offset + 2] = (value >>> 16) & 0xff
  buf[offset + 3] = (value >>> 24) & 0xff
}

export function decodeFixed32 (buf: Uint8Array, offset: number): number {
  return (buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16)) + buf[offset + 3]! * 0x1000000
}

export function encodeFixed64 (buf: Uint8Array, offset: number, value: number): void {
  const lo = value % TWO_32
  encodeFixed32(buf, offset, lo)
  encodeFixed32(buf, offset + 4, (value - lo) / TWO_32)
}

/** Exact for values below 2^53. */
export function decodeFixed64 (buf: Uint8Array, offset: number): number {
  return decodeFixed32(buf, offset) + decodeFixed32(buf, offset + 4) * TWO_32
}

export function encodeFixed64Big (buf: Uint8Array, offset: number, value: bigint): void {
  encodeFixed32(buf, offset, Number(value & 0xffffffffn))
  encodeFixed32(buf, offset + 4, Number((value >> 32n) & 0xffffffffn))
}

export function decodeFixed64Big (buf: Uint8Array, offset: number): bigint {
  return BigInt(decodeFixed32(buf, offset)) | (BigInt(decodeFixed32(buf, offset + 4)) << 32n)
}

export function varintLength (value: number): number {
  let len = 1
  while (value >= 128) {
    value = Math.floor(value / 128)
    len++
  }
  return len
}

/** Writes a varint (32- or 64-bit; the encoding is the same) and returns the offset after it. */
export function encodeVarint (buf: Uint8Array, offset: number, value: number): number {
  while (value >= 128) {
    buf[offset++] = (value & 0x7f) | 0x80
    value = Math.floor(value / 128)
  }
  buf[offset++] = value
  return offset
}

/**
 * A read position over a byte array. Decoders advance `pos`; every read checks bounds and throws a
 * LEVEL_CORRUPTION error instead of reading past `end`.
 */
export class Cursor {
  buf: Uint8Array
  pos: number
  end: number

  constructor (buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf
    this.pos = pos
    this.end = end
  }

  get remaining (): number {
    return this.end - this.pos
  }

  varint32 (): number {
    const buf = this.buf
    let pos = this.pos
    const end = this.end
    if (pos < end) {
      const b = buf[pos]!
      if (b < 128) {
        this.pos = pos + 1
        return b
      }
    }
    let result = 0
    for (let shift = 0; shift <= 28; shift += 7) {
      if (pos >= end) throw corruption('truncated varint32', { offset: pos })
      const b = buf[pos++]!
      if (b < 128) {
        if (shift === 28 && b > 0x0f) throw corruption('varint32 overflow', { offset: pos - 1 })
        result += b * 2 ** shift
        this.pos = pos
        return result
      }
      result += (b & 0x7f) * 2 ** shift
    }
    throw corruption('varint32 too long', { offset: pos })
  }

  /** Exact for values below 2^53. */
  varint64 (): number {
    const buf = this.buf
    let pos = this.pos
    const end = this.end
    let result = 0
    for (let shift = 0; shift <= 63; shift += 7) {
      if (pos >= end) throw corruption('truncated varint64', { offset: pos })
      const b = buf[pos++]!
      if (b < 128) {
        if (shift === 63 && b > 1) throw corruption('varint64 overflow', { offset: pos - 1 })
        result += b * 2 ** shift
        this.pos = pos
        return result
      }
      result += (b & 0x7f) * 2 ** shift
    }
    throw corruption('varint64 too long', { offset: pos })
  }

  varint64Big (): bigint {
    const buf = this.buf
    let pos = this.pos
    let result = 0n
    for (let shift = 0n; shift <= 63n; shift += 7n) {
      if (pos >= this.end) throw corruption('truncated varint64', { offset: pos })
      const b = buf[pos++]!
      result |= BigInt(b & 0x7f) << shift
      if (b < 128) {
        if (shift === 63n && b > 1) throw corruption('varint64 overflow', { offset: pos - 1 })
        this.pos = pos
        return result
      }
    }
    throw corruption('varint64 too long', { offset: pos })
  }

  fixed32 (): number {
    if (this.end - this.pos < 4) throw corruption('truncated fixed32', { offset: this.pos })
    const v = decodeFixed32(this.buf, this.pos)
    this.pos += 4
    return v
  }

  fixed64 (): number {
    if (this.end - this.pos < 8) throw corruption('truncated fixed64', { offset: this.pos })
    const v = decodeFixed64(this.buf, this.pos)
    this.pos += 8
    return v
  }

  byte (): number {
    if (this.pos >= this.end) throw corruption('truncated byte', { offset: this.pos })
    return this.buf[this.pos++]!
  }

  /** Moves past the next `n` bytes. */
  skip (n: number): void {
    if (n < 0 || this.end - this.pos < n) throw corruption('slice runs past end of input', { offset: this.pos })
    this.pos += n
  }

  /** A view (not a copy) of the next `n` bytes. */
  bytes (n: number): Uint8Array {
    const start = this.pos
    this.skip(n)
    return this.buf.subarray(start, this.pos)
  }

  /** A view of a varint32-length-prefixed slice. */
  lengthPrefixed (): Uint8Array {
    return this.bytes(this.varint32())
  }
}

/**
 * A growable byte buffer for encoders. `finish()` returns a view of what was written; `reset()`
 * keeps the allocation for reuse.
 */
export class ByteWriter {
  buf: Uint8Array
  length = 0

  constructor (initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity)
  }

  ensure (extra: number): void {
    const need = this.length + extra
    if (need <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < need) cap *= 2
    const next = new Uint8Array(cap)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
  }

  reset (): void {
    this.length = 0
  }

  byte (b: number): void {
    this.ensure(1)
    this.buf[this.length++] = b
  }

  bytes (data: Uint8Array): void {
    this.ensure(data.length)
    this.buf.set(data, this.length)
    this.length += data.length
  }

  fixed32 (value: number): void {
    this.ensure(4)
    encodeFixed32(this.buf, this.length, value)
    this.length += 4
  }

  fixed64 (value: number): void {
    this.ensure(8)
    encodeFixed64(this.buf, this.length, value)
    this.length += 8
  }

  varint (value: number): void {
    this.ensure(10)
    this.length = encodeVarint(this.buf, this.length, value)
  }

  varintBig (value: bigint): void {
    this.ensure(10)
    while (value >= 128n) {
      this.buf[this.length++] = Number(value & 0x7fn) | 0x80
      value >>= 7n
    }
    this.buf[this.length++] = Number(value)
  }

  lengthPrefixed (data: Uint8Array): void {
    this.varint(data.length)
    this.bytes(data)
  }

  /** A view of the bytes written so far; valid until the next write or reset. */
  view (): Uint8Array {
    return this.buf.subarray(0, this.length)
  }

  /** A copy of the bytes written so far. */
  finish (): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}

/** Bytewise comparison, as memcmp then length. Returns <0, 0 or >0. */
export function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** compareBytes over the ranges a[aStart, aEnd) and b[bStart, bEnd), without making views. */
export function compareBytesAt (a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const aLen = aEnd - aStart
  const bLen = bEnd - bStart
  const n = aLen < bLen ? aLen : bLen
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i]! - b[bStart + i]!
    if (d !== 0) return d
  }
  return aLen - bLen
}

/**
 * Copies src[start, end) to dst at `at`. Keys are short, and for a few bytes a loop is cheaper
 * than the view that `dst.set(src.subarray(...))` needs; longer runs use set().
 */
export function copyRange (src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void {
  const n = end - start
  if (n > 32) {
    dst.set(src.subarray(start, end), at)
    return
  }
  for (let i = 0; i < n; i++) dst[at + i] = src[start + i]!
}

export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function concatBytes (parts: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const p of parts) total += p.length
  const out = new Uint8Array(total)
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder()

export function utf8 (s: string): Uint8Array {
  return utf8Encoder.encode(s)
}

export function fromUtf8 (b: Uint8Array): string {
  return utf8Decoder.decode(b)
}

export function toHex (b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0')
  return s
}

export function fromHex (hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-fA-F]/g, '')
  if (clean.length % 2 !== 0) throw new Error('odd number of hex digits')
  const out = new Uint8Array(clean.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16)
  return out
}
