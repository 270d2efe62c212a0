import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { MergingIterator } from '../../src/table/merging-iterator.js'
import { MemTable } from '../../src/memtable/memtable.js'
import { InternalKeyComparator, makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { bytewiseComparator, type Comparator } from '../../src/util/comparator.js'
import { compareBytes, fromUtf8, utf8 } from '../../src/util/coding.js'
import { ioError, ShaleError } from '../../src/util/errors.js'
import type { InternalIterator } from '../../src/util/iterator.js'

/** A sorted array as an InternalIterator; duplicates allowed. Values name (child, position). */
class ArrayIterator implements InternalIterator {
  private i: number
  closed = 0
  error: unknown = undefined
  closeError: unknown = undefined

  constructor (private readonly cmp: Comparator, private readonly keys: Uint8Array[], private readonly values: Uint8Array[]) {
    this.i = keys.length
  }

  valid (): boolean { return this.i >= 0 && this.i < this.keys.length }
  seekToFirst (): void { this.i = 0 }
  seekToLast (): void { this.i = this.keys.length - 1 }
  seek (target: Uint8Array): void {
    let lo = 0
    let hi = this.keys.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.cmp.compare(this.keys[mid]!, target) < 0) lo = mid + 1
      else hi = mid
    }
    this.i = lo
  }

  next (): void { assert.ok(this.valid(), 'next() on an invalid child'); this.i++ }
  prev (): void {
    assert.ok(this.valid(), 'prev() on an invalid child')
    this.i--
  }

  key (): Uint8Array { assert.ok(this.valid()); return this.keys[this.i]! }
  value (): Uint8Array { assert.ok(this.valid()); return this.values[this.i]! }
  checkError (): void { if (this.error !== undefined) throw this.error }
  close (): void {
    this.closed++
    if (this.closeError !== undefined) throw this.closeError
  }
}

interface Item { key: Uint8Array, child: number, pos: number }

/** Children built from sorted key lists, and the merged order the iterator must follow. */
function build (lists: Uint8Array[][], cmp: Comparator = bytewiseComparator): { children: ArrayIterator[], model: Item[] } {
  const model: Item[] = []
  const children = lists.map((raw, child) => {
    const keys = raw.slice().sort((a, b) => cmp.compare(a, b))
    keys.forEach((key, pos) => model.push({ key, child, pos }))
    return new ArrayIterator(cmp, keys, keys.map((_, pos) => utf8(`${child}:${pos}`)))
  })
  model.sort((a, b) => cmp.compare(a.key, b.key) || a.child - b.child || a.pos - b.pos)
  return { children, model }
}

function lowerBound (model: Item[], target: Uint8Array, cmp: Comparator = bytewiseComparator): number {
  let i = 0
  while (i < model.length && cmp.compare(model[i]!.key, target) < 0) i++
  return i
}

function assertAt (it: MergingIterator, model: Item[], pos: number, context: string): void {
  if (pos < 0 || pos >= model.length) {
    assert.equal(it.valid(), false, `${context}: expected invalid`)
    return
  }
  assert.equal(it.valid(), true, `${context}: expected entry ${pos}`)
  const want = model[pos]!
  assert.deepEqual(it.key(), want.key, context)
  assert.equal(fromUtf8(it.value()), `${want.child}:${want.pos}`, context)
}

const keyArb = fc.uint8Array({ minLength: 0, maxLength: 3, max: 3 })
const opArb = fc.oneof(
  fc.constant({ op: 'first' as const }),
  fc.constant({ op: 'last' as const }),
  keyArb.map((k) => ({ op: 'seek' as const, key: k })),
  fc.constant({ op: 'next' as const }),
  fc.constant({ op: 'next' as const }),
  fc.constant({ op: 'prev' as const }),
  fc.constant({ op: 'prev' as const })
)

