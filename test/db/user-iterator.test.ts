import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { UserIterator } from '../../src/db/user-iterator.js'
import { DBIterator } from '../../src/db/db-iterator.js'
import type { Entry, IteratorOptions } from '../../src/db/api.js'
import { MemTable } from '../../src/memtable/memtable.js'
import { InternalKeyComparator, makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { bytewiseComparator } from '../../src/util/comparator.js'
import { compareBytes, fromUtf8, utf8 } from '../../src/util/coding.js'
import { ioError, isCorruption, ShaleError } from '../../src/util/errors.js'
import type { InternalIterator } from '../../src/util/iterator.js'

const icmp = new InternalKeyComparator()

/** A memtable holding `data` (plus some overwritten and deleted noise) at sequences 1.. */
function memtableOf (data: Array<[string, string]>): { mem: MemTable, sequence: number } {
  const mem = new MemTable(icmp)
  let seq = 0
  for (const [k, v] of data) {
    mem.add(++seq, ValueType.Value, utf8(k), utf8(`old-${v}`))
    mem.add(++seq, ValueType.Deletion, utf8(k + '~gone'), new Uint8Array(0))
  }
  for (const [k, v] of data) mem.add(++seq, ValueType.Value, utf8(k), utf8(v))
  return { mem, sequence: seq }
}

function open (data: Array<[string, string]>, options: IteratorOptions = {}): { it: UserIterator, closes: () => number } {
  const { mem, sequence } = memtableOf(data)
  let closes = 0
  const it = new UserIterator(new DBIterator(icmp, mem.newIterator(), sequence), bytewiseComparator, options, () => { closes++ })
  return { it, closes: () => closes }
}

function show (e: Entry | undefined): string {
  if (e === undefined) return 'end'
  return `${e[0] === undefined ? '-' : fromUtf8(e[0])}=${e[1] === undefined ? '-' : fromUtf8(e[1])}`
}

const abc: Array<[string, string]> = [['a', '1'], ['b', '2'], ['c', '3'], ['d', '4'], ['e', '5']]

describe('UserIterator: fixed cases', () => {
  test('whole range forward and reverse', () => {
    assert.deepEqual(open(abc).it.all().map(show), ['a=1', 'b=2', 'c=3', 'd=4', 'e=5'])
    assert.deepEqual(open(abc, { reverse: true }).it.all().map(show), ['e=5', 'd=4', 'c=3', 'b=2', 'a=1'])
  })

  test('bounds: gte wins over gt and lte over lt; empty ranges yield nothing', () => {
    const keys = (o: IteratorOptions): string => open(abc, o).it.all().map((e) => fromUtf8(e[0]!)).join('')
    assert.equal(keys({ gt: utf8('b'), lt: utf8('e') }), 'cd')
    assert.equal(keys({ gte: utf8('b'), lte: utf8('d') }), 'bcd')
    assert.equal(keys({ gt: utf8('b'), gte: utf8('b') }), 'bcde')
    assert.equal(keys({ lt: utf8('d'), lte: utf8('d') }), 'abcd')
    assert.equal(keys({ gt: utf8('bb'), lt: utf8('dd'), reverse: true }), 'dc')
    assert.equal(keys({ gte: utf8('c'), lte: utf8('c') }), 'c')
    assert.equal(keys({ gt: utf8('c'), lte: utf8('c') }), '')
    assert.equal(keys({ gte: utf8('d'), lte: utf8('b') }), '')
    assert.equal(keys({ gte: utf8('d'), lte: utf8('b'), reverse: true }), '')
    assert.equal(keys({ gt: utf8('z') }), '')
    assert.equal(keys({ lt: utf8('a'), reverse: true }), '')
    assert.equal(keys({ lte: utf8('zz'), reverse: true }), 'edcba')
  })

  test('limit: 0 yields nothing, negative means none; seek does not reset the count', () => {
    assert.equal(open(abc, { limit: 0 }).it.next(), undefined)
    assert.equal(open(abc, { limit: -1 }).it.all().length, 5)
    const { it } = open(abc, { limit: 3 })
    assert.equal(show(it.next()), 'a=1')
    it.seek(utf8('d'))
    assert.deepEqual(it.nextv(10).map(show), ['d=4', 'e=5'])
    it.seek(utf8('a'))
    assert.equal(it.next(), undefined, 'the third entry was the last the limit allows')
    assert.deepEqual(it.nextv(5), [])
  })

  test('keys and values flags leave undefined in the slot', () => {
    assert.deepEqual(open(abc, { keys: false }).it.nextv(2).map(show), ['-=1', '-=2'])
    assert.deepEqual(open(abc, { values: false }).it.nextv(2).map(show), ['a=-', 'b=-'])
    const e = open(abc, { keys: false, values: false }).it.next()
    assert.deepEqual(e, [undefined, undefined])
  })

  test('returned keys and values are copies the caller owns', () => {
    const { it } = open(abc)
    const first = it.next()!
    const second = it.next()!
    first[0]!.fill(0x7a)
    first[1]!.fill(0x7a)
    // Copies may share a pooled buffer (util/byte-pool.ts), but never each other's bytes.
    assert.equal(show(second), 'b=2')
    it.seek(utf8('a'))
    assert.equal(show(it.next()), 'a=1')
  })

  test('returned entries stay unchanged while the iterator moves on, reads more and closes', () => {
    const data: Array<[string, string]> = []
    for (let i = 0; i < 3000; i++) data.push([`k${String(i).padStart(5, '0')}`, `value-${i}-`.repeat(1 + (i % 7))])
    for (const reverse of [false, true]) {
      const { it } = open(data, { reverse })
      const batches: Entry[][] = []
      for (;;) {
        const batch = it.nextv(100)
        if (batch.length === 0) break
        batches.push(batch)
      }
      it.close()
      const expected = reverse ? [...data].reverse() : data
      assert.deepEqual(batches.flat().map(show), expected.map(([k, v]) => `${k}=${v}`))
    }
  })

  test('seek: forward lands on the first key >= target, reverse on the last key <= target', () => {
    const fwd = open(abc).it
    fwd.seek(utf8('bb')); assert.equal(show(fwd.next()), 'c=3')
    fwd.seek(utf8('zz')); assert.equal(fwd.next(), undefined)
    fwd.seek(utf8('')); assert.equal(show(fwd.next()), 'a=1')
    const rev = open(abc, { reverse: true }).it
    rev.seek(utf8('bb')); assert.equal(show(rev.next()), 'b=2')
    rev.seek(utf8('c')); assert.equal(show(rev.next()), 'c=3')
    rev.seek(utf8('zz')); assert.equal(show(rev.next()), 'e=5')
    rev.seek(utf8('0')); assert.equal(rev.next(), undefined)
    rev.seek(utf8('a')); assert.equal(show(rev.next()), 'a=1')
  })

  test('seek outside the range exhausts the iterator until a seek inside it', () => {
    const { it } = open(abc, { gt: utf8('a'), lte: utf8('d') })
    it.seek(utf8('a')); assert.equal(it.next(), undefined)
    it.seek(utf8('e')); assert.equal(it.next(), undefined)
    it.seek(utf8('b')); assert.equal(show(it.next()), 'b=2')
    const rev = open(abc, { gte: utf8('b'), lt: utf8('d'), reverse: true }).it
    rev.seek(utf8('d')); assert.equal(rev.next(), undefined)
    rev.seek(utf8('cz')); assert.deepEqual(rev.all().map(show), ['c=3', 'b=2'])
  })

  test('close: idempotent, onClose once; reads then throw LEVEL_ITERATOR_NOT_OPEN, seek is ignored', () => {
    const { it, closes } = open(abc)
    assert.equal(it.closed, false)
    it.next()
    it.close()
    it.close()
    assert.equal(it.closed, true)
    assert.equal(closes(), 1)
    const notOpen = (err: unknown): boolean => err instanceof ShaleError && err.code === 'LEVEL_ITERATOR_NOT_OPEN'
    assert.throws(() => it.next(), notOpen)
    assert.throws(() => it.nextv(3), notOpen)
    assert.throws(() => it.all(), notOpen)
    it.seek(utf8('a'))
  })

  test('all() closes the iterator', () => {
    const { it, closes } = open(abc)
    it.next()
    assert.equal(it.all().length, 4)
    assert.equal(it.closed, true)
    assert.equal(closes(), 1)
  })

  test('nextv: size below 1 reads one entry; a non-integer size is rejected', () => {
    const { it } = open(abc)
    assert.equal(it.nextv(0).length, 1)
    assert.throws(() => it.nextv(1.5), ShaleError)
    assert.deepEqual(it.nextv(2).map(show), ['b=2', 'c=3'])
  })

  test('errors of the read path are rethrown: corruption and I/O', () => {
    const keys = [makeInternalKey(utf8('a'), 1, ValueType.Value), utf8('bad'), makeInternalKey(utf8('c'), 1, ValueType.Value)]
    const raw = new ListIterator(keys.sort((x, y) => icmp.compare(x, y)))
    const it = new UserIterator(new DBIterator(icmp, raw, 5), bytewiseComparator, {}, () => {})
    assert.equal(show(it.next()), 'a=v')
    assert.throws(() => it.next(), (err) => isCorruption(err))

    const failing = new ListIterator([makeInternalKey(utf8('a'), 1, ValueType.Value)])
    const { it: it2, closes } = ((): { it: UserIterator, closes: () => number } => {
      let n = 0
      return { it: new UserIterator(new DBIterator(icmp, failing, 5), bytewiseComparator, {}, () => { n++ }), closes: () => n }
    })()
    failing.error = ioError('read failed')
    assert.throws(() => it2.next(), /read failed/)
    assert.throws(() => it2.all(), /read failed/)
    assert.equal(it2.closed, true, 'all() closes even when it fails')
    assert.equal(closes(), 1)
  })
})

/** Sorted internal keys, every value "v". */
class ListIterator implements InternalIterator {
  private i = -1
  error: unknown = undefined
  constructor (private readonly keys: Uint8Array[]) {}
  valid (): boolean { return this.i >= 0 && this.i < this.keys.length }
  seekToFirst (): void { this.i = 0 }
  seekToLast (): void { this.i = this.keys.length - 1 }
  seek (target: Uint8Array): void {
    this.i = 0
    while (this.i < this.keys.length && icmp.compare(this.keys[this.i]!, target) < 0) this.i++
  }

  next (): void { this.i++ }
  prev (): void { this.i-- }
  key (): Uint8Array { return this.keys[this.i]! }
  value (): Uint8Array { return utf8('v') }
  checkError (): void { if (this.error !== undefined) throw this.error }
  close (): void {}
}

// Keys over a small alphabet so that bounds and seek targets often hit stored keys exactly.
const keyArb = fc.stringMatching(/^[a-d]{0,3}$/)
const boundArb = fc.option(keyArb, { nil: undefined })

const callArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ call: 'next' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 6 }).map((n) => ({ call: 'nextv' as const, n })) },
  { weight: 2, arbitrary: keyArb.map((k) => ({ call: 'seek' as const, k })) },
  { weight: 1, arbitrary: fc.constant({ call: 'all' as const }) },
  { weight: 1, arbitrary: fc.constant({ call: 'close' as const }) }
)

