// The built-in bloom filter, after LevelDB's bloom_test: empty filter, small filter, and filters
// over 1..10000 keys whose false-positive rate must stay under 2%.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFixed32, utf8 } from '../../src/util/coding.js'
import { BloomFilterPolicy, bloomHash, bloomMayContain } from '../../src/table/bloom.js'
import { Random } from '../../src/util/random.js'
import { hex } from './helpers.js'

function intKey (i: number): Uint8Array {
  const b = new Uint8Array(4)
  encodeFixed32(b, 0, i)
  return b
}

/** LevelDB's filter for `keys`, one remainder per probe, written here as the reference. */
function referenceFilter (keys: Uint8Array[], bitsPerKey: number): Uint8Array {
  const k = Math.min(30, Math.max(1, Math.floor(bitsPerKey * 0.69)))
  const bytes = Math.ceil(Math.max(64, keys.length * bitsPerKey) / 8)
  const bits = bytes * 8
  const filter = new Uint8Array(bytes + 1)
  filter[bytes] = k
  for (const key of keys) {
    let h = bloomHash(key)
    const delta = ((h >>> 17) | (h << 15)) >>> 0
    for (let j = 0; j < k; j++) {
      const bit = h % bits
      filter[bit >>> 3]! |= 1 << (bit & 7)
      h = (h + delta) >>> 0
    }
  }
  return filter
}

function nextLength (length: number): number {
  if (length < 10) return length + 1
  if (length < 100) return length + 10
  if (length < 1000) return length + 100
  return length + 1000
}

