import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { maxUtf8Length, readUtf8, writeUtf8 } from '../../src/util/utf8.js'

test('writeUtf8 writes what TextEncoder encodes, within maxUtf8Length', () => {
  const encoder = new TextEncoder()
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100 }), fc.nat(8), (s, pos) => {
    const buf = new Uint8Array(pos + maxUtf8Length(s)).fill(0xee)
    const n = writeUtf8(s, buf, pos)
    assert.deepEqual(buf.subarray(pos, pos + n), encoder.encode(s))
    assert.ok(buf.subarray(0, pos).every((b) => b === 0xee), 'nothing written before pos')
  }), { seed: 7, numRuns: 500 })
})

test('readUtf8 decodes a range in place; invalid bytes give U+FFFD', () => {
  const bytes = new TextEncoder().encode('key:€uro')
  assert.equal(readUtf8(bytes, 0, bytes.length), 'key:€uro')
  assert.equal(readUtf8(bytes, 4, 7), '€')
  assert.equal(readUtf8(bytes, 4, 6), '\uFFFD')
  assert.equal(readUtf8(new Uint8Array([0x61, 0xff, 0x62]), 0, 3), 'a\uFFFDb')
  assert.equal(readUtf8(bytes, 3, 3), '')
})

test('readUtf8 keeps a leading byte-order mark, so a string that starts with U+FEFF reads back as written', () => {
  const s = '\uFEFFkey'
  const bytes = new TextEncoder().encode('x' + s)
  assert.equal(readUtf8(bytes, 1, bytes.length), s)
  assert.equal(readUtf8(bytes.subarray(1), 0, bytes.length - 1), s)
})

test('readUtf8 decodes any bytes as a non-fatal TextDecoder that keeps the mark does', () => {
  const reference = new TextDecoder('utf-8', { ignoreBOM: true })
  // Bytes biased towards lead and continuation bytes, surrogates (0xed) and 4-byte leads.
  const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0x80, max: 0xbf }),
    fc.integer({ min: 0xc0, max: 0xf7 }), fc.constant(0xed), fc.constant(0xef))
  fc.assert(fc.property(fc.array(byte, { maxLength: 16 }), fc.nat(3), (list, pad) => {
    const buf = new Uint8Array(pad + list.length + 2).fill(0x41)
    buf.set(list, pad)
    assert.equal(readUtf8(buf, pad, pad + list.length), reference.decode(Uint8Array.from(list)))
  }), { seed: 11, numRuns: 5000 })
})
