// Snappy raw format (no framing), as LevelDB stores compressed blocks (doc/snappy.md).
//
// A stream is a varint32 uncompressed length followed by elements. The low two bits of each
// element's tag byte say what it is:
//   00 literal: length-1 in the upper six bits, or (values 60..63) in the next 1..4 bytes, LE;
//      then the literal bytes.
//   01 copy, length 4..11 in bits 2..4, 11-bit offset: bits 5..7 of the tag are the high bits,
//      the next byte the low bits.
//   10 copy, length 1..64 in the upper six bits, 16-bit LE offset in the next two bytes.
//   11 copy, as 10 but with a 32-bit LE offset.
// A copy repeats `length` bytes starting `offset` bytes back in the output; it may overlap the
// bytes it is producing (offset < length), which repeats a short pattern.
//
// The compressor works like Google's: the input is cut into 64 KiB fragments, each compressed on
// its own with a hash table of 4-byte sequences, so every offset fits the two-byte form. The
// decompressor trusts nothing: every length and offset is checked against both buffers.

import { Cursor } from './coding.js'
import { corruption } from './errors.js'

const FRAGMENT_SIZE = 1 << 16
const MAX_HASH_BITS = 14
const MIN_HASH_BITS = 8
// Matching stops this many bytes before a fragment's end so that the 4-byte loads of the search
// loop never read past it (a DataView read out of bounds throws).
const INPUT_MARGIN = 15
// Fragments shorter than this are emitted as one literal: too short to be worth searching.
const MIN_SEARCHED_FRAGMENT = INPUT_MARGIN + 2
// The multiplier Snappy uses for its 4-byte hash (any odd constant with well-mixed bits works).
const HASH_MUL = 0x1e35a7bd

// Literals (and, in the decompressor, non-overlapping copies) up to this long are copied four
// bytes at a time through DataViews (about 1.6x a byte loop on table blocks, doc/performance.md
// "Read path"); longer literals use the engine's bulk copy, whose fixed cost then pays off.
const WORD_COPY_MAX = 64

// Scratch state reused between calls; compression is synchronous, so no call can interleave.
const hashTable = new Uint16Array(1 << MAX_HASH_BITS)
// Output buffers up to this size are kept for the next call; a larger one is dropped afterwards.
const KEEP_SCRATCH = 1 << 20
let scratch = new Uint8Array(8192)
let scratchView = new DataView(scratch.buffer)

/** The largest output `snappyCompress` can produce for `inputLength` bytes. */
export function snappyMaxCompressedLength (inputLength: number): number {
  // Google's bound for the algorithm used here (fragments of 64 KiB, copies of at least 4
  // bytes): incompressible input grows only by literal tags, which this covers with room to spare.
  return 32 + inputLength + Math.floor(inputLength / 6)
}

/** Compresses `input` into a new array in the raw Snappy format. */
export function snappyCompress (input: Uint8Array): Uint8Array {
  return snappyCompressTemporary(input).slice()
}

/**
 * As snappyCompress, but the result is a view of a scratch buffer, valid only until the next
 * call: for a caller that copies it at once (the table builder appends it to its output), which
 * saves an allocation per block. A flush or compaction compresses a thousand blocks per table,
 * and in a worker thread that garbage is collected late, which costs resident memory.
 */
export function snappyCompressTemporary (input: Uint8Array): Uint8Array {
  const n = input.length
  const bound = snappyMaxCompressedLength(n)
  let out = scratch
  let outView = scratchView
  if (bound > scratch.length) {
    out = new Uint8Array(bound)
    outView = new DataView(out.buffer)
    if (bound <= KEEP_SCRATCH) {
      scratch = out
      scratchView = outView
    }
  }

  // Header: the uncompressed length as a varint32.
  let op = 0
  let v = n
  while (v >= 0x80) {
    out[op++] = (v & 0x7f) | 0x80
    v = Math.floor(v / 128)
  }
  out[op++] = v

  // 4-byte loads through a DataView compile to single machine loads; assembling them from four
  // byte reads made the whole compressor about 1.7 times slower (bench/micro.ts).
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength)
  for (let start = 0; start < n; start += FRAGMENT_SIZE) {
    const end = Math.min(start + FRAGMENT_SIZE, n)
    op = compressFragment(input, view, start, end, out, outView, op)
  }
  return out.subarray(0, op)
}

/**
 * Compresses `src[start, end)` (at most 64 KiB) into `out` at `op`; returns the new `op`. Every
 * 4-byte load stays inside the fragment: a DataView read past the input would throw.
 */
