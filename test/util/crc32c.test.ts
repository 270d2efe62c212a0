import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { crc32c, crc32cExtend, maskCrc, unmaskCrc } from '../../src/util/crc32c.js'

/** The textbook bit-at-a-time CRC32C, as an independent oracle. */
function crc32cBitwise (data: Uint8Array): number {
  let c = 0xffffffff
  for (const b of data) {
    c ^= b
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  }
  return (c ^ 0xffffffff) >>> 0
}

describe('crc32c', () => {
  test('the standard check values (doc/format.md, "CRC32C")', () => {
    const ascending = Uint8Array.from({ length: 32 }, (_, i) => i)
    const descending = Uint8Array.from({ length: 32 }, (_, i) => 31 - i)
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa)
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43)
    assert.equal(crc32c(ascending), 0x46dd794e)
    assert.equal(crc32c(descending), 0x113fdb5c)
    assert.equal(crc32c(new TextEncoder().encode('TestCRCBuffer')), 0xdcbc59fa)
    assert.equal(crc32c(new TextEncoder().encode('foo')), 0xcfc4ae1d)
    assert.equal(crc32c(new Uint8Array(0)), 0)
  })

  test('results are unsigned 32-bit numbers', () => {
    assert.ok(crc32c(new Uint8Array(32)) > 0x7fffffff)
  })

  test('start and end select a range', () => {
    const data = new TextEncoder().encode('xxTestCRCBufferyyy')
    assert.equal(crc32c(data, 2, 15), 0xdcbc59fa)
    assert.equal(crc32c(data.subarray(2, 15)), 0xdcbc59fa)
  })

  test('property: agrees with a bit-at-a-time oracle at every length and alignment', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 7 }), (data, skew) => {
      const shifted = new Uint8Array(data.length + skew)
      shifted.set(data, skew)
      assert.equal(crc32c(shifted, skew), crc32cBitwise(data))
    }), { seed: 42, numRuns: 500 })
  })

  test('property: long inputs (read in words through a DataView) agree with the oracle at every alignment', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 250, maxLength: 5000 }), fc.nat({ max: 7 }), fc.nat({ max: 40 }), (data, skew, tail) => {
      // A view at an odd offset of a larger buffer, with bytes after it that must not be read.
      const backing = new Uint8Array(data.length + skew + tail).fill(0x5a)
      backing.set(data, skew)
      const view = backing.subarray(skew, skew + data.length)
      const expected = crc32cBitwise(data)
      assert.equal(crc32c(view), expected)
      assert.equal(crc32c(backing, skew, skew + data.length), expected)
      const cut = data.length >> 1
      assert.equal(crc32cExtend(crc32c(view, 0, cut), view, cut), expected)
    }), { seed: 42, numRuns: 300 })
  })

  test('property: extend(crc(a), b) equals crc(a ++ b)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (a, b) => {
      const ab = new Uint8Array(a.length + b.length)
      ab.set(a)
      ab.set(b, a.length)
      assert.equal(crc32cExtend(crc32c(a), b), crc32c(ab))
      assert.equal(crc32cExtend(crc32c(ab, 0, a.length), ab, a.length), crc32c(ab))
    }), { seed: 42, numRuns: 500 })
  })
})

describe('crc mask', () => {
  test('the reference vectors', () => {
    assert.equal(maskCrc(0), 0xa282ead8)
    assert.equal(maskCrc(0xcfc4ae1d), 0xfebe8a61)
    assert.equal(unmaskCrc(0xfebe8a61), 0xcfc4ae1d)
    assert.equal(unmaskCrc(0xa282ead8), 0)
  })

  test('masking changes the value and masking twice is not the identity', () => {
    const crc = crc32c(new TextEncoder().encode('foo'))
    assert.notEqual(maskCrc(crc), crc)
    assert.notEqual(maskCrc(maskCrc(crc)), crc)
    assert.equal(unmaskCrc(unmaskCrc(maskCrc(maskCrc(crc)))), crc)
  })

  test('property: unmask(mask(x)) == x, results unsigned', () => {
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), x => {
      const m = maskCrc(x)
      assert.ok(m >= 0 && m <= 0xffffffff && Number.isInteger(m))
      assert.equal(unmaskCrc(m), x)
    }), { seed: 42, numRuns: 1000 })
  })
})
