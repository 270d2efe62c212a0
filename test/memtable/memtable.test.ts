import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { DELETED, MemTable, type MemTableOptions } from '../../src/memtable/memtable.js'
import {
  InternalKeyComparator, internalKeyToString, LookupKey, makeInternalKey, MAX_SEQUENCE, parseInternalKey,
  VALUE_TYPE_FOR_SEEK, ValueType
} from '../../src/dbformat/internal-key.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { bytewiseComparator, type Comparator } from '../../src/util/comparator.js'
import { compareBytes, decodeFixed64Big, fromUtf8, toHex, utf8 } from '../../src/util/coding.js'
import type { InternalIterator } from '../../src/util/iterator.js'
import { Random } from '../../src/util/random.js'

const icmp = new InternalKeyComparator(bytewiseComparator)
const reverse: Comparator = {
  name: 'test.Reverse',
  compare: (a, b) => compareBytes(b, a),
  findShortestSeparator: (s) => s,
  findShortSuccessor: (k) => k
}

// Arena sizes: the default, and one so small that nearly every insert grows it.
const variants: Array<{ name: string, options: MemTableOptions }> = [
  { name: 'default arena', options: {} },
  { name: 'tiny initial arena', options: { initialBytes: 64 } }
]

interface Entry { user: Uint8Array, seq: number, type: ValueType, value: Uint8Array, ikey: Uint8Array }

/** The reference: a sorted array, ordered by user key (under `user`) then by 64-bit tag descending. */
class Model {
  readonly entries: Entry[] = []
  constructor (private readonly user: Comparator = bytewiseComparator) {}

  compare (a: Uint8Array, b: Uint8Array): number {
    const r = this.user.compare(a.subarray(0, a.length - 8), b.subarray(0, b.length - 8))
    if (r !== 0) return r
    const ta = decodeFixed64Big(a, a.length - 8)
    const tb = decodeFixed64Big(b, b.length - 8)
    return ta === tb ? 0 : ta > tb ? -1 : 1
  }

  add (user: Uint8Array, seq: number, type: ValueType, value: Uint8Array): void {
    const e = { user, seq, type, value, ikey: makeInternalKey(user, seq, type) }
    this.entries.splice(this.lowerBound(e.ikey), 0, e)
  }

