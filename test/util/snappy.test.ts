import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { ShaleError } from '../../src/util/errors.js'
import {
  snappyCompress, snappyUncompress, snappyUncompressedLength, snappyMaxCompressedLength
} from '../../src/util/snappy.js'

const require = createRequire(import.meta.url)
const snappyjs = require('snappyjs') as {
  compress (input: Uint8Array): Uint8Array
  uncompress (input: Uint8Array, maxLength?: number): Uint8Array
}

function isCorruption (err: unknown): boolean {
  return err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION'
}

function bytes (...values: number[]): Uint8Array {
  return Uint8Array.from(values)
}

/** A deterministic PRNG for the fixed-size cases (xorshift32). */
function randomBytes (n: number, seed: number): Uint8Array {
  let x = seed
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** Half-compressible data like db_bench's: 50 random printable bytes then their repeat. */
function compressibleBytes (n: number, seed: number): Uint8Array {
  const noise = randomBytes(n, seed)
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = i % 100 < 50 ? 32 + (noise[i]! % 95) : out[i - 50]!
  return out
}

/** Inputs with repeats at many distances and lengths, so every copy form gets exercised. */
const compressibleArb = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('lit' as const), data: fc.uint8Array({ minLength: 1, maxLength: 80 }) }),
    fc.record({ kind: fc.constant('rep' as const), dist: fc.integer({ min: 1, max: 70000 }), len: fc.integer({ min: 1, max: 300 }) }),
    fc.record({ kind: fc.constant('run' as const), byte: fc.integer({ min: 0, max: 255 }), len: fc.integer({ min: 1, max: 2000 }) })
  ),
  { maxLength: 60 }
).map(parts => {
  const out: number[] = []
  for (const p of parts) {
    if (p.kind === 'lit') out.push(...p.data)
    else if (p.kind === 'run') for (let i = 0; i < p.len; i++) out.push(p.byte)
    else if (out.length > 0) {
      const from = out.length - Math.min(p.dist, out.length)
      for (let i = 0; i < p.len; i++) out.push(out[from + i]!)
    }
  }
  return Uint8Array.from(out)
})

// 65552 and 65553 end in a 16- and a 17-byte fragment: just under and at the size that is searched.
const SIZES = [0, 1, 2, 15, 16, 17, 100, 4096, 65535, 65536, 65537, 65552, 65553, 131072, 131073, 1 << 20]

describe('snappy round trips', () => {
  test('empty input compresses to a zero header and back', () => {
    const c = snappyCompress(new Uint8Array(0))
    assert.deepEqual(c, bytes(0))
    assert.deepEqual(snappyUncompress(c), new Uint8Array(0))
  })

  test('fixed sizes, random and compressible, including 64 KiB fragment boundaries', () => {
    for (const n of SIZES) {
      for (const data of [randomBytes(n, n + 1), compressibleBytes(n, n + 7), new Uint8Array(n).fill(0x61)]) {
        const c = snappyCompress(data)
        assert.ok(c.length <= snappyMaxCompressedLength(n), `size ${n}: within the bound`)
        assert.equal(snappyUncompressedLength(c), n)
        assert.deepEqual(snappyUncompress(c), data, `size ${n}`)
      }
    }
  })

  test('compressible data actually shrinks', () => {
    const data = compressibleBytes(4096, 3)
    const ratio = snappyCompress(data).length / data.length
    assert.ok(ratio < 0.6, `ratio ${ratio}`)
    assert.ok(snappyCompress(new Uint8Array(1 << 20)).length < 50_000, 'a megabyte of zeros')
  })

  test('property: random bytes round trip', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), data => {
      const c = snappyCompress(data)
      assert.ok(c.length <= snappyMaxCompressedLength(data.length))
      assert.deepEqual(snappyUncompress(c), data)
    }), { seed: 42, numRuns: 300 })
  })

  test('property: compressible bytes round trip', () => {
    fc.assert(fc.property(compressibleArb, data => {
      assert.deepEqual(snappyUncompress(snappyCompress(data)), data)
    }), { seed: 42, numRuns: 300 })
  })

  test('input may be a view at a non-zero offset of a larger buffer', () => {
    const backing = compressibleBytes(10_000, 5)
    const view = backing.subarray(1234, 8765)
    const c = snappyCompress(view)
    const framed = new Uint8Array(c.length + 20)
    framed.set(c, 7)
    assert.deepEqual(snappyUncompress(framed.subarray(7, 7 + c.length)), view)
  })

  test('a compressed result is not clobbered by the next call', () => {
    const a = compressibleBytes(5000, 1)
    const ca = snappyCompress(a)
    const copy = ca.slice()
    snappyCompress(compressibleBytes(5000, 2))
    assert.deepEqual(ca, copy)
  })
})