describe('BloomFilterPolicy', () => {
  const policy = new BloomFilterPolicy(10)

  test('name and k', () => {
    assert.equal(policy.name, 'leveldb.BuiltinBloomFilter2')
    assert.equal(policy.k, 6)
    assert.equal(new BloomFilterPolicy(1).k, 1)
    assert.equal(new BloomFilterPolicy(100).k, 30)
  })

  test('EmptyFilter: matches nothing', () => {
    const filter = policy.createFilter([])
    assert.equal(filter.length, 9) // 64 bits minimum, plus k
    assert.equal(policy.keyMayMatch(utf8('hello'), filter), false)
    assert.equal(policy.keyMayMatch(utf8('world'), filter), false)
  })

  test('Small: added keys match, others do not', () => {
    const filter = policy.createFilter([utf8('hello'), utf8('world')])
    assert.equal(policy.keyMayMatch(utf8('hello'), filter), true)
    assert.equal(policy.keyMayMatch(utf8('world'), filter), true)
    assert.equal(policy.keyMayMatch(utf8('x'), filter), false)
    assert.equal(policy.keyMayMatch(utf8('foo'), filter), false)
  })

  test('golden: foo, foo, k1 at 10 bits/key (reference Appendix A)', () => {
    assert.equal(hex(policy.createFilter([utf8('foo'), utf8('foo'), utf8('k1')])), 'a8c91a0000000080' + '06')
  })

  test('keys given as ranges of one buffer give the same filter, with and without a trimmed tail', () => {
    for (const count of [0, 1, 7, 300]) {
      const keys: Uint8Array[] = []
      for (let i = 0; i < count; i++) keys.push(utf8('key-' + String(i * 7919).repeat(1 + (i % 3))))
      const tail = 3
      const starts: number[] = []
      const parts: number[] = []
      for (const k of keys) {
        starts.push(parts.length)
        parts.push(...k, ...new Array<number>(tail).fill(0xee))
      }
      const data = Uint8Array.from(parts)
      const expected = hex(policy.createFilter(keys))
      assert.equal(hex(policy.createFilterFromRanges(data, starts, data.length, tail)), expected)
      // Without trimming, the tails are part of the keys: a different filter unless empty.
      const whole = keys.map((k) => Uint8Array.from([...k, ...new Array<number>(tail).fill(0xee)]))
      assert.equal(hex(policy.createFilterFromRanges(data, starts, data.length, 0)), hex(policy.createFilter(whole)))
    }
  })

  test('VaryingLengths: no false negatives, false positives under 2%', () => {
    let mediocre = 0
    let good = 0
    for (let length = 1; length <= 10000; length = nextLength(length)) {
      const keys: Uint8Array[] = []
      for (let i = 0; i < length; i++) keys.push(intKey(i))
      const filter = policy.createFilter(keys)
      assert.ok(filter.length <= Math.floor(length * 10 / 8) + 40, `filter of ${filter.length} bytes for ${length} keys`)
      for (const k of keys) assert.equal(policy.keyMayMatch(k, filter), true, `false negative at length ${length}`)
      let hits = 0
      for (let i = 0; i < 10000; i++) if (policy.keyMayMatch(intKey(i + 1000000000), filter)) hits++
      const rate = hits / 10000
      assert.ok(rate <= 0.02, `false-positive rate ${rate} at length ${length}`)
      if (rate > 0.0125) mediocre++
      else good++
    }
    assert.ok(mediocre <= good / 5, `${mediocre} mediocre filters, ${good} good`)
  })

  test('short filters and reserved k values', () => {
    assert.equal(policy.keyMayMatch(utf8('a'), new Uint8Array(0)), false)
    assert.equal(policy.keyMayMatch(utf8('a'), new Uint8Array(1)), false)
    const reserved = new Uint8Array(9)
    reserved[8] = 31
    assert.equal(policy.keyMayMatch(utf8('a'), reserved), true)
  })

  test('the stored k is used: filters written with other settings stay readable', () => {
    const keys = [utf8('alpha'), utf8('beta'), utf8('gamma')]
    const filter = new BloomFilterPolicy(20).createFilter(keys)
    assert.equal(filter[filter.length - 1], 13)
    for (const k of keys) assert.equal(policy.keyMayMatch(k, filter), true)
  })

  test('bloomHash/bloomMayContain probe a sub-range of a key the same way', () => {
    const filter = policy.createFilter([utf8('user')])
    const internal = utf8('user\x01\x02\x03\x04\x05\x06\x07\x08')
    assert.equal(bloomMayContain(filter, bloomHash(internal, 0, internal.length - 8)), true)
    assert.equal(bloomMayContain(filter, bloomHash(internal)), policy.keyMayMatch(internal, filter))
  })

  test('probe positions are LevelDB\'s for every filter size and bits per key', () => {
    const seed = 1000 + Math.floor(Math.random() * 1000)
    const random = new Random(seed)
    for (let round = 0; round < 200; round++) {
      const bitsPerKey = random.range(1, 40)
      const keys: Uint8Array[] = []
      const count = random.range(0, 300)
      for (let i = 0; i < count; i++) keys.push(random.bytes(random.range(0, 24)))
      const bloom = new BloomFilterPolicy(bitsPerKey)
      const expected = referenceFilter(keys, bitsPerKey)
      assert.equal(hex(bloom.createFilter(keys)), hex(expected), `seed ${seed}, round ${round}`)
      for (const key of keys) assert.equal(bloom.keyMayMatch(key, expected), true, `seed ${seed}, round ${round}`)
      // Absent keys: the answer must be the reference's.
      for (let i = 0; i < 50; i++) {
        const other = random.bytes(8)
        const h = bloomHash(other)
        const k = expected[expected.length - 1]!
        const bits = (expected.length - 1) * 8
        const delta = ((h >>> 17) | (h << 15)) >>> 0
        let all = true
        for (let j = 0, g = h; j < k; j++, g = (g + delta) >>> 0) {
          const bit = g % bits
          if ((expected[bit >>> 3]! & (1 << (bit & 7))) === 0) all = false
        }
        assert.equal(bloomMayContain(expected, h), all, `seed ${seed}, round ${round}, probe ${i}`)
      }
    }
  })
})
