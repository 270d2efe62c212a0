// LruCache: capacity in charge units, recency order, replacement, deletion and the eviction
// callback's exactly-once ownership rule.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { LruCache, type EvictReason } from '../../src/util/lru-cache.js'

function recorder (): { log: Array<[string, string, EvictReason]>, onEvict: (k: string, v: string, r: EvictReason) => void } {
  const log: Array<[string, string, EvictReason]> = []
  return { log, onEvict: (k, v, r) => { log.push([k, v, r]) } }
}

describe('LruCache', () => {
  test('get/set/has/peek', () => {
    const c = new LruCache<string, string>(10)
    assert.equal(c.get('a'), undefined)
    assert.equal(c.set('a', 'A'), true)
    assert.equal(c.get('a'), 'A')
    assert.equal(c.has('a'), true)
    assert.equal(c.peek('a'), 'A')
    assert.equal(c.size, 1)
    assert.equal(c.totalCharge, 1)
  })

  test('evicts the least recently used first; get() refreshes, peek() does not', () => {
    const { log, onEvict } = recorder()
    const c = new LruCache<string, string>(3, { onEvict })
    c.set('a', 'A')
    c.set('b', 'B')
    c.set('c', 'C')
    c.get('a') // order now b, c, a (oldest first)
    c.peek('b')
    c.set('d', 'D')
    assert.deepEqual(log, [['b', 'B', 'capacity']])
    assert.deepEqual([...c.keys()], ['d', 'a', 'c'])
    c.set('e', 'E')
    assert.deepEqual(log.map((e) => e[0]), ['b', 'c'])
  })

  test('capacity is in charge units: a heavy entry pushes out several light ones', () => {
    const { log, onEvict } = recorder()
    const c = new LruCache<string, string>(100, { onEvict })
    for (const k of ['a', 'b', 'c', 'd']) c.set(k, k.toUpperCase(), 20)
    assert.equal(c.totalCharge, 80)
    c.set('big', 'BIG', 50)
    assert.deepEqual(log.map((e) => e[0]), ['a', 'b'])
    assert.equal(c.totalCharge, 90)
    assert.ok(c.totalCharge <= c.capacity)
  })

  test('an entry larger than the capacity is not kept, and is handed back at once', () => {
    const { log, onEvict } = recorder()
    const c = new LruCache<string, string>(10, { onEvict })
    c.set('a', 'A', 5)
    assert.equal(c.set('huge', 'H', 11), false)
    assert.equal(c.has('huge'), false)
    assert.equal(c.get('a'), 'A')
    assert.deepEqual(log, [['huge', 'H', 'capacity']])
    // Replacing an existing key with an oversized value removes the old value too.
    assert.equal(c.set('a', 'A2', 50), false)
    assert.equal(c.has('a'), false)
    assert.deepEqual(log.slice(1), [['a', 'A', 'replaced'], ['a', 'A2', 'capacity']])
    assert.equal(c.totalCharge, 0)
  })

  test('replacing a value reports the old one; re-setting the same value only updates its charge', () => {
    const { log, onEvict } = recorder()
    const c = new LruCache<string, string>(10, { onEvict })
    c.set('a', 'A', 2)
    c.set('a', 'A2', 3)
    assert.deepEqual(log, [['a', 'A', 'replaced']])
    assert.equal(c.totalCharge, 3)
    c.set('a', 'A2', 4)
    assert.equal(log.length, 1)
    assert.equal(c.totalCharge, 4)
    assert.equal(c.size, 1)
  })

  test('delete and clear call the callback; setCapacity shrinks at once', () => {
    const { log, onEvict } = recorder()
    const c = new LruCache<string, string>(10, { onEvict })
    for (const k of ['a', 'b', 'c', 'd']) c.set(k, k)
    assert.equal(c.delete('b'), true)
    assert.equal(c.delete('b'), false)
    assert.deepEqual(log, [['b', 'b', 'deleted']])
    c.setCapacity(2)
    assert.deepEqual(log.slice(1), [['a', 'a', 'capacity']])
    assert.equal(c.size, 2)
    c.clear()
    assert.deepEqual(log.slice(2), [['c', 'c', 'cleared'], ['d', 'd', 'cleared']])
    assert.equal(c.size, 0)
    assert.equal(c.totalCharge, 0)
  })

  test('capacity 0 caches nothing', () => {
    const c = new LruCache<number, number>(0)
    assert.equal(c.set(1, 1, 1), false)
    assert.equal(c.set(2, 2, 0), true) // zero-charge entries fit
    assert.equal(c.size, 1)
  })

  test('rejects negative or non-finite capacities and charges', () => {
    assert.throws(() => new LruCache(-1))
    assert.throws(() => new LruCache(Infinity))
    assert.throws(() => new LruCache(10).set('a', 1, NaN))
  })

  test('against a model: order, charge and exactly-once eviction', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.constantFrom('set', 'get', 'delete'), fc.nat(15), fc.nat(6)), { maxLength: 300 }),
      (ops) => {
        const evicted: number[] = []
        let nextValue = 0
        const c = new LruCache<number, number>(20, { onEvict: (_k, v) => { evicted.push(v) } })
        // Model: keys oldest first, with value and charge.
        let model: Array<{ key: number, value: number, charge: number }> = []
        const given: number[] = []
        for (const [op, key, charge] of ops) {
          const i = model.findIndex((e) => e.key === key)
          if (op === 'set') {
            const value = nextValue++
            given.push(value)
            c.set(key, value, charge)
            if (i >= 0) model.splice(i, 1)
            if (charge <= 20) {
              model.push({ key, value, charge })
              let total = model.reduce((s, e) => s + e.charge, 0)
              while (total > 20) total -= model.shift()!.charge
            }
          } else if (op === 'get') {
            const got = c.get(key)
            assert.equal(got, i >= 0 ? model[i]!.value : undefined)
            if (i >= 0) model.push(model.splice(i, 1)[0]!)
          } else {
            assert.equal(c.delete(key), i >= 0)
            if (i >= 0) model = model.filter((e) => e.key !== key)
          }
          assert.deepEqual([...c.keys()].reverse(), model.map((e) => e.key))
          assert.equal(c.totalCharge, model.reduce((s, e) => s + e.charge, 0))
        }
        c.clear()
        // Every value handed to set() came back exactly once.
        assert.deepEqual(evicted.slice().sort((a, b) => a - b), given)
      }), { seed: 42, numRuns: 300 })
  })
})