function compressFragment (
  src: Uint8Array, view: DataView, start: number, end: number, out: Uint8Array, outView: DataView, op: number
): number {
  let nextEmit = start
  if (end - start >= MIN_SEARCHED_FRAGMENT) {
    // A table no bigger than the fragment: clearing it is part of the per-fragment cost.
    let hashBits = MIN_HASH_BITS
    while (hashBits < MAX_HASH_BITS && (1 << hashBits) < end - start) hashBits++
    const shift = 32 - hashBits
    const table = hashTable
    table.fill(0, 0, 1 << hashBits)

    const ipLimit = end - INPUT_MARGIN
    // Table entries are positions relative to `start`; an empty entry (0) points at the first
    // byte, which is a valid, merely unlikely, candidate, so it needs no special case.
    let ip = start + 1
    // The word at the next probe position is loaded one step ahead and carried over, so each
    // probe reads the input once.
    let nextWord = view.getInt32(ip, true)
    search: for (;;) {
      // Look for a 4-byte match. After 32 misses in a row the step grows by one byte every 32
      // probes, so incompressible data is skipped over quickly.
      let skip = 32
      let nextIp = ip
      let candidate: number
      let word: number
      do {
        ip = nextIp
        word = nextWord
        const h = Math.imul(word, HASH_MUL) >>> shift
        nextIp = ip + (skip++ >>> 5)
        if (nextIp > ipLimit) break search
        nextWord = view.getInt32(nextIp, true)
        candidate = start + table[h]!
        table[h] = ip - start
      } while (word !== view.getInt32(candidate, true))

      op = emitLiteral(src, view, nextEmit, ip - nextEmit, out, outView, op)

      // Emit copies while the byte right after one copy starts another match.
      for (;;) {
        const copyStart = ip
        let s = candidate + 4
        ip += 4
        while (ip + 4 <= end && view.getInt32(ip, true) === view.getInt32(s, true)) {
          ip += 4
          s += 4
        }
        while (ip < end && src[ip] === src[s]) {
          ip++
          s++
        }
        op = emitCopy(out, op, copyStart - candidate, ip - copyStart)
        nextEmit = ip
        if (ip >= ipLimit) break search
        // Remember the position just before the copy's end, then try the position right at it.
        table[Math.imul(view.getInt32(ip - 1, true), HASH_MUL) >>> shift] = ip - 1 - start
        const cur = view.getInt32(ip, true)
        const h = Math.imul(cur, HASH_MUL) >>> shift
        candidate = start + table[h]!
        table[h] = ip - start
        if (cur !== view.getInt32(candidate, true)) break
      }
      ip++
      nextWord = view.getInt32(ip, true)
    }
  }
  if (nextEmit < end) op = emitLiteral(src, view, nextEmit, end - nextEmit, out, outView, op)
  return op
}

/** Emits src[from, from + len) as a literal; `view` and `outView` are DataViews over src and out. */
function emitLiteral (src: Uint8Array, view: DataView, from: number, len: number, out: Uint8Array,
  outView: DataView, op: number): number {
  const n = len - 1
  if (n < 60) {
    out[op++] = n << 2
  } else if (n < 0x100) {
    out[op++] = 60 << 2
    out[op++] = n
  } else if (n < 0x10000) {
    out[op++] = 61 << 2
    out[op++] = n & 0xff
    out[op++] = n >>> 8
  } else if (n < 0x1000000) {
    out[op++] = 62 << 2
    out[op++] = n & 0xff
    out[op++] = (n >>> 8) & 0xff
    out[op++] = n >>> 16
  } else {
    out[op++] = 63 << 2
    out[op++] = n & 0xff
    out[op++] = (n >>> 8) & 0xff
    out[op++] = (n >>> 16) & 0xff
    out[op++] = n >>> 24
  }
  if (len <= WORD_COPY_MAX) {
    let i = 0
    for (const stop = len - 3; i < stop; i += 4) outView.setInt32(op + i, view.getInt32(from + i, true), true)
    for (; i < len; i++) out[op + i] = src[from + i]!
  } else {
    out.set(src.subarray(from, from + len), op)
  }
  return op + len
}

/** Emits a copy of `len` (>= 4) bytes from `offset` (< 65536) back. */
function emitCopy (out: Uint8Array, op: number, offset: number, len: number): number {
  // Long matches become 64-byte copies; when 65..67 bytes are left, a 60-byte copy leaves at
  // least 4, the shortest length the compact one-byte-offset form can express.
  while (len >= 68) {
    out[op++] = 2 | (63 << 2)
    out[op++] = offset & 0xff
    out[op++] = offset >>> 8
    len -= 64
  }
  if (len > 64) {
    out[op++] = 2 | (59 << 2)
    out[op++] = offset & 0xff
    out[op++] = offset >>> 8
    len -= 60
  }
  if (len < 12 && offset < 2048) {
    out[op++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5)
    out[op++] = offset & 0xff
  } else {
    out[op++] = 2 | ((len - 1) << 2)
    out[op++] = offset & 0xff
    out[op++] = offset >>> 8
  }
  return op
}