describe('MergingIterator', () => {
  test('no children: never valid', () => {
    const it = new MergingIterator(bytewiseComparator, [])
    it.seekToFirst(); assert.equal(it.valid(), false)
    it.seekToLast(); assert.equal(it.valid(), false)
    it.seek(utf8('a')); assert.equal(it.valid(), false)
    it.next(); it.prev(); assert.equal(it.valid(), false)
    assert.throws(() => it.key(), ShaleError)
    it.checkError()
    it.close()
  })

  test('empty children are skipped', () => {
    const { children, model } = build([[], [utf8('b')], [], [utf8('a'), utf8('c')], []])
    const it = new MergingIterator(bytewiseComparator, children)
    const seen: string[] = []
    for (it.seekToFirst(); it.valid(); it.next()) seen.push(fromUtf8(it.key()))
    assert.deepEqual(seen, ['a', 'b', 'c'])
    seen.length = 0
    for (it.seekToLast(); it.valid(); it.prev()) seen.push(fromUtf8(it.key()))
    assert.deepEqual(seen, ['c', 'b', 'a'])
    assert.equal(model.length, 3)
  })

  test('duplicate keys across children are all yielded, lower child first; reverse is the exact mirror', () => {
    const k = utf8('k')
    const { children, model } = build([[k, utf8('z')], [utf8('a'), k], [k, k]])
    const it = new MergingIterator(bytewiseComparator, children)
    const forward: string[] = []
    for (it.seekToFirst(); it.valid(); it.next()) forward.push(`${fromUtf8(it.key())}@${fromUtf8(it.value())}`)
    assert.deepEqual(forward, ['a@1:0', 'k@0:0', 'k@1:1', 'k@2:0', 'k@2:1', 'z@0:1'])
    const backward: string[] = []
    for (it.seekToLast(); it.valid(); it.prev()) backward.push(`${fromUtf8(it.key())}@${fromUtf8(it.value())}`)
    assert.deepEqual(backward, forward.slice().reverse())
    assert.equal(model.length, 6)
  })

  test('direction switches in the middle of a run of equal keys', () => {
    const k = utf8('k')
    const { children, model } = build([[k], [utf8('a'), k], [k, utf8('m')], [k]])
    const it = new MergingIterator(bytewiseComparator, children)
    // Walk to each position of the run, switch, and check both neighbours.
    for (let pos = 0; pos < model.length; pos++) {
      it.seekToFirst()
      for (let i = 0; i < pos; i++) it.next()
      assertAt(it, model, pos, `forward to ${pos}`)
      it.prev(); assertAt(it, model, pos - 1, `prev after ${pos}`)
      if (pos - 1 >= 0) { it.next(); assertAt(it, model, pos, `next back to ${pos}`) }
      it.seekToLast()
      for (let i = model.length - 1; i > pos; i--) it.prev()
      assertAt(it, model, pos, `backward to ${pos}`)
      it.next(); assertAt(it, model, pos + 1, `next after ${pos}`)
      if (pos + 1 < model.length) { it.prev(); assertAt(it, model, pos, `prev back to ${pos}`) }
    }
  })

  test('random children and operations match a sorted model', () => {
    fc.assert(fc.property(
      fc.array(fc.array(keyArb, { maxLength: 12 }), { minLength: 0, maxLength: 9 }),
      fc.array(opArb, { minLength: 1, maxLength: 60 }),
      (lists, ops) => {
        const { children, model } = build(lists)
        const it = new MergingIterator(bytewiseComparator, children)
        let pos = -1
        for (const [i, o] of ops.entries()) {
          const valid = pos >= 0 && pos < model.length
          switch (o.op) {
            case 'first': it.seekToFirst(); pos = 0; break
            case 'last': it.seekToLast(); pos = model.length - 1; break
            case 'seek': it.seek(o.key); pos = lowerBound(model, o.key); break
            case 'next': it.next(); if (valid) pos++; break
            case 'prev': it.prev(); if (valid) pos--; break
          }
          if (pos < 0 || pos >= model.length) pos = -1
          assertAt(it, model, pos, `op ${i} ${o.op}`)
        }
        it.close()
        for (const c of children) assert.equal(c.closed, 1)
      }
    ), { seed: 42, numRuns: 400 })
  })

  test('memtable children under the internal-key comparator: full scans and switches', () => {
    const icmp = new InternalKeyComparator()
    const tables = [new MemTable(icmp), new MemTable(icmp), new MemTable(icmp)]
    const expected: Uint8Array[] = []
    let seq = 1
    for (let i = 0; i < 300; i++) {
      const user = utf8(`key${(i * 37) % 101}`)
      const type = i % 5 === 0 ? ValueType.Deletion : ValueType.Value
      tables[i % 3]!.add(seq, type, user, utf8(`v${seq}`))
      expected.push(makeInternalKey(user, seq, type))
      seq++
    }
    expected.sort((a, b) => icmp.compare(a, b))
    const it = new MergingIterator(icmp, tables.map((t) => t.newIterator()))
    const forward: Uint8Array[] = []
    for (it.seekToFirst(); it.valid(); it.next()) forward.push(it.key().slice())
    assert.deepEqual(forward, expected)
    const backward: Uint8Array[] = []
    for (it.seekToLast(); it.valid(); it.prev()) backward.push(it.key().slice())
    assert.deepEqual(backward, expected.slice().reverse())
    // Zig-zag through the middle.
    it.seek(expected[150]!)
    for (let i = 0; i < 20; i++) {
      it.prev(); assert.deepEqual(it.key(), expected[149]!)
      it.next(); assert.deepEqual(it.key(), expected[150]!)
    }
  })

  test('checkError surfaces the first child error; close closes every child even if one throws', () => {
    const { children } = build([[utf8('a')], [utf8('b')], [utf8('c')]])
    const it = new MergingIterator(bytewiseComparator, children)
    it.checkError()
    const second = ioError('second child failed')
    const third = ioError('third child failed')
    children[2]!.error = third
    assert.throws(() => it.checkError(), (err) => err === third)
    children[1]!.error = second
    assert.throws(() => it.checkError(), (err) => err === second)
    children[0]!.closeError = new Error('close failed')
    assert.throws(() => it.close(), /close failed/)
    for (const c of children) assert.equal(c.closed, 1)
    it.close()
    for (const c of children) assert.equal(c.closed, 1, 'close is idempotent')
  })

  test('a custom comparator decides the order', () => {
    const reverseCmp: Comparator = {
      name: 'test.Reverse',
      compare: (a, b) => compareBytes(b, a),
      findShortestSeparator: (s) => s,
      findShortSuccessor: (k) => k
    }
    const { children, model } = build([[utf8('a'), utf8('c')], [utf8('b'), utf8('d')]], reverseCmp)
    const it = new MergingIterator(reverseCmp, children)
    const seen: string[] = []
    for (it.seekToFirst(); it.valid(); it.next()) seen.push(fromUtf8(it.key()))
    assert.deepEqual(seen, ['d', 'c', 'b', 'a'])
    it.seek(utf8('bb'))
    assertAt(it, model, lowerBound(model, utf8('bb'), reverseCmp), 'seek under reverse order')
    assert.equal(fromUtf8(it.key()), 'b')
  })
})
