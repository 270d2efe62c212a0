import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ShaleError } from '../../src/util/errors.js'
import {
  encodeFixed32, decodeFixed32, encodeFixed64, decodeFixed64, encodeFixed64Big, decodeFixed64Big,
  varintLength, encodeVarint, Cursor, ByteWriter, compareBytes, bytesEqual, concatBytes, copyRange, toHex, fromHex
} from '../../src/util/coding.js'

function isCorruption (err: unknown): boolean {
  return err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION'
}

function varintBytes (value: number): Uint8Array {
  const buf = new Uint8Array(10)
  const end = encodeVarint(buf, 0, value)
  assert.equal(end, varintLength(value), `varintLength(${value})`)
  return buf.subarray(0, end)
}

describe('fixed-width integers', () => {
  test('fixed32 is little-endian and unsigned', () => {
    const buf = new Uint8Array(4)
    encodeFixed32(buf, 0, 0x04030201)
    assert.equal(toHex(buf), '01020304')
    encodeFixed32(buf, 0, 0xffffffff)
    assert.equal(toHex(buf), 'ffffffff')
    assert.equal(decodeFixed32(buf, 0), 0xffffffff)
    encodeFixed32(buf, 0, 0x80000000)
    assert.equal(decodeFixed32(buf, 0), 0x80000000)
  })

  test('fixed64 is little-endian, low word first, exact up to 2^53', () => {
    const buf = new Uint8Array(8)
    encodeFixed64(buf, 0, 0x07060504030201)
    assert.equal(toHex(buf), '0102030405060700')
    for (const v of [0, 1, 0xffffffff, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1]) {
      encodeFixed64(buf, 0, v)
      assert.equal(decodeFixed64(buf, 0), v)
      assert.equal(decodeFixed64Big(buf, 0), BigInt(v))
    }
    encodeFixed64(buf, 0, 2 ** 32 + 5)
    assert.equal(toHex(buf), '0500000001000000')
  })

  test('fixed64 BigInt variants keep all 64 bits', () => {
    const buf = new Uint8Array(8)
    encodeFixed64Big(buf, 0, 0xffffffffffffff01n)
    assert.equal(toHex(buf), '01ffffffffffffff')
    assert.equal(decodeFixed64Big(buf, 0), 0xffffffffffffff01n)
  })

  test('property: fixed32 and fixed64 round trip at any offset', () => {
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), fc.maxSafeNat(), fc.nat({ max: 8 }), (a, b, off) => {
      const buf = new Uint8Array(off + 12)
      encodeFixed32(buf, off, a)
      encodeFixed64(buf, off + 4, b)
      assert.equal(decodeFixed32(buf, off), a)
      assert.equal(decodeFixed64(buf, off + 4), b)
    }), { seed: 42, numRuns: 500 })
  })
})

