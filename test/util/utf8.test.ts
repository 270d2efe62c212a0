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