describe('UserIterator: against a model', () => {
  test('ranges, reverse, limit, keys/values, next/nextv/all/seek/close', () => {
    fc.assert(fc.property(
      fc.dictionary(keyArb, fc.stringMatching(/^[0-9]{1,3}$/), { maxKeys: 30 }),
      fc.record({ gt: boundArb, gte: boundArb, lt: boundArb, lte: boundArb }),
      fc.boolean(),
      fc.option(fc.integer({ min: -2, max: 12 }), { nil: undefined }),
      fc.boolean(),
      fc.boolean(),
      fc.array(callArb, { minLength: 1, maxLength: 25 }),
      (dict, bounds, reverse, limit, keys, values, calls) => {
        const data = Object.entries(dict)
        const options: IteratorOptions = { reverse, keys, values }
        if (limit !== undefined) options.limit = limit
        for (const name of ['gt', 'gte', 'lt', 'lte'] as const) {
          if (bounds[name] !== undefined) options[name] = utf8(bounds[name])
        }
        const { it, closes } = open(data, options)

        // The model: the range's entries in iteration order, a cursor and a count.
        const cmp = (a: string, b: string): number => compareBytes(utf8(a), utf8(b))
        const inRange = (k: string): boolean =>
          (bounds.gte !== undefined ? cmp(k, bounds.gte) >= 0 : bounds.gt === undefined || cmp(k, bounds.gt) > 0) &&
          (bounds.lte !== undefined ? cmp(k, bounds.lte) <= 0 : bounds.lt === undefined || cmp(k, bounds.lt) < 0)
        const list = data.filter(([k]) => inRange(k)).sort((a, b) => cmp(a[0], b[0]))
        if (reverse) list.reverse()
        const max = limit !== undefined && limit >= 0 ? limit : Infinity
        let cursor = 0
        let count = 0
        let closed = false
        const expectNext = (): string => {
          if (count >= max || cursor >= list.length) return 'end'
          const [k, v] = list[cursor++]!
          count++
          return `${keys ? k : '-'}=${values ? v : '-'}`
        }

        for (const [i, c] of calls.entries()) {
          const where = `call ${i} ${JSON.stringify(c)}`
          if (closed && c.call !== 'seek' && c.call !== 'close') {
            assert.throws(() => c.call === 'next' ? it.next() : c.call === 'nextv' ? it.nextv(c.n) : it.all(),
              (err) => err instanceof ShaleError && err.code === 'LEVEL_ITERATOR_NOT_OPEN', where)
            continue
          }
          switch (c.call) {
            case 'next':
              assert.equal(show(it.next()), expectNext(), where)
              break
            case 'nextv': {
              const want: string[] = []
              for (let j = 0; j < c.n; j++) {
                const e = expectNext()
                if (e === 'end') break
                want.push(e)
              }
              assert.deepEqual(it.nextv(c.n).map(show), want, where)
              break
            }
            case 'all': {
              const want: string[] = []
              for (let e = expectNext(); e !== 'end'; e = expectNext()) want.push(e)
              assert.deepEqual(it.all().map(show), want, where)
              closed = true
              break
            }
            case 'seek':
              it.seek(utf8(c.k))
              if (!closed) {
                cursor = !inRange(c.k)
                  ? list.length
                  : list.findIndex(([k]) => reverse ? cmp(k, c.k) <= 0 : cmp(k, c.k) >= 0)
                if (cursor < 0) cursor = list.length
              }
              break
            case 'close':
              it.close()
              closed = true
              break
          }
          assert.equal(it.closed, closed, where)
          assert.equal(closes(), closed ? 1 : 0, where)
        }
        it.close()
        assert.equal(closes(), 1)
      }
    ), { seed: 42, numRuns: 500 })
  })
})
