import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { bytewiseComparator as cmp } from '../../src/util/comparator.js'
import { compareBytes, fromHex, utf8 } from '../../src/util/coding.js'

describe('bytewise comparator on user keys (doc/table.md, "Index and metaindex")', () => {
  test('name and order', () => {
    assert.equal(cmp.name, 'leveldb.BytewiseComparator')
    assert.ok(cmp.compare(utf8('a'), utf8('b')) < 0)
    assert.ok(cmp.compare(utf8('ab'), utf8('a')) > 0)
    assert.equal(cmp.compare(utf8('ab'), utf8('ab')), 0)
  })

  test('findShortestSeparator examples', () => {
    assert.deepEqual(cmp.findShortestSeparator(utf8('foo'), utf8('hello')), utf8('g'))
    // One key a prefix of the other: unchanged.
    assert.deepEqual(cmp.findShortestSeparator(utf8('foo'), utf8('foobar')), utf8('foo'))
    assert.deepEqual(cmp.findShortestSeparator(utf8('foobar'), utf8('foo')), utf8('foobar'))
    // The differing byte + 1 is not below the limit's byte: unchanged.
    assert.deepEqual(cmp.findShortestSeparator(utf8('abc1'), utf8('abc2')), utf8('abc1'))
    // Differing byte + 1 below the limit's: incremented and truncated after it.
    assert.deepEqual(cmp.findShortestSeparator(utf8('abc1xyz'), utf8('abc3')), utf8('abc2'))
    // A 0xff byte cannot be incremented.
    assert.deepEqual(cmp.findShortestSeparator(fromHex('ff01'), fromHex('ff0f')), fromHex('ff02'))
    assert.deepEqual(cmp.findShortestSeparator(fromHex('01ff'), fromHex('03')), fromHex('02'))
    assert.deepEqual(cmp.findShortestSeparator(utf8('same'), utf8('same')), utf8('same'))
  })

  test('findShortSuccessor examples', () => {
    assert.deepEqual(cmp.findShortSuccessor(utf8('foo')), utf8('g'))
    assert.deepEqual(cmp.findShortSuccessor(fromHex('ffff')), fromHex('ffff'))
    assert.deepEqual(cmp.findShortSuccessor(fromHex('ff01ff')), fromHex('ff02'))
    assert.deepEqual(cmp.findShortSuccessor(new Uint8Array(0)), new Uint8Array(0))
  })

  test('results are fresh arrays: the input is never modified', () => {
    const start = utf8('foo')
    cmp.findShortestSeparator(start, utf8('hello'))
    cmp.findShortSuccessor(start)
    assert.deepEqual(start, utf8('foo'))
  })

  test('property: start <= separator < limit, and no longer than start', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 10 }), fc.uint8Array({ maxLength: 10 }), (a, b) => {
      const c = compareBytes(a, b)
      if (c === 0) return
      const [start, limit] = c < 0 ? [a, b] : [b, a]
      const sep = cmp.findShortestSeparator(start, limit)
      assert.ok(compareBytes(start, sep) <= 0)
      assert.ok(compareBytes(sep, limit) < 0)
      assert.ok(sep.length <= start.length)
    }), { seed: 42, numRuns: 1000 })
  })

  test('property: compareAt on ranges agrees in sign with compare on the same bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), fc.nat(5), fc.nat(5), (a, b, pa, pb) => {
      const wa = new Uint8Array(pa + a.length + 3).fill(0xaa)
      wa.set(a, pa)
      const wb = new Uint8Array(pb + b.length + 3).fill(0x11)
      wb.set(b, pb)
      const r = cmp.compareAt!(wa, pa, pa + a.length, wb, pb, pb + b.length)
      assert.equal(Math.sign(r), Math.sign(cmp.compare(a, b)))
    }), { seed: 42, numRuns: 500 })
  })

  test('property: successor >= key, and no longer than key', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 10 }), key => {
      const s = cmp.findShortSuccessor(key)
      assert.ok(compareBytes(s, key) >= 0)
      assert.ok(s.length <= key.length)
    }), { seed: 42, numRuns: 1000 })
  })
})