describe('snappy interop with snappyjs', () => {
  test('fixed sizes both ways', () => {
    for (const n of SIZES) {
      for (const data of [randomBytes(n, n + 3), compressibleBytes(n, n + 9)]) {
        assert.deepEqual(new Uint8Array(snappyjs.uncompress(snappyCompress(data))), data, `snappyjs decodes ours, size ${n}`)
        assert.deepEqual(snappyUncompress(snappyjs.compress(data)), data, `we decode snappyjs's, size ${n}`)
      }
    }
  })

  test('property: both ways on random and compressible inputs', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), compressibleArb), data => {
      assert.deepEqual(new Uint8Array(snappyjs.uncompress(snappyCompress(data))), data)
      assert.deepEqual(snappyUncompress(snappyjs.compress(data)), data)
    }), { seed: 42, numRuns: 200 })
  })
})

describe('snappy element decoding (hand-made streams)', () => {
  test('every literal length form', () => {
    // Tag values 60..63 put length-1 in the next 1..4 bytes.
    for (const [len, head] of [
      [1, [0x00]], [60, [59 << 2]], [61, [60 << 2, 60]], [300, [61 << 2, 0x2b, 0x01]],
      [70000, [62 << 2, 0x6f, 0x11, 0x01]], [70000, [63 << 2, 0x6f, 0x11, 0x01, 0x00]]
    ] as Array<[number, number[]]>) {
      const body = randomBytes(len, len)
      const header = []
      for (let v = len; ; v = Math.floor(v / 128)) {
        if (v < 128) { header.push(v); break }
        header.push((v & 0x7f) | 0x80)
      }
      const stream = Uint8Array.from([...header, ...head, ...body])
      assert.deepEqual(snappyUncompress(stream), body, `literal of ${len} with ${head.length}-byte tag`)
    }
  })

  test('copies with 1-, 2- and 4-byte offsets, overlapping copies repeat a pattern', () => {
    // "abcd" then a 1-byte-offset copy of 8 from 4 back: a repeating, overlapping copy.
    assert.deepEqual(snappyUncompress(bytes(12, 3 << 2, 0x61, 0x62, 0x63, 0x64, 1 | (4 << 2), 4)),
      new TextEncoder().encode('abcdabcdabcd'))
    // Run length: "x" then a 2-byte-offset copy of 64 from 1 back.
    assert.deepEqual(snappyUncompress(bytes(65, 0, 0x78, 2 | (63 << 2), 1, 0)), new Uint8Array(65).fill(0x78))
    // A 4-byte-offset copy (the compressor never emits one; the decoder must accept it).
    assert.deepEqual(snappyUncompress(bytes(6, 2 << 2, 1, 2, 3, 3 | (2 << 2), 3, 0, 0, 0)), bytes(1, 2, 3, 1, 2, 3))
    // The high offset bits of the 1-byte-offset form: offset 0x105 = 261.
    const lit = randomBytes(300, 9)
    const stream = Uint8Array.from([0xb0, 0x02, 61 << 2, 0x2b, 0x01, ...lit, 1 | (0 << 2) | (1 << 5), 0x05])
    const expected = Uint8Array.from([...lit, ...lit.subarray(300 - 261, 300 - 261 + 4)])
    assert.deepEqual(snappyUncompress(stream), expected)
  })
})

/** The element semantics written out plainly, one byte at a time: the oracle for the decoder. */
function referenceExpand (elements: Array<{ literal: Uint8Array } | { offset: number, length: number }>): Uint8Array {
  const out: number[] = []
  for (const e of elements) {
    if ('literal' in e) out.push(...e.literal)
    else for (let i = 0; i < e.length; i++) out.push(out[out.length - e.offset]!)
  }
  return Uint8Array.from(out)
}