describe('varints', () => {
  const boundaries: Array<[number, string]> = [
    [0, '00'],
    [1, '01'],
    [2 ** 7 - 1, '7f'],
    [2 ** 7, '8001'],
    [2 ** 14 - 1, 'ff7f'],
    [2 ** 14, '808001'],
    [2 ** 21 - 1, 'ffff7f'],
    [2 ** 21, '80808001'],
    [2 ** 28 - 1, 'ffffff7f'],
    [2 ** 28, '8080808001'],
    [2 ** 32 - 1, 'ffffffff0f'],
    [2 ** 32, '8080808010'],
    [2 ** 35, '808080808001'],
    [2 ** 53 - 1, 'ffffffffffffff0f']
  ]

  test('encodings at the 7-bit boundaries', () => {
    for (const [value, hex] of boundaries) assert.equal(toHex(varintBytes(value)), hex, `varint(${value})`)
  })

  test('varint32 decodes every 32-bit boundary', () => {
    for (const [value, hex] of boundaries) {
      if (value > 0xffffffff) continue
      const c = new Cursor(fromHex(hex))
      assert.equal(c.varint32(), value)
      assert.equal(c.remaining, 0)
    }
  })

  test('varint64 decodes every boundary, and 2^64-1 as BigInt', () => {
    for (const [value, hex] of boundaries) {
      const c = new Cursor(fromHex(hex))
      assert.equal(c.varint64(), value)
      assert.equal(c.remaining, 0)
      assert.equal(new Cursor(fromHex(hex)).varint64Big(), BigInt(value))
    }
    const max = fromHex('ffffffffffffffffff01')
    assert.equal(new Cursor(max).varint64Big(), 2n ** 64n - 1n)
    const w = new ByteWriter()
    w.varintBig(2n ** 64n - 1n)
    assert.deepEqual(w.finish(), max)
  })

  test('varint32 overflow and truncation are LEVEL_CORRUPTION', () => {
    for (const hex of ['ffffffff10', 'ffffffff1f', 'ffffffffff01', '80808080808001']) {
      assert.throws(() => new Cursor(fromHex(hex)).varint32(), isCorruption, hex)
    }
    for (const hex of ['', '80', 'ff', '8080', 'ffffff', 'ffffffff']) {
      assert.throws(() => new Cursor(fromHex(hex)).varint32(), isCorruption, `truncated ${hex}`)
    }
  })

  test('varint64 overflow and truncation are LEVEL_CORRUPTION', () => {
    for (const hex of ['ffffffffffffffffff02', 'ffffffffffffffffff7f', 'ffffffffffffffffffff01']) {
      assert.throws(() => new Cursor(fromHex(hex)).varint64(), isCorruption, hex)
      assert.throws(() => new Cursor(fromHex(hex)).varint64Big(), isCorruption, hex)
    }
    for (const hex of ['', '80', 'ffffffffffffffffff']) {
      assert.throws(() => new Cursor(fromHex(hex)).varint64(), isCorruption, `truncated ${hex}`)
      assert.throws(() => new Cursor(fromHex(hex)).varint64Big(), isCorruption, `truncated ${hex}`)
    }
  })

  test('a cursor does not read past its end even when the buffer goes on', () => {
    const buf = fromHex('8001 05')
    assert.throws(() => new Cursor(buf, 0, 1).varint32(), isCorruption)
    assert.throws(() => new Cursor(buf, 0, 1).varint64(), isCorruption)
    const c = new Cursor(buf, 0, 2)
    assert.equal(c.varint32(), 128)
    assert.throws(() => c.byte(), isCorruption)
  })

  test('property: varint round trip and length', () => {
    fc.assert(fc.property(fc.maxSafeNat(), v => {
      const b = varintBytes(v)
      assert.equal(new Cursor(b).varint64(), v)
      assert.equal(new Cursor(b).varint64Big(), BigInt(v))
      if (v <= 0xffffffff) assert.equal(new Cursor(b).varint32(), v)
    }), { seed: 42, numRuns: 1000 })
  })
})