  /** Index of the first entry >= target. */
  lowerBound (target: Uint8Array): number {
    let lo = 0
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.compare(this.entries[mid]!.ikey, target) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  get (user: Uint8Array, snapshot: number): Uint8Array | typeof DELETED | undefined {
    let best: Entry | undefined
    for (const e of this.entries) {
      if (this.user.compare(e.user, user) === 0 && e.seq <= snapshot && (best === undefined || e.seq > best.seq)) best = e
    }
    if (best === undefined) return undefined
    return best.type === ValueType.Value ? best.value : DELETED
  }
}

function scanForward (it: InternalIterator): string[] {
  const out: string[] = []
  for (it.seekToFirst(); it.valid(); it.next()) out.push(toHex(it.key()) + '=' + toHex(it.value()))
  return out
}

function scanBackward (it: InternalIterator): string[] {
  const out: string[] = []
  for (it.seekToLast(); it.valid(); it.prev()) out.push(toHex(it.key()) + '=' + toHex(it.value()))
  return out
}

const modelRows = (m: Model): string[] => m.entries.map((e) => toHex(e.ikey) + '=' + toHex(e.value))

for (const { name, options } of variants) {
  describe(`MemTable (${name})`, () => {
    test('MemTableTest.Simple: a batch at sequence 100 iterates in key order', () => {
      const mem = new MemTable(icmp, options)
      const batch = new WriteBatch()
      batch.sequence = 100
      batch.put(utf8('k1'), utf8('v1'))
      batch.put(utf8('k2'), utf8('v2'))
      batch.put(utf8('k3'), utf8('v3'))
      batch.put(utf8('largekey'), utf8('vlarge'))
      mem.addBatch(batch)
      const it = mem.newIterator()
      const seen: string[] = []
      for (it.seekToFirst(); it.valid(); it.next()) {
        const p = parseInternalKey(it.key())
        seen.push(`${fromUtf8(p.userKey)}@${p.sequence}:${p.type}=${fromUtf8(it.value())}`)
      }
      assert.deepEqual(seen, ['k1@100:1=v1', 'k2@101:1=v2', 'k3@102:1=v3', 'largekey@103:1=vlarge'])
      assert.equal(mem.size, 4)
    })

    test('get sees the newest version at or below the snapshot', () => {
      const mem = new MemTable(icmp, options)
      mem.add(1, ValueType.Value, utf8('foo'), utf8('bar'))
      mem.add(2, ValueType.Value, utf8('k1'), utf8('v1'))
      mem.add(3, ValueType.Deletion, utf8('foo'), new Uint8Array(0))
      mem.add(4, ValueType.Value, utf8('foo'), utf8('again'))
      const get = (k: string, s: number): string | undefined => {
        const r = mem.get(new LookupKey(utf8(k), s))
        return r === undefined ? undefined : r === DELETED ? 'DELETED' : fromUtf8(r)
      }
      assert.equal(get('foo', 0), undefined)
      assert.equal(get('foo', 1), 'bar')
      assert.equal(get('foo', 2), 'bar')
      assert.equal(get('foo', 3), 'DELETED')
      assert.equal(get('foo', 4), 'again')
      assert.equal(get('foo', MAX_SEQUENCE), 'again')
      assert.equal(get('k1', 1), undefined)
      assert.equal(get('k1', 2), 'v1')
      assert.equal(get('fo', 10), undefined)
      assert.equal(get('foo\x00', 10), undefined)
      assert.equal(get('zzz', 10), undefined)
      assert.equal(get('', 10), undefined)
    })

    test('empty memtable: iterators are invalid, get finds nothing', () => {
      const mem = new MemTable(icmp, options)
      const it = mem.newIterator()
      it.seekToFirst()
      assert.equal(it.valid(), false)
      it.seekToLast()
      assert.equal(it.valid(), false)
      it.seek(makeInternalKey(utf8('a'), 1, 1))
      assert.equal(it.valid(), false)
      it.next()
      it.prev()
      assert.equal(it.valid(), false)
      assert.doesNotThrow(() => it.checkError())
      assert.equal(mem.get(new LookupKey(utf8('a'), 5)), undefined)
      it.close()
    })

    test('keys sharing long prefixes, empty keys and large values', () => {
      const mem = new MemTable(icmp, options)
      const model = new Model()
      const prefix = 'common-prefix-'
      const rnd = new Random(7)
      let seq = 1
      for (let i = 0; i < 3000; i++) {
        const user = i % 97 === 0 ? new Uint8Array(0) : utf8(prefix + String(rnd.uniform(500)).padStart(3, '0'))
        const value = i % 500 === 0 ? rnd.bytes(100_000) : rnd.bytes(rnd.uniform(20))
        const type = rnd.oneIn(4) ? ValueType.Deletion : ValueType.Value
        const v = type === ValueType.Value ? value : new Uint8Array(0)
        mem.add(seq, type, user, v)
        model.add(user, seq, type, v)
        seq++
      }
      assert.deepEqual(scanForward(mem.newIterator()), modelRows(model))
      assert.deepEqual(scanBackward(mem.newIterator()), modelRows(model).reverse())
    })

    test('ascending and descending insertion orders', () => {
      for (const descending of [false, true]) {
        const mem = new MemTable(icmp, options)
        const model = new Model()
        for (let i = 0; i < 5000; i++) {
          const n = descending ? 5000 - i : i
          const user = utf8(String(n).padStart(8, '0'))
          mem.add(i + 1, ValueType.Value, user, utf8(String(i)))
          model.add(user, i + 1, ValueType.Value, utf8(String(i)))
        }
        assert.deepEqual(scanForward(mem.newIterator()), modelRows(model))
        assert.deepEqual(scanBackward(mem.newIterator()), modelRows(model).reverse())
      }
    })

    test('ascending runs broken by keys that fall inside the range (the right-edge append path)', () => {
      const mem = new MemTable(icmp, options)
      const model = new Model()
      const rnd = new Random(7)
      let next = 0
      for (let i = 0; i < 20_000; i++) {
        // Mostly the next key up; sometimes one anywhere below it, which must not be appended.
        const n = rnd.oneIn(5) ? rnd.uniform(next + 1) : next++
        const user = utf8(String(n).padStart(8, '0'))
        mem.add(i + 1, ValueType.Value, user, utf8(String(i)))
        model.add(user, i + 1, ValueType.Value, utf8(String(i)))
      }
      assert.deepEqual(scanForward(mem.newIterator()), modelRows(model))
      assert.deepEqual(scanBackward(mem.newIterator()), modelRows(model).reverse())
    })

    test('a seek target too short to be an internal key follows the comparator, without throwing', () => {
      const mem = new MemTable(icmp, options)
      for (let i = 0; i < 26; i++) mem.add(i + 1, ValueType.Value, utf8(String.fromCharCode(97 + i)), utf8('v'))
      const it = mem.newIterator()
      // 'm' without a tag sorts after every version of user key 'm'.
      it.seek(utf8('m'))
      assert.equal(internalKeyToString(it.key()), "'n' @ 14 : 1")
      it.seek(new Uint8Array(0))
      assert.equal(internalKeyToString(it.key()), "'a' @ 1 : 1")
    })

    test('one user key overwritten many times: newest first', () => {
      const mem = new MemTable(icmp, options)
      for (let s = 1; s <= 1000; s++) mem.add(s, ValueType.Value, utf8('k'), utf8(String(s)))
      const it = mem.newIterator()
      it.seekToFirst()
      assert.equal(parseInternalKey(it.key()).sequence, 1000)
      it.seek(new LookupKey(utf8('k'), 500).internalKey())
      assert.equal(parseInternalKey(it.key()).sequence, 500)
      it.prev()
      assert.equal(parseInternalKey(it.key()).sequence, 501)
      assert.equal(fromUtf8(mem.get(new LookupKey(utf8('k'), 777)) as Uint8Array), '777')
    })

    test('a non-bytewise user comparator orders the memtable', () => {
      const mem = new MemTable(new InternalKeyComparator(reverse), options)
      const model = new Model(reverse)
      const rnd = new Random(11)
      for (let s = 1; s <= 2000; s++) {
        const user = rnd.bytes(rnd.uniform(4))
        mem.add(s, ValueType.Value, user, utf8(String(s)))
        model.add(user, s, ValueType.Value, utf8(String(s)))
      }
      assert.deepEqual(scanForward(mem.newIterator()), modelRows(model))
      for (let i = 0; i < 200; i++) {
        const user = rnd.bytes(rnd.uniform(4))
        const snap = rnd.uniform(2100)
        assert.deepEqual(mem.get(new LookupKey(user, snap)), model.get(user, snap))
      }
    })

    test('approximateMemoryUsage counts keys, values and per-entry overhead', () => {
      const mem = new MemTable(icmp, options)
      const empty = mem.approximateMemoryUsage()
      for (let i = 0; i < 1000; i++) mem.add(i + 1, ValueType.Value, new Uint8Array(16).fill(i & 0xff), new Uint8Array(100))
      const used = mem.approximateMemoryUsage() - empty
      // 1000 x (16-byte key + 8-byte tag + 100-byte value) plus bookkeeping.
      assert.ok(used >= 124_000 && used <= 124_000 + 1000 * 40, String(used))
    })

    test('values returned by get and iterator views stay intact after later inserts', () => {
      const mem = new MemTable(icmp, { ...options, initialBytes: 64 })
      mem.add(1, ValueType.Value, utf8('a'), utf8('first'))
      const v = mem.get(new LookupKey(utf8('a'), 1)) as Uint8Array
      const it = mem.newIterator()
      it.seekToFirst()
      const k = it.key()
      // Enough inserts to grow the arena several times.
      for (let i = 0; i < 2000; i++) mem.add(i + 2, ValueType.Value, utf8('b' + i), new Uint8Array(50).fill(1))
      assert.equal(fromUtf8(v), 'first')
      assert.equal(internalKeyToString(k), "'a' @ 1 : 1")
      assert.equal(internalKeyToString(it.key()), "'a' @ 1 : 1")
    })

    test('an iterator held across thousands of inserts and node splits walks the current order', () => {
      const mem = new MemTable(icmp, options)
      const model = new Model()
      const rnd = new Random(99)
      let seq = 0
      const add = (): void => {
        seq++
        const user = utf8(String(rnd.uniform(4000)).padStart(4, '0'))
        mem.add(seq, ValueType.Value, user, utf8(String(seq)))
        model.add(user, seq, ValueType.Value, utf8(String(seq)))
      }
      for (let i = 0; i < 3000; i++) add()
      const it = mem.newIterator()
      it.seek(makeInternalKey(utf8('2000'), MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK))
      let steps = 0
      while (it.valid() && steps < 6000) {
        const cur = it.key().slice()
        for (let j = rnd.uniform(4); j > 0; j--) add()
        const i = model.lowerBound(cur)
        assert.deepEqual(model.entries[i]!.ikey, cur)
        // Mostly forward, sometimes back, so that both directions cross changed leaves.
        const forward = rnd.uniform(3) !== 0
        if (forward) it.next()
        else it.prev()
        const expected = model.entries[forward ? i + 1 : i - 1]
        if (expected === undefined) assert.equal(it.valid(), false)
        else assert.deepEqual(it.key(), expected.ikey)
        steps++
      }
      assert.ok(steps > 1000, String(steps))
      assert.ok(mem.size > 5000)
    })

    test('property: adds, gets at snapshots, scans and seeks agree with a sorted-array model', () => {
      const opArb = fc.array(fc.record({
        user: fc.uint8Array({ maxLength: 3 }).map((u) => u.map((b) => b % 4)),
        type: fc.constantFrom<ValueType>(ValueType.Value, ValueType.Value, ValueType.Deletion),
        value: fc.uint8Array({ maxLength: 4 })
      }), { maxLength: 300 })
      const probeArb = fc.array(fc.record({
        user: fc.uint8Array({ maxLength: 3 }).map((u) => u.map((b) => b % 4)),
        snapshot: fc.nat(320)
      }), { maxLength: 40 })
      fc.assert(fc.property(opArb, probeArb, (ops, probes) => {
        const mem = new MemTable(icmp, options)
        const model = new Model()
        ops.forEach((op, i) => {
          const value = op.type === ValueType.Value ? op.value : new Uint8Array(0)
          mem.add(i + 1, op.type, op.user, value)
          model.add(op.user, i + 1, op.type, value)
        })
        assert.deepEqual(scanForward(mem.newIterator()), modelRows(model))
        assert.deepEqual(scanBackward(mem.newIterator()), modelRows(model).reverse())
        const it = mem.newIterator()
        for (const p of probes) {
          assert.deepEqual(mem.get(new LookupKey(p.user, p.snapshot)), model.get(p.user, p.snapshot))
          const target = makeInternalKey(p.user, p.snapshot, VALUE_TYPE_FOR_SEEK)
          it.seek(target)
          const i = model.lowerBound(target)
          if (i === model.entries.length) {
            assert.equal(it.valid(), false)
          } else {
            assert.deepEqual(it.key(), model.entries[i]!.ikey)
            it.prev()
            if (i === 0) assert.equal(it.valid(), false)
            else assert.deepEqual(it.key(), model.entries[i - 1]!.ikey)
          }
        }
      }), { seed: 42, numRuns: 300 })
    })

    test('property: keys sharing a long prefix that later keys shorten agree with the model', () => {
      // The tree abbreviates keys by the bytes after the prefix all its keys share; that prefix
      // shortens (and every abbreviation is recomputed) whenever a key departs from it, at any
      // tree size. Probes include keys that sort before, after and inside the shared prefix.
      const userArb = (base: Uint8Array): fc.Arbitrary<Uint8Array> => fc.tuple(
        fc.oneof(fc.constant(base.length), fc.nat(base.length)),
        fc.uint8Array({ maxLength: 8 }).map((u) => u.map((b) => b % 4))
      ).map(([cut, suffix]) => {
        const user = new Uint8Array(Math.min(cut, base.length) + suffix.length)
        user.set(base.subarray(0, cut))
        user.set(suffix, Math.min(cut, base.length))
        return user
      })
      const caseArb = fc.uint8Array({ maxLength: 40 }).map((u) => u.map((b) => 1 + b % 3)).chain((base) => fc.tuple(
        fc.array(fc.record({ user: userArb(base), del: fc.boolean() }), { maxLength: 400 }),
        fc.array(fc.oneof(userArb(base), fc.uint8Array({ maxLength: 6 }).map((u) => u.map((b) => b % 5))), { maxLength: 40 })
      ))
      fc.assert(fc.property(caseArb, ([ops, probes]) => {
        const mem = new MemTable(icmp, options)
        const model = new Model()
        ops.forEach((op, i) => {
          const type = op.del ? ValueType.Deletion : ValueType.Value
          const value = op.del ? new Uint8Array(0) : Uint8Array.of(i & 0xff)
          mem.add(i + 1, type, op.user, value)
          model.add(op.user, i + 1, type, value)
        })
        assert.deepEqual(scanForward(mem.newIterator()), modelRows(model))
        const it = mem.newIterator()
        for (const user of probes) {
          const snapshot = ops.length + 1
          assert.deepEqual(mem.get(new LookupKey(user, snapshot)), model.get(user, snapshot))
          const target = makeInternalKey(user, snapshot, VALUE_TYPE_FOR_SEEK)
          it.seek(target)
          const i = model.lowerBound(target)
          if (i === model.entries.length) assert.equal(it.valid(), false)
          else assert.deepEqual(it.key(), model.entries[i]!.ikey)
        }
      }), { seed: 7, numRuns: 300 })
    })

    test('property: iterators held while inserts continue keep their place and see new neighbours', () => {
      const stepArb = fc.array(fc.oneof(
        fc.record({ kind: fc.constant('add' as const), user: fc.uint8Array({ maxLength: 2 }).map((u) => u.map((b) => b % 8)) }),
        fc.record({ kind: fc.constantFrom('next' as const, 'prev' as const), which: fc.nat(2) }),
        fc.record({ kind: fc.constant('seek' as const), which: fc.nat(2), user: fc.uint8Array({ maxLength: 2 }).map((u) => u.map((b) => b % 8)) })
      ), { maxLength: 400 })
      fc.assert(fc.property(fc.nat(100), stepArb, (initial, steps) => {
        const mem = new MemTable(icmp, options)
        const model = new Model()
        const rnd = new Random(initial)
        let seq = 0
        const add = (user: Uint8Array): void => {
          seq++
          const value = utf8(String(seq))
          mem.add(seq, ValueType.Value, user, value)
          model.add(user, seq, ValueType.Value, value)
        }
        for (let i = 0; i < initial; i++) add(rnd.bytes(2).map((b) => b % 8))
        // Three iterators, started at the first, last and a middle entry.
        const its = [mem.newIterator(), mem.newIterator(), mem.newIterator()]
        its[0]!.seekToFirst()
        its[1]!.seekToLast()
        its[2]!.seek(makeInternalKey(new Uint8Array([4]), MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK))
        // Where each iterator is, as an internal key (null: not valid).
        const at: Array<Uint8Array | null> = its.map((it) => it.valid() ? it.key().slice() : null)
        for (const step of steps) {
          if (step.kind === 'add') {
            add(step.user)
            // Adding never moves an iterator.
            its.forEach((it, w) => assert.deepEqual(it.valid() ? it.key() : null, at[w]))
            continue
          }
          const it = its[step.which]!
          let expected: Entry | undefined
          if (step.kind === 'seek') {
            const target = makeInternalKey(step.user, MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK)
            it.seek(target)
            expected = model.entries[model.lowerBound(target)]
          } else {
            const cur = at[step.which]
            if (cur === null) continue
            const i = model.lowerBound(cur)
            assert.deepEqual(model.entries[i]!.ikey, cur)
            if (step.kind === 'next') it.next()
            else it.prev()
            expected = model.entries[step.kind === 'next' ? i + 1 : i - 1]
          }
          if (expected === undefined) {
            assert.equal(it.valid(), false)
            at[step.which] = null
          } else {
            assert.ok(it.valid())
            assert.deepEqual(it.key(), expected.ikey)
            assert.deepEqual(it.value(), expected.value)
            at[step.which] = it.key().slice()
          }
        }
      }), { seed: 42, numRuns: 300 })
    })
  })
}

describe('MemTable: arena reuse', () => {
  test('takeArena refuses while an iterator is open; a memtable on the reused arena holds only its own entries', () => {
    const old = new MemTable(icmp)
    for (let i = 0; i < 100; i++) old.add(i + 1, ValueType.Value, utf8(`old${String(i).padStart(3, '0')}`), utf8(`value ${i}`))
    const it = old.newIterator()
    const other = old.newIterator()
    it.seekToFirst()
    assert.equal(old.takeArena(), undefined, 'an open iterator keeps the arena')
    it.close()
    it.close() // closing twice counts once
    assert.equal(old.takeArena(), undefined, 'the second iterator is still open')
    other.close()
    const arena = old.takeArena()
    assert.ok(arena !== undefined, 'with every iterator closed the arena is free')

    const mem = new MemTable(icmp, { arena })
    assert.equal(mem.size, 0)
    for (let i = 0; i < 10; i++) mem.add(1000 + i, ValueType.Value, utf8(`new${i}`), utf8(`fresh ${i}`))
    const seen: string[] = []
    const scan = mem.newIterator()
    for (scan.seekToFirst(); scan.valid(); scan.next()) seen.push(`${fromUtf8(parseInternalKey(scan.key()).userKey)}=${fromUtf8(scan.value())}`)
    scan.close()
    assert.deepEqual(seen, Array.from({ length: 10 }, (_, i) => `new${i}=fresh ${i}`))
    assert.equal(mem.get(new LookupKey(utf8('old000'), MAX_SEQUENCE)), undefined, 'no entry of the old memtable is visible')
  })

  test('a reused arena keeps its tree storage: thousands of entries in random order, then a smaller set, each in order', () => {
    const seed = 0x5eed
    const rnd = new Random(seed)
    let arena: ReturnType<MemTable['takeArena']>
    for (const count of [20_000, 3_000]) {
      const mem = new MemTable(icmp, { arena })
      const keys = new Set<string>()
      for (let i = 0; i < count; i++) {
        const key = String(rnd.uniform(1_000_000)).padStart(8, '0')
        keys.add(key)
        mem.add(i + 1, ValueType.Value, utf8(key), utf8(`v${i}`))
      }
      const seen: string[] = []
      const scan = mem.newIterator()
      for (scan.seekToFirst(); scan.valid(); scan.next()) seen.push(fromUtf8(parseInternalKey(scan.key()).userKey))
      scan.close()
      assert.equal(seen.length, count, `seed ${seed}: every entry of the memtable of ${count}, no old one`)
      assert.deepEqual([...new Set(seen)], [...keys].sort(), `seed ${seed}: keys in order for ${count} entries`)
      arena = mem.takeArena()
      assert.ok(arena !== undefined)
    }
  })
})