/** Encodes elements as a raw Snappy stream, choosing each copy's tag form from its fields. */
function encodeElements (elements: Array<{ literal: Uint8Array } | { offset: number, length: number, form: number }>, total: number): Uint8Array {
  const out: number[] = []
  for (let v = total; ; v = Math.floor(v / 128)) {
    if (v < 128) { out.push(v); break }
    out.push((v & 0x7f) | 0x80)
  }
  for (const e of elements) {
    if ('literal' in e) {
      const n = e.literal.length - 1
      if (n < 60) out.push(n << 2)
      else out.push(60 << 2, n)
      out.push(...e.literal)
    } else if (e.form === 1) {
      out.push(1 | ((e.length - 4) << 2) | ((e.offset >>> 8) << 5), e.offset & 0xff)
    } else if (e.form === 2) {
      out.push(2 | ((e.length - 1) << 2), e.offset & 0xff, e.offset >>> 8)
    } else {
      out.push(3 | ((e.length - 1) << 2), e.offset & 0xff, (e.offset >>> 8) & 0xff, e.offset >>> 16, 0)
    }
  }
  return Uint8Array.from(out)
}

describe('snappy decoding of arbitrary element sequences', () => {
  test('property: literals and copies of every offset and length decode as the byte-at-a-time oracle', () => {
    // The decoder copies four bytes at a time when the offset allows it (>= 4), including copies
    // that overlap what they produce; offsets 1..3 and every length 1..64 must still be exact.
    const element = fc.oneof(
      fc.record({ literal: fc.uint8Array({ minLength: 1, maxLength: 250 }) }),
      fc.record({ offsetPick: fc.nat({ max: 1 << 20 }), small: fc.boolean(), length: fc.integer({ min: 1, max: 64 }), form: fc.constantFrom(1, 2, 3) })
    )
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.array(element, { maxLength: 60 }), (first, picks) => {
      const elements: Array<{ literal: Uint8Array } | { offset: number, length: number, form: number }> = [{ literal: first }]
      let produced = first.length
      for (const p of picks) {
        if ('literal' in p) {
          elements.push(p)
          produced += p.literal.length
          continue
        }
        let { length, form } = p
        const limit = form === 1 ? 2047 : 65535
        const offset = 1 + (p.small ? p.offsetPick % Math.min(8, produced, limit) : p.offsetPick % Math.min(produced, limit))
        if (form === 1) length = 4 + (length % 8)
        elements.push({ offset, length, form })
        produced += length
      }
      const expected = referenceExpand(elements)
      assert.equal(expected.length, produced)
      assert.deepEqual(snappyUncompress(encodeElements(elements, produced)), expected)
    }), { seed: 42, numRuns: 1000 })
  })
})