/** The uncompressed length recorded in the header; throws LEVEL_CORRUPTION if malformed. */
export function snappyUncompressedLength (input: Uint8Array): number {
  return new Cursor(input).varint32()
}

/**
 * Decompresses raw Snappy. Throws LEVEL_CORRUPTION on malformed input, and if the header claims
 * more than `maxLength` bytes (callers pass a bound derived from the compressed size). With
 * `output`, the result is written into the array it returns for the header's length (exactly
 * that long) instead of a new one.
 */
export function snappyUncompress (input: Uint8Array, maxLength = Infinity, output?: (length: number) => Uint8Array): Uint8Array {
  const cursor = new Cursor(input)
  const length = cursor.varint32()
  let ip = cursor.pos
  const inEnd = input.length
  if (length > maxLength) {
    throw corruption(`snappy: uncompressed length ${length} exceeds the limit of ${maxLength}`, { offset: 0 })
  }
  // No element expands more than 64 output bytes per 3 input bytes, so a header claiming more
  // is corrupt; checking it here keeps a damaged header from causing a huge allocation.
  if (length > Math.ceil((inEnd - ip) * 64 / 3)) {
    throw corruption(`snappy: uncompressed length ${length} impossible for ${inEnd - ip} input bytes`, { offset: 0 })
  }
  const out = output !== undefined ? output(length) : new Uint8Array(length)
  const outView = new DataView(out.buffer, out.byteOffset, length)
  if (input.buffer !== inViewBuffer) {
    inViewBuffer = input.buffer
    inView = new DataView(input.buffer)
  }
  const view = inView
  const base = input.byteOffset
  let op = 0

  while (ip < inEnd) {
    const tagPos = ip
    const tag = input[ip++]!
    const kind = tag & 3
    if (kind === 0) {
      let len = tag >>> 2
      if (len >= 60) {
        const extra = len - 59
        if (inEnd - ip < extra) throw corruption('snappy: truncated literal length', { offset: tagPos })
        len = input[ip]!
        if (extra > 1) len |= input[ip + 1]! << 8
        if (extra > 2) len |= input[ip + 2]! << 16
        if (extra > 3) len += input[ip + 3]! * 0x1000000
        ip += extra
      }
      len += 1
      if (len > inEnd - ip) throw corruption('snappy: literal runs past end of input', { offset: tagPos })
      if (len > length - op) throw corruption('snappy: output longer than its header says', { offset: tagPos })
      if (len <= WORD_COPY_MAX) {
        let i = 0
        const from = base + ip
        for (const stop = len - 3; i < stop; i += 4) outView.setInt32(op + i, view.getInt32(from + i, true), true)
        for (; i < len; i++) out[op + i] = input[ip + i]!
      } else {
        out.set(input.subarray(ip, ip + len), op)
      }
      ip += len
      op += len
      continue
    }

    let len: number
    let offset: number
    if (kind === 1) {
      if (ip >= inEnd) throw corruption('snappy: truncated copy', { offset: tagPos })
      len = 4 + ((tag >>> 2) & 7)
      offset = ((tag >>> 5) << 8) | input[ip++]!
    } else if (kind === 2) {
      if (inEnd - ip < 2) throw corruption('snappy: truncated copy', { offset: tagPos })
      len = (tag >>> 2) + 1
      offset = input[ip]! | (input[ip + 1]! << 8)
      ip += 2
    } else {
      if (inEnd - ip < 4) throw corruption('snappy: truncated copy', { offset: tagPos })
      len = (tag >>> 2) + 1
      offset = (input[ip]! | (input[ip + 1]! << 8) | (input[ip + 2]! << 16)) + input[ip + 3]! * 0x1000000
      ip += 4
    }
    if (offset === 0 || offset > op) throw corruption(`snappy: copy offset ${offset} out of range`, { offset: tagPos })
    if (len > length - op) throw corruption('snappy: output longer than its header says', { offset: tagPos })
    let from = op - offset
    if (offset >= 4) {
      // Four bytes at a time is safe even when the copy overlaps what it produces: with an
      // offset of at least 4, each word read lies wholly before the word being written.
      let i = 0
      for (const stop = len - 3; i < stop; i += 4) outView.setInt32(op + i, outView.getInt32(from + i, true), true)
      for (; i < len; i++) out[op + i] = out[from + i]!
      op += len
    } else {
      // Byte by byte, front to back, so an overlapping copy re-reads bytes it just wrote.
      const stop = op + len
      while (op < stop) out[op++] = out[from++]!
    }
  }
  if (op !== length) throw corruption(`snappy: output is ${op} bytes, header says ${length}`, { offset: inEnd })
  return out
}

// The DataView of the last input's buffer: table blocks are read into one reused buffer
// (table/format.ts), so most calls make none.
let inViewBuffer: ArrayBufferLike | undefined
let inView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0))
