import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { hash } from '../../src/util/hash.js'
import { fromHex } from '../../src/util/coding.js'

const SEED = 0xbc9f1d34

test('the bloom hash vectors (doc/format.md, "Hash")', () => {
  assert.equal(hash(fromHex(''), SEED), 0xbc9f1d34)
  assert.equal(hash(fromHex('62'), SEED), 0xef1345c4)
  assert.equal(hash(fromHex('c397'), SEED), 0x5b663814)
  assert.equal(hash(fromHex('e299a5'), SEED), 0x323c078f)
  assert.equal(hash(fromHex('e180b932'), SEED), 0xed21633a)
})

test('start and end select a range; the result is unsigned', () => {
  const data = fromHex('00 e2 99 a5 ff')
  assert.equal(hash(data, SEED, 1, 4), 0x323c078f)
  assert.equal(hash(data.subarray(1, 4), SEED), 0x323c078f)
  assert.ok(hash(fromHex('62'), SEED) > 0x7fffffff)
})

test('property: a range hashes like the same bytes on their own, for any seed', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat({ max: 8 }), fc.nat({ max: 0xffffffff }), (data, pad, seed) => {
    const padded = new Uint8Array(pad + data.length + pad)
    padded.fill(0xaa)
    padded.set(data, pad)
    const h = hash(padded, seed, pad, pad + data.length)
    assert.equal(h, hash(data, seed))
    assert.ok(Number.isInteger(h) && h >= 0 && h <= 0xffffffff)
  }), { seed: 42, numRuns: 500 })
})