describe('snappy rejects malformed input with LEVEL_CORRUPTION', () => {
  // Each case also names the message it must get, so that the check meant for it is the one
  // that fires (a later, coarser check would often catch the damage too).
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['empty input (no header)', bytes(), /truncated varint32/],
    ['truncated header', bytes(0x80), /truncated varint32/],
    ['header over 32 bits', bytes(0xff, 0xff, 0xff, 0xff, 0x1f), /varint32 overflow/],
    ['copy offset 0', bytes(5, 0, 0x61, 1 | (0 << 2), 0), /copy offset 0 out of range/],
    ['copy from before the start of output', bytes(5, 0, 0x61, 1 | (0 << 2), 2), /copy offset 2 out of range/],
    ['4-byte offset before the start', bytes(5, 0, 0x61, 3 | (3 << 2), 0, 0, 0, 1), /copy offset 16777216 out of range/],
    ['literal runs past the end of input', bytes(5, 4 << 2, 1, 2, 3), /literal runs past end of input/],
    ['4-byte literal length past the end of input', bytes(10, 63 << 2, 0, 0, 0, 1, 7, 7), /literal runs past end of input/],
    ['literal longer than the header says', bytes(2, 2 << 2, 1, 2, 3), /output longer than its header says/],
    ['copy longer than the header says', bytes(4, 0, 0x61, 1 | (0 << 2), 1), /output longer than its header says/],
    ['output shorter than the header says', bytes(4, 2 << 2, 1, 2, 3), /output is 3 bytes, header says 4/],
    ['truncated literal length', bytes(10, 61 << 2, 0x63), /truncated literal length/],
    ['truncated 1-byte-offset copy', bytes(5, 0, 0x61, 1), /truncated copy/],
    ['truncated 2-byte-offset copy', bytes(5, 0, 0x61, 2 | (3 << 2), 1), /truncated copy/],
    ['truncated 4-byte-offset copy', bytes(5, 0, 0x61, 3 | (3 << 2), 1, 0, 0), /truncated copy/],
    ['header claims more than any input could expand to', bytes(0xff, 0xff, 0xff, 0xff, 0x0f, 0), /impossible for 1 input bytes/]
  ]
  for (const [name, stream, message] of cases) {
    test(name, () => {
      assert.throws(() => snappyUncompress(stream), (err: unknown) => isCorruption(err) && message.test((err as Error).message))
    })
  }

  test('snappyUncompressedLength rejects a missing or broken header', () => {
    assert.throws(() => snappyUncompressedLength(bytes()), isCorruption)
    assert.throws(() => snappyUncompressedLength(bytes(0x80, 0x80)), isCorruption)
    assert.equal(snappyUncompressedLength(bytes(0xff, 0xff, 0xff, 0xff, 0x0f)), 0xffffffff)
  })

  test('maxLength: a header over the limit throws, at the limit decodes', () => {
    const data = compressibleBytes(1000, 4)
    const c = snappyCompress(data)
    assert.deepEqual(snappyUncompress(c, 1000), data)
    assert.throws(() => snappyUncompress(c, 999), isCorruption)
    assert.throws(() => snappyUncompress(c, 0), isCorruption)
  })

  test('maxLength is checked before allocating', () => {
    // A plausible header (a run of 64 MiB needs only ~3 MiB of copies) whose body is absent.
    // Without the limit this would allocate 64 MiB before finding the body missing.
    const header = bytes(0x80, 0x80, 0x80, 0x20)
    const stream = new Uint8Array(4 + 3_200_000)
    stream.set(header)
    // The message shows the limit check fired, and it runs before the output is allocated.
    assert.throws(() => snappyUncompress(stream, 1 << 20), (err: unknown) =>
      isCorruption(err) && /limit/.test((err as Error).message))
  })

  test('property: corrupted compressed data throws LEVEL_CORRUPTION or returns exactly the header length', () => {
    const arb = fc.tuple(
      fc.oneof(compressibleArb, fc.uint8Array({ maxLength: 500 })),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.option(fc.nat(), { nil: undefined })
    )
    fc.assert(fc.property(arb, ([data, flips, cut]) => {
      const c = snappyCompress(data).slice()
      for (const [pos, xor] of flips) c[pos % c.length] ^= xor
      const damaged = cut === undefined ? c : c.subarray(0, cut % (c.length + 1))
      let out: Uint8Array
      try {
        out = snappyUncompress(damaged)
      } catch (err) {
        assert.ok(isCorruption(err), `unexpected error ${String(err)}`)
        return
      }
      assert.equal(out.length, snappyUncompressedLength(damaged))
    }), { seed: 42, numRuns: 2000 })
  })

  test('property: every truncation of a valid stream is rejected', () => {
    fc.assert(fc.property(compressibleArb.filter(d => d.length > 0), fc.nat(), (data, cut) => {
      const c = snappyCompress(data)
      const short = c.subarray(0, cut % c.length)
      assert.throws(() => snappyUncompress(short), isCorruption)
    }), { seed: 42, numRuns: 500 })
  })

  test('property: arbitrary bytes never crash the decoder', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), junk => {
      try {
        const out = snappyUncompress(junk)
        assert.equal(out.length, snappyUncompressedLength(junk))
      } catch (err) {
        assert.ok(isCorruption(err), `unexpected error ${String(err)}`)
      }
    }), { seed: 42, numRuns: 3000 })
  })
})
