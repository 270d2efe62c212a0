import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Utf8Batch } from '../../src/util/utf8-batch.js'

const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
const SEED = Number(process.env.SHALE_TEST_SEED ?? 11)

// Pieces of every kind that decides whether cutting the batch string by byte offsets is right:
// plain ASCII, lone invalid bytes, multi-byte characters, sequences cut at a piece's end or start
// (which join up across pieces), a byte-order mark, and pieces long enough to be decoded alone.
const byte = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  { weight: 1, arbitrary: fc.constantFrom(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xef, 0xbb, 0xbf) }
)
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 40 }).map((a) => a.map((b) => 0x20 + (b % 95))) },
  { weight: 4, arbitrary: fc.array(byte, { maxLength: 40 }).map((a) => Uint8Array.from(a)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map((s) => new TextEncoder().encode(s)) },
  { weight: 1, arbitrary: fc.constantFrom(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61), Uint8Array.of(0xc3), Uint8Array.of(0xa9, 0x62)) },
  { weight: 1, arbitrary: fc.integer({ min: 4090, max: 5000 }).map((n) => new Uint8Array(n).fill(0x61)) }
)

test('Utf8Batch gives each piece exactly what decoding it alone gives', () => {
  const batch = new Utf8Batch()
  fc.assert(fc.property(fc.array(piece, { maxLength: 60 }), fc.nat(8), (pieces, pad) => {
    // Each piece lies inside a larger array, as keys and values lie inside blocks.
    for (const p of pieces) {
      const home = new Uint8Array(pad + p.length + 3).fill(0xc3)
      home.set(p, pad)
      batch.add(home, pad, pad + p.length)
    }
    assert.equal(batch.size, pieces.length)
    assert.deepEqual(batch.take(), pieces.map((p) => decoder.decode(p)))
    assert.equal(batch.size, 0, 'take() empties the batch')
  }), { seed: SEED, numRuns: 400 })
})

test('Utf8Batch: pieces that form a character only when joined are still decoded apart', () => {
  const batch = new Utf8Batch()
  batch.add(Uint8Array.of(0x61, 0xc3), 0, 2)
  batch.add(Uint8Array.of(0xa9, 0x62), 0, 2)
  batch.add(Uint8Array.of(0xe2, 0x82), 0, 2)
  batch.add(Uint8Array.of(0xac), 0, 1)
  assert.deepEqual(batch.take(), ['a\uFFFD', '\uFFFDb', '\uFFFD', '\uFFFD'])
  // Plain ASCII, the case cut from one decoded string, and empty pieces among them.
  const ascii = new TextEncoder().encode('0000000000000001value-one')
  batch.add(ascii, 0, 16)
  batch.add(ascii, 16, 16)
  batch.add(ascii, 16, ascii.length)
  assert.deepEqual(batch.take(), ['0000000000000001', '', 'value-one'])
  assert.deepEqual(batch.take(), [])
})

test('Utf8Batch grows past its first buffer and keeps earlier pieces', () => {
  const batch = new Utf8Batch()
  const expected: string[] = []
  for (let i = 0; i < 3000; i++) {
    const s = `key-${i}`.padEnd(16, '.') + 'v'.repeat(i % 200)
    const bytes = new TextEncoder().encode(s)
    batch.add(bytes, 0, bytes.length)
    expected.push(s)
  }
  assert.deepEqual(batch.take(), expected)
})
