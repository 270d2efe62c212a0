import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { copyBytes } from '../../src/util/byte-pool.js'

function pattern (n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7 + 1) & 0xff
  return out
}

/** Whether two views share bytes of one buffer. */
function overlap (a: Uint8Array, b: Uint8Array): boolean {
  if (a.buffer !== b.buffer || a.length === 0 || b.length === 0) return false
  return a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length
}

describe('copyBytes', () => {
  test('copies a whole array or a range, and the copy does not follow the source', () => {
    const src = pattern(300, 1)
    const whole = copyBytes(src)
    const part = copyBytes(src, 10, 110)
    assert.deepEqual(whole, src)
    assert.deepEqual(part, src.subarray(10, 110))
    src.fill(0)
    assert.deepEqual(whole, pattern(300, 1))
    assert.deepEqual(part, pattern(300, 1).subarray(10, 110))
  })

  test('short and long copies, empty ones, and sources that are Node Buffers', () => {
    for (const n of [0, 1, 15, 16, 31, 32, 33, 100, 4096, 4097, 70000]) {
      const src = Buffer.from(pattern(n, n))
      const copy = copyBytes(src)
      assert.equal(copy.length, n)
      assert.deepEqual(Buffer.from(copy), src)
      assert.equal(Object.getPrototypeOf(copy), Uint8Array.prototype)
    }
  })

  test('copies never overlap and stay intact across many later copies', () => {
    const copies: Uint8Array[] = []
    const expected: Uint8Array[] = []
    for (let i = 0; i < 3000; i++) {
      const src = pattern(1 + (i * 37) % 300, i)
      copies.push(copyBytes(src))
      expected.push(src.slice())
      src.fill(0xee)
    }
    for (let i = 0; i < copies.length; i++) assert.deepEqual(copies[i], expected[i], `copy ${i}`)
    // Neighbours in a chunk are the ones that could collide.
    for (let i = 1; i < copies.length; i++) assert.equal(overlap(copies[i - 1]!, copies[i]!), false, `copies ${i - 1} and ${i}`)
    // Writing into one copy changes no other.
    copies[10]!.fill(0)
    for (let i = 0; i < copies.length; i++) if (i !== 10) assert.deepEqual(copies[i], expected[i])
  })

  test('copies over 64 bytes share chunks; tiny and large ones get an array of their own', () => {
    const a = copyBytes(pattern(100, 1))
    const b = copyBytes(pattern(100, 2))
    assert.equal(a.buffer, b.buffer)
    const big = copyBytes(pattern(5000, 3))
    assert.equal(big.buffer.byteLength, 5000)
    const tiny = copyBytes(pattern(16, 4))
    assert.equal(tiny.byteOffset, 0)
    assert.equal(tiny.buffer.byteLength, 16)
  })

  test('a chunk whose buffer the caller transferred away is not written into', () => {
    const victim = copyBytes(pattern(100, 1))
    const buffer = victim.buffer as ArrayBuffer
    structuredClone(buffer, { transfer: [buffer] })
    assert.equal(victim.length, 0)
    const after = copyBytes(pattern(100, 2))
    assert.deepEqual(after, pattern(100, 2))
    assert.notEqual(after.buffer.byteLength, 0)
  })

  test('property: every copy keeps its bytes whatever is copied after it', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 6000 }), { maxLength: 60 }), (sources) => {
      const copies = sources.map((s) => copyBytes(s))
      for (let i = 0; i < sources.length; i++) assert.deepEqual(copies[i], sources[i])
    }), { seed: 42, numRuns: 200 })
  })
})
