// The browser's short-string decoder and encoder (src/util/short-text-browser.ts, which bundlers
// for browsers load in place of short-text.ts) must give exactly TextDecoder's string and
// TextEncoder's bytes whenever they answer.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeShortAscii, encodeShortAscii } from '../../src/util/short-text-browser.js'
import { decodeShortAscii as nodeDecoder, encodeShortAscii as nodeEncoder } from '../../src/util/short-text.js'
import { Random } from '../../src/util/random.js'

test('decodeShortAscii answers short ASCII strings as TextDecoder does, and leaves the rest to it', () => {
  const seed = 0x5107
  const rng = new Random(seed)
  const decoder = new TextDecoder()
  // ASCII (NUL and DEL included), a BOM, multi-byte UTF-8 and bytes that are not UTF-8.
  const pieces = [[0x00], [0x41], [0x7f], [0x20], [0xef, 0xbb, 0xbf], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0x80], [0xff]]
  let answered = 0
  for (let i = 0; i < 5000; i++) {
    const bytes: number[] = [7, 7]
    const length = rng.nextU32() % 45
    const ascii = rng.nextU32() % 2 === 0
    while (bytes.length - 2 < length) bytes.push(...(ascii ? [rng.nextU32() % 128] : pieces[rng.nextU32() % pieces.length]!))
    const buf = Uint8Array.from([...bytes, 9])
    const end = buf.length - 1
    const got = decodeShortAscii(buf, 2, end)
    const want = decoder.decode(buf.subarray(2, end))
    const plain = buf.subarray(2, end).every((b) => b < 0x80)
    assert.equal(got !== undefined, plain && end - 2 <= 32, `seed ${seed}, case ${i}: answered only for at most 32 ASCII bytes`)
    if (got !== undefined) {
      assert.equal(got, want, `seed ${seed}, case ${i}`)
      answered++
    }
  }
  assert.ok(answered > 1000, `seed ${seed}: ${answered} answered`)
  assert.equal(nodeDecoder, undefined, 'Node decodes every string with TextDecoder')
})

test('encodeShortAscii writes short ASCII strings as TextEncoder does, and leaves the rest to it', () => {
  const seed = 0x5108
  const rng = new Random(seed)
  const encoder = new TextEncoder()
  // ASCII (NUL and DEL included), a BOM, 2- and 3-byte characters, a surrogate pair, lone surrogates.
  const pieces = ['\u0000', 'A', '\u007f', ' ', '\ufeff', '\u00e9', '\u20ac', '\u{1f600}', '\ud800', '\udc00', '\u0080']
  let answered = 0
  for (let i = 0; i < 5000; i++) {
    const length = rng.nextU32() % 300
    const ascii = rng.nextU32() % 2 === 0
    let s = ''
    while (s.length < length) s += ascii ? String.fromCharCode(rng.nextU32() % 128) : pieces[rng.nextU32() % pieces.length]!
    const buf = new Uint8Array(s.length * 3 + 4).fill(0xaa)
    const got = encodeShortAscii(s, buf, 3)
    const plain = [...s].every((c) => c.charCodeAt(0) < 0x80)
    assert.equal(got >= 0, plain && s.length <= 256, `seed ${seed}, case ${i}: answered only for at most 256 ASCII characters`)
    if (got >= 0) {
      assert.deepEqual(buf.subarray(3, 3 + got), encoder.encode(s), `seed ${seed}, case ${i}`)
      assert.equal(buf[2], 0xaa, `seed ${seed}, case ${i}: nothing written before pos`)
      assert.equal(buf[3 + got], 0xaa, `seed ${seed}, case ${i}: nothing written past the string`)
      answered++
    }
  }
  assert.ok(answered > 1000, `seed ${seed}: ${answered} answered`)
  assert.equal(nodeEncoder, undefined, 'Node encodes every string with encodeInto')
})
