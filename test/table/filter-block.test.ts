// Filter block builder and reader, after LevelDB's filter_block_test, with a transparent test
// policy (a filter is the list of its keys' hashes) so that every answer is exact.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeFixed32, encodeFixed32, utf8 } from '../../src/util/coding.js'
import { hash } from '../../src/util/hash.js'
import { BloomFilterPolicy } from '../../src/table/bloom.js'
import { FilterBlockBuilder, FilterBlockReader } from '../../src/table/filter-block.js'
import type { FilterPolicy } from '../../src/table/filter-policy.js'
import { hex } from './helpers.js'

/** Stores each key's 32-bit hash; matches exactly those hashes. */
const hashListPolicy: FilterPolicy = {
  name: 'TestHashFilter',
  createFilter (keys) {
    const out = new Uint8Array(keys.length * 4)
    keys.forEach((k, i) => encodeFixed32(out, i * 4, hash(k, 1)))
    return out
  },
  keyMayMatch (key, filter) {
    const h = hash(key, 1)
    for (let i = 0; i + 4 <= filter.length; i += 4) if (decodeFixed32(filter, i) === h) return true
    return false
  }
}

const may = (r: FilterBlockReader, offset: number, key: string): boolean => r.keyMayMatch(offset, utf8(key))

describe('FilterBlock', () => {
  test('EmptyBuilder: 5 bytes, and every key may match', () => {
    const block = new FilterBlockBuilder(hashListPolicy).finish()
    assert.equal(hex(block), '00000000' + '0b')
    const r = new FilterBlockReader(hashListPolicy, block)
    assert.equal(may(r, 0, 'foo'), true)
    assert.equal(may(r, 100000, 'foo'), true)
  })

  test('SingleChunk: blocks starting in one 2 KiB range share a filter', () => {
    const b = new FilterBlockBuilder(hashListPolicy)
    b.startBlock(100)
    b.addKey(utf8('foo'))
    b.addKey(utf8('bar'))
    b.addKey(utf8('box'))
    b.startBlock(200)
    b.addKey(utf8('box'))
    b.startBlock(300)
    b.addKey(utf8('hello'))
    const r = new FilterBlockReader(hashListPolicy, b.finish())
    for (const k of ['foo', 'bar', 'box', 'hello']) assert.equal(may(r, 100, k), true, k)
    assert.equal(may(r, 100, 'missing'), false)
    assert.equal(may(r, 100, 'other'), false)
  })

  test('MultiChunk: one filter per range, empty filters for ranges without blocks', () => {
    const b = new FilterBlockBuilder(hashListPolicy)
    // First filter.
    b.startBlock(0)
    b.addKey(utf8('foo'))
    b.startBlock(2000)
    b.addKey(utf8('bar'))
    // Second filter.
    b.startBlock(3100)
    b.addKey(utf8('box'))
    // Third filter is empty. Last filter:
    b.startBlock(9000)
    b.addKey(utf8('box'))
    b.addKey(utf8('hello'))
    const r = new FilterBlockReader(hashListPolicy, b.finish())

    assert.equal(may(r, 0, 'foo'), true)
    assert.equal(may(r, 2000, 'bar'), true)
    assert.equal(may(r, 0, 'box'), false)
    assert.equal(may(r, 0, 'hello'), false)

    assert.equal(may(r, 3100, 'box'), true)
    assert.equal(may(r, 3100, 'foo'), false)
    assert.equal(may(r, 3100, 'bar'), false)
    assert.equal(may(r, 3100, 'hello'), false)

    for (const k of ['foo', 'bar', 'box', 'hello']) assert.equal(may(r, 4100, k), false, `empty filter, ${k}`)

    assert.equal(may(r, 9000, 'box'), true)
    assert.equal(may(r, 9000, 'hello'), true)
    assert.equal(may(r, 9000, 'foo'), false)
    assert.equal(may(r, 9000, 'bar'), false)
    // Past the last filter: no information, so "may match".
    assert.equal(may(r, 20000, 'anything'), true)
  })

  test('golden: keys foo, foo, k1 at block offset 0 with the bloom policy (18 bytes)', () => {
    const b = new FilterBlockBuilder(new BloomFilterPolicy(10))
    b.startBlock(0)
    for (const k of ['foo', 'foo', 'k1']) b.addKey(utf8(k))
    assert.equal(hex(b.finish()), 'a8c91a0000000080' + '06' + '00000000' + '09000000' + '0b')
  })

  test('malformed blocks answer "may match", never throw', () => {
    const policy = new BloomFilterPolicy(10)
    const bad = [new Uint8Array(0), new Uint8Array(4), new Uint8Array([0xff, 0xff, 0xff, 0xff, 11]),
      new Uint8Array([1, 2, 3, 0xff, 0xff, 0, 0, 0, 0, 11])]
    for (const bytes of bad) {
      const r = new FilterBlockReader(policy, bytes)
      assert.equal(r.keyMayMatch(0, utf8('x')), true)
      assert.equal(r.keyMayMatch(2 ** 40, utf8('x')), true)
    }
    // A filter offset beyond the array start: "may match".
    const b = new FilterBlockBuilder(policy)
    b.startBlock(0)
    b.addKey(utf8('a'))
    const good = b.finish().slice()
    encodeFixed32(good, good.length - 9, 500)
    assert.equal(new FilterBlockReader(policy, good).keyMayMatch(0, utf8('zzz')), true)
  })
})