describe('Cursor and ByteWriter', () => {
  type Field =
    | { t: 'byte', v: number }
    | { t: 'fixed32', v: number }
    | { t: 'fixed64', v: number }
    | { t: 'varint32', v: number }
    | { t: 'varint64', v: number }
    | { t: 'varintBig', v: bigint }
    | { t: 'prefixed', v: Uint8Array }
    | { t: 'bytes', v: Uint8Array }

  const fieldArb: fc.Arbitrary<Field> = fc.oneof(
    fc.record({ t: fc.constant('byte' as const), v: fc.nat({ max: 255 }) }),
    fc.record({ t: fc.constant('fixed32' as const), v: fc.nat({ max: 0xffffffff }) }),
    fc.record({ t: fc.constant('fixed64' as const), v: fc.maxSafeNat() }),
    fc.record({ t: fc.constant('varint32' as const), v: fc.nat({ max: 0xffffffff }) }),
    fc.record({ t: fc.constant('varint64' as const), v: fc.maxSafeNat() }),
    fc.record({ t: fc.constant('varintBig' as const), v: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
    fc.record({ t: fc.constant('prefixed' as const), v: fc.uint8Array({ maxLength: 300 }) }),
    fc.record({ t: fc.constant('bytes' as const), v: fc.uint8Array({ maxLength: 40 }) })
  )

  test('property: whatever a ByteWriter writes, a Cursor reads back', () => {
    fc.assert(fc.property(fc.array(fieldArb, { maxLength: 40 }), fc.nat({ max: 16 }), (fields, initial) => {
      // A tiny initial capacity forces the writer to grow mid-stream.
      const w = new ByteWriter(Math.max(1, initial))
      for (const f of fields) {
        switch (f.t) {
          case 'byte': w.byte(f.v); break
          case 'fixed32': w.fixed32(f.v); break
          case 'fixed64': w.fixed64(f.v); break
          case 'varint32': case 'varint64': w.varint(f.v); break
          case 'varintBig': w.varintBig(f.v); break
          case 'prefixed': w.lengthPrefixed(f.v); break
          case 'bytes': w.bytes(f.v); break
        }
      }
      const out = w.finish()
      assert.equal(out.length, w.length)
      assert.deepEqual(w.view(), out)
      const c = new Cursor(out)
      for (const f of fields) {
        switch (f.t) {
          case 'byte': assert.equal(c.byte(), f.v); break
          case 'fixed32': assert.equal(c.fixed32(), f.v); break
          case 'fixed64': assert.equal(c.fixed64(), f.v); break
          case 'varint32': assert.equal(c.varint32(), f.v); break
          case 'varint64': assert.equal(c.varint64(), f.v); break
          case 'varintBig': assert.equal(c.varint64Big(), f.v); break
          case 'prefixed': assert.deepEqual(c.lengthPrefixed(), f.v); break
          case 'bytes': assert.deepEqual(c.bytes(f.v.length), f.v); break
        }
      }
      assert.equal(c.remaining, 0)
    }), { seed: 42, numRuns: 300 })
  })

  test('property: every truncation of an encoded field is LEVEL_CORRUPTION, not a wrong value', () => {
    fc.assert(fc.property(fieldArb.filter(f => f.t !== 'bytes'), f => {
      const w = new ByteWriter()
      let read: (c: Cursor) => unknown
      switch (f.t) {
        case 'byte': w.byte(f.v); read = c => c.byte(); break
        case 'fixed32': w.fixed32(f.v); read = c => c.fixed32(); break
        case 'fixed64': w.fixed64(f.v); read = c => c.fixed64(); break
        case 'varint32': w.varint(f.v); read = c => c.varint32(); break
        case 'varint64': w.varint(f.v); read = c => c.varint64(); break
        case 'varintBig': w.varintBig(f.v); read = c => c.varint64Big(); break
        case 'prefixed': w.lengthPrefixed(f.v); read = c => c.lengthPrefixed(); break
        default: return
      }
      const full = w.finish()
      for (let cut = 0; cut < full.length; cut++) {
        assert.throws(() => read(new Cursor(full, 0, cut)), isCorruption)
      }
    }), { seed: 42, numRuns: 300 })
  })

  test('bytes() returns a view and rejects negative or oversized lengths', () => {
    const buf = fromHex('0102030405')
    const c = new Cursor(buf, 1)
    const v = c.bytes(2)
    assert.deepEqual(v, fromHex('0203'))
    assert.equal(v.buffer, buf.buffer)
    assert.equal(c.pos, 3)
    assert.throws(() => c.bytes(3), isCorruption)
    assert.throws(() => c.bytes(-1), isCorruption)
    assert.equal(c.pos, 3, 'a failed read does not move the cursor')
  })

  test('a length prefix longer than the input is LEVEL_CORRUPTION', () => {
    assert.throws(() => new Cursor(fromHex('05 0102')).lengthPrefixed(), isCorruption)
  })

  test('ByteWriter reset keeps the allocation; finish copies, view does not', () => {
    const w = new ByteWriter(4)
    w.bytes(fromHex('0102030405060708'))
    const buf = w.buf
    const copy = w.finish()
    const view = w.view()
    w.reset()
    assert.equal(w.length, 0)
    assert.equal(w.buf, buf)
    w.byte(0xaa)
    assert.equal(view[0], 0xaa)
    assert.equal(copy[0], 0x01)
  })
})

describe('byte helpers', () => {
  test('compareBytes is memcmp then length', () => {
    const cases: Array<[string, string, number]> = [
      ['', '', 0], ['', '00', -1], ['00', '', 1], ['61', '62', -1], ['62', '61', 1],
      ['6162', '61', 1], ['61', '6162', -1], ['ff', '00ff', 1], ['80', '7f', 1], ['010203', '010203', 0]
    ]
    for (const [a, b, sign] of cases) {
      assert.equal(Math.sign(compareBytes(fromHex(a), fromHex(b))), sign, `${a} vs ${b}`)
    }
  })

  test('property: compareBytes agrees with Buffer.compare and is antisymmetric', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
      const s = Math.sign(compareBytes(a, b))
      assert.equal(s, Buffer.compare(a, b))
      assert.ok(Math.sign(compareBytes(b, a)) === -s, 'antisymmetric')
      assert.equal(bytesEqual(a, b), s === 0)
    }), { seed: 42, numRuns: 1000 })
  })

  test('concatBytes, toHex and fromHex', () => {
    assert.deepEqual(concatBytes([fromHex('01'), new Uint8Array(0), fromHex('0203')]), fromHex('010203'))
    assert.equal(toHex(fromHex('00 ff 7F')), '00ff7f')
    assert.throws(() => fromHex('abc'))
  })

  test('copyRange copies short runs and long ones, at an offset', () => {
    for (const n of [0, 1, 31, 32, 33, 200]) {
      const src = Uint8Array.from({ length: n + 5 }, (_, i) => (i * 37 + 1) & 0xff)
      const dst = new Uint8Array(n + 9).fill(0xaa)
      copyRange(src, 3, 3 + n, dst, 4)
      assert.deepEqual(dst.subarray(4, 4 + n), src.subarray(3, 3 + n), `n = ${n}`)
      assert.ok(dst.subarray(0, 4).every((b) => b === 0xaa) && dst.subarray(4 + n).every((b) => b === 0xaa), `n = ${n}`)
    }
  })
})
