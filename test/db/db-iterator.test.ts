import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { DBIterator, type DBIteratorOptions } from '../../src/db/db-iterator.js'
import { READ_BYTES_PERIOD } from '../../src/version/policy.js'
import { MergingIterator } from '../../src/table/merging-iterator.js'
import { MemTable } from '../../src/memtable/memtable.js'
import {
  InternalKeyComparator, makeInternalKey, MAX_SEQUENCE, parseInternalKey, TAG_SIZE, ValueType
} from '../../src/dbformat/internal-key.js'
import { compareBytes, fromUtf8, utf8 } from '../../src/util/coding.js'
import { ioError, isCorruption, ShaleError } from '../../src/util/errors.js'
import type { InternalIterator } from '../../src/util/iterator.js'
import { Random } from '../../src/util/random.js'

const icmp = new InternalKeyComparator()

/** A little database: one or more memtables (newest first) and the last sequence used. */
class TestDB {
  readonly tables: MemTable[]
  sequence = 0

  constructor (sources = 1) {
    this.tables = Array.from({ length: sources }, () => new MemTable(icmp))
  }

  put (key: string | Uint8Array, value: string | Uint8Array, source = 0): void {
    const k = typeof key === 'string' ? utf8(key) : key
    const v = typeof value === 'string' ? utf8(value) : value
    this.tables[source]!.add(++this.sequence, ValueType.Value, k, v)
  }

  del (key: string | Uint8Array, source = 0): void {
    const k = typeof key === 'string' ? utf8(key) : key
    this.tables[source]!.add(++this.sequence, ValueType.Deletion, k, new Uint8Array(0))
  }

  iterator (sequence = this.sequence, options?: DBIteratorOptions): DBIterator {
    const internal = this.tables.length === 1
      ? this.tables[0]!.newIterator()
      : new MergingIterator(icmp, this.tables.map((t) => t.newIterator()))
    return new DBIterator(icmp, internal, sequence, options)
  }
}

function hex (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

/** LevelDB's test notation: "key->value" or "(invalid)". */
function status (it: DBIterator): string {
  return it.valid() ? `${fromUtf8(it.key())}->${fromUtf8(it.value())}` : '(invalid)'
}

/** A sorted array of internal keys as an InternalIterator; keys may be malformed on purpose. */
class RawIterator implements InternalIterator {
  private i: number
  error: unknown = undefined
  constructor (private readonly keys: Uint8Array[], private readonly values: Uint8Array[]) {
    this.i = keys.length
  }

  valid (): boolean { return this.i >= 0 && this.i < this.keys.length }
  seekToFirst (): void { this.i = 0 }
  seekToLast (): void { this.i = this.keys.length - 1 }
  seek (target: Uint8Array): void {
    this.i = 0
    while (this.i < this.keys.length && icmp.compare(this.keys[this.i]!, target) < 0) this.i++
  }

  next (): void { this.i++ }
  prev (): void { this.i = this.i <= 0 ? this.keys.length : this.i - 1 }
  key (): Uint8Array { return this.keys[this.i]! }
  value (): Uint8Array { return this.values[this.i]! }
  checkError (): void { if (this.error !== undefined) throw this.error }
  close (): void {}
}

describe('DBIterator: LevelDB db_test scenarios over a memtable', () => {
  test('IterEmpty', () => {
    const db = new TestDB()
    const it = db.iterator()
    it.seekToFirst(); assert.equal(status(it), '(invalid)')
    it.seekToLast(); assert.equal(status(it), '(invalid)')
    it.seek(utf8('foo')); assert.equal(status(it), '(invalid)')
    it.checkError()
    it.close()
  })

  test('IterSingle', () => {
    const db = new TestDB()
    db.put('a', 'va')
    const it = db.iterator()
    it.seekToFirst(); assert.equal(status(it), 'a->va')
    it.next(); assert.equal(status(it), '(invalid)')
    it.seekToFirst(); assert.equal(status(it), 'a->va')
    it.prev(); assert.equal(status(it), '(invalid)')

    it.seekToLast(); assert.equal(status(it), 'a->va')
    it.next(); assert.equal(status(it), '(invalid)')
    it.seekToLast(); assert.equal(status(it), 'a->va')
    it.prev(); assert.equal(status(it), '(invalid)')

    it.seek(utf8('')); assert.equal(status(it), 'a->va')
    it.next(); assert.equal(status(it), '(invalid)')
    it.seek(utf8('a')); assert.equal(status(it), 'a->va')
    it.next(); assert.equal(status(it), '(invalid)')
    it.seek(utf8('b')); assert.equal(status(it), '(invalid)')
    it.checkError()
  })

  test('IterMulti', () => {
    const db = new TestDB()
    db.put('a', 'va')
    db.put('b', 'vb')
    db.put('c', 'vc')
    const it = db.iterator()
    it.seekToFirst(); assert.equal(status(it), 'a->va')
    it.next(); assert.equal(status(it), 'b->vb')
    it.next(); assert.equal(status(it), 'c->vc')
    it.next(); assert.equal(status(it), '(invalid)')
    it.seekToFirst(); assert.equal(status(it), 'a->va')
    it.prev(); assert.equal(status(it), '(invalid)')

    it.seekToLast(); assert.equal(status(it), 'c->vc')
    it.prev(); assert.equal(status(it), 'b->vb')
    it.prev(); assert.equal(status(it), 'a->va')
    it.prev(); assert.equal(status(it), '(invalid)')
    it.seekToLast(); assert.equal(status(it), 'c->vc')
    it.next(); assert.equal(status(it), '(invalid)')

    it.seek(utf8('')); assert.equal(status(it), 'a->va')
    it.seek(utf8('a')); assert.equal(status(it), 'a->va')
    it.seek(utf8('ax')); assert.equal(status(it), 'b->vb')
    it.seek(utf8('b')); assert.equal(status(it), 'b->vb')
    it.seek(utf8('z')); assert.equal(status(it), '(invalid)')

    // Reverse to forward.
    it.seekToLast(); it.prev(); it.prev(); it.next()
    assert.equal(status(it), 'b->vb')
    // Forward to reverse.
    it.seekToFirst(); it.next(); it.next(); it.prev()
    assert.equal(status(it), 'b->vb')

    // The open iterator keeps its sequence although the memtable under it changes.
    db.put('a', 'va2')
    db.put('a2', 'va3')
    db.put('b', 'vb2')
    db.put('c', 'vc2')
    db.del('b')
    it.seekToFirst(); assert.equal(status(it), 'a->va')
    it.next(); assert.equal(status(it), 'b->vb')
    it.next(); assert.equal(status(it), 'c->vc')
    it.next(); assert.equal(status(it), '(invalid)')
    it.seekToLast(); assert.equal(status(it), 'c->vc')
    it.prev(); assert.equal(status(it), 'b->vb')
    it.prev(); assert.equal(status(it), 'a->va')
    it.prev(); assert.equal(status(it), '(invalid)')
    it.checkError()

    // A new iterator sees the new state.
    const fresh = db.iterator()
    const seen: string[] = []
    for (fresh.seekToFirst(); fresh.valid(); fresh.next()) seen.push(status(fresh))
    assert.deepEqual(seen, ['a->va2', 'a2->va3', 'c->vc2'])
  })

  test('IterSmallAndLargeMix', () => {
    const db = new TestDB()
    const big = (c: string): string => c.repeat(100000)
    db.put('a', 'va')
    db.put('b', big('b'))
    db.put('c', 'vc')
    db.put('d', big('d'))
    db.put('e', big('e'))
    const expected = ['a->va', `b->${big('b')}`, 'c->vc', `d->${big('d')}`, `e->${big('e')}`]
    const it = db.iterator()
    const forward: string[] = []
    for (it.seekToFirst(); it.valid(); it.next()) forward.push(status(it))
    assert.deepEqual(forward, expected)
    const backward: string[] = []
    for (it.seekToLast(); it.valid(); it.prev()) backward.push(status(it))
    assert.deepEqual(backward, expected.slice().reverse())
  })

  test('IterMultiWithDelete', () => {
    const db = new TestDB()
    db.put('a', 'va')
    db.put('b', 'vb')
    db.put('c', 'vc')
    db.del('b')
    const it = db.iterator()
    it.seek(utf8('c')); assert.equal(status(it), 'c->vc')
    it.prev(); assert.equal(status(it), 'a->va')
  })

  test('IterMultiWithDelete, deletion and value in different sources', () => {
    // The value sits in the older source (as if flushed to a table), the deletion in the newer.
    const db = new TestDB(2)
    db.put('a', 'va', 1)
    db.put('b', 'vb', 1)
    db.put('c', 'vc', 1)
    db.del('b', 0)
    const it = db.iterator()
    it.seek(utf8('c')); assert.equal(status(it), 'c->vc')
    it.prev(); assert.equal(status(it), 'a->va')
    it.seek(utf8('b')); assert.equal(status(it), 'c->vc')
    it.seekToLast(); it.prev(); assert.equal(status(it), 'a->va')
    it.next(); assert.equal(status(it), 'c->vc')
  })
})

interface Op { key: number, del: boolean, value: number, source: number }

/** The newest entry with sequence <= snapshot for every key, deletions dropped, sorted. */
function visible (ops: Op[], snapshot: number): Array<[string, string]> {
  const newest = new Map<string, Op & { seq: number }>()
  ops.forEach((op, i) => {
    const seq = i + 1
    if (seq <= snapshot) newest.set(keyName(op.key), { ...op, seq })
  })
  return [...newest.entries()]
    .filter(([, op]) => !op.del)
    .map(([k, op]): [string, string] => [k, `v${op.value}`])
    .sort((a, b) => compareBytes(utf8(a[0]), utf8(b[0])))
}

function keyName (k: number): string {
  return k % 7 === 0 ? '' : `k${k.toString(36)}`
}

const opsArb = fc.array(fc.record({
  key: fc.nat({ max: 25 }),
  del: fc.boolean(),
  value: fc.nat({ max: 999 }),
  source: fc.nat({ max: 2 })
}), { minLength: 0, maxLength: 80 })

const stepArb = fc.oneof(
  fc.constant({ op: 'first' as const }),
  fc.constant({ op: 'last' as const }),
  fc.nat({ max: 27 }).map((k) => ({ op: 'seek' as const, key: k })),
  fc.constant({ op: 'next' as const }),
  fc.constant({ op: 'next' as const }),
  fc.constant({ op: 'prev' as const }),
  fc.constant({ op: 'prev' as const })
)

describe('DBIterator: random histories against a model', () => {
  for (const sources of [1, 3]) {
    test(`${sources} source(s): forward, backward, seek and direction switches at random snapshots`, () => {
      fc.assert(fc.property(opsArb, fc.nat(), fc.array(stepArb, { minLength: 1, maxLength: 50 }), (ops, snapPick, steps) => {
        const db = new TestDB(sources)
        for (const op of ops) {
          if (op.del) db.del(keyName(op.key), op.source % sources)
          else db.put(keyName(op.key), `v${op.value}`, op.source % sources)
        }
        const snapshot = snapPick % (ops.length + 1)
        const model = visible(ops, snapshot)
        const it = db.iterator(snapshot)

        // Full scans both ways.
        const forward: Array<[string, string]> = []
        for (it.seekToFirst(); it.valid(); it.next()) forward.push([fromUtf8(it.key()), fromUtf8(it.value())])
        assert.deepEqual(forward, model)
        const backward: Array<[string, string]> = []
        for (it.seekToLast(); it.valid(); it.prev()) backward.push([fromUtf8(it.key()), fromUtf8(it.value())])
        assert.deepEqual(backward, model.slice().reverse())

        // Random walks.
        let pos = -1
        for (const [i, s] of steps.entries()) {
          const was = pos >= 0 && pos < model.length
          switch (s.op) {
            case 'first': it.seekToFirst(); pos = 0; break
            case 'last': it.seekToLast(); pos = model.length - 1; break
            case 'seek': {
              const target = utf8(keyName(s.key))
              it.seek(target)
              pos = model.findIndex(([k]) => compareBytes(utf8(k), target) >= 0)
              break
            }
            case 'next': it.next(); if (was) pos++; break
            case 'prev': it.prev(); if (was) pos--; break
          }
          if (pos < 0 || pos >= model.length) pos = -1
          const want = pos < 0 ? '(invalid)' : `${model[pos]![0]}->${model[pos]![1]}`
          assert.equal(status(it), want, `step ${i} (${s.op}) at snapshot ${snapshot}`)
        }
        it.checkError()
        it.close()
      }), { seed: 42, numRuns: 300 })
    })
  }

  test('MAX_SEQUENCE sees everything', () => {
    const db = new TestDB()
    db.put('a', '1')
    db.put('a', '2')
    const it = db.iterator(MAX_SEQUENCE)
    it.seek(utf8('a'))
    assert.equal(status(it), 'a->2')
    assert.throws(() => db.iterator(2 ** 60), ShaleError)
    assert.throws(() => db.iterator(-1), ShaleError)
  })
})

describe('DBIterator: damaged entries', () => {
  test('unparsable internal keys are skipped and reported as corruption', () => {
    const entries: Array<[Uint8Array, string]> = [
      [makeInternalKey(utf8('a'), 5, ValueType.Value), 'va'],
      [utf8('b'), 'short key'], // shorter than a tag
      [makeInternalKey(utf8('c'), 4, ValueType.Value), 'vc']
    ]
    const badType = makeInternalKey(utf8('d'), 3, ValueType.Value)
    badType[1] = 7 // the type byte of a one-byte user key
    entries.push([badType, 'bad type'])
    entries.push([makeInternalKey(utf8('e'), 2, ValueType.Value), 've'])
    entries.sort((x, y) => icmp.compare(x[0], y[0]))
    const make = (): DBIterator => new DBIterator(icmp, new RawIterator(entries.map((e) => e[0]), entries.map((e) => utf8(e[1]))), 10)

    const forward = make()
    const seen: string[] = []
    for (forward.seekToFirst(); forward.valid(); forward.next()) seen.push(status(forward))
    assert.deepEqual(seen, ['a->va', 'c->vc', 'e->ve'])
    assert.throws(() => forward.checkError(), (err) => isCorruption(err))

    const backward = make()
    seen.length = 0
    for (backward.seekToLast(); backward.valid(); backward.prev()) seen.push(status(backward))
    assert.deepEqual(seen, ['e->ve', 'c->vc', 'a->va'])
    assert.throws(() => backward.checkError(), (err) => isCorruption(err))

    // Switching direction across a damaged entry.
    const zigzag = make()
    zigzag.seek(utf8('c'))
    assert.equal(status(zigzag), 'c->vc')
    zigzag.prev(); assert.equal(status(zigzag), 'a->va')
    zigzag.next(); assert.equal(status(zigzag), 'c->vc')
    zigzag.next(); assert.equal(status(zigzag), 'e->ve')
    zigzag.prev(); assert.equal(status(zigzag), 'c->vc')
    assert.throws(() => zigzag.checkError(), (err) => isCorruption(err))

    // An iterator that never passes the damage reports nothing.
    const clean = make()
    clean.seek(utf8('e'))
    assert.equal(status(clean), 'e->ve')
    clean.checkError()
  })

  test('checkError passes on the internal iterator error', () => {
    const raw = new RawIterator([makeInternalKey(utf8('a'), 1, ValueType.Value)], [utf8('v')])
    const it = new DBIterator(icmp, raw, 1)
    it.seekToFirst()
    it.checkError()
    const err = ioError('disk on fire')
    raw.error = err
    assert.throws(() => it.checkError(), (e) => e === err)
  })

  test('copyKey() and copyValue() equal key() and value() in both directions and outlive moves', () => {
    const db = new TestDB(2)
    for (let i = 0; i < 50; i++) db.put(`key${String(i).padStart(3, '0')}`, `value${i}`.repeat(1 + (i % 9)), i % 2)
    db.put('key010', 'newer', 1)
    db.del('key020', 0)
    const expected: string[] = []
    const copies: Array<[Uint8Array, Uint8Array]> = []
    const it = db.iterator()
    for (it.seekToFirst(); it.valid(); it.next()) {
      assert.equal(hex(it.copyKey()), hex(it.key()))
      expected.push(status(it))
      copies.push([it.copyKey(), it.copyValue()])
    }
    const backward: Array<[Uint8Array, Uint8Array]> = []
    for (it.seekToLast(); it.valid(); it.prev()) {
      assert.equal(hex(it.copyValue()), hex(it.value()))
      backward.push([it.copyKey(), it.copyValue()])
    }
    const show = ([k, v]: [Uint8Array, Uint8Array]): string => `${fromUtf8(k)}->${fromUtf8(v)}`
    assert.equal(expected.length, 49)
    assert.ok(expected.includes('key010->newer') && !expected.some((e) => e.startsWith('key020')))
    assert.deepEqual(copies.map(show), expected)
    assert.deepEqual(backward.map(show), [...expected].reverse())
    assert.throws(() => it.copyKey(), ShaleError)
    assert.throws(() => it.copyValue(), ShaleError)
  })

  test('key() and value() on an unpositioned iterator throw a ShaleError', () => {
    const it = new TestDB().iterator()
    it.seekToFirst()
    assert.throws(() => it.key(), ShaleError)
    assert.throws(() => it.value(), ShaleError)
  })
})

describe('DBIterator: read sampling', () => {
  // About 4 MiB: 2000 keys with 2 KiB values, plus an overwritten half that scans must skip.
  const db = new TestDB()
  const value = new Uint8Array(2048).fill(120)
  for (let i = 0; i < 2000; i++) db.put(`key${String(i).padStart(6, '0')}`, value)
  for (let i = 0; i < 2000; i += 2) db.put(`key${String(i).padStart(6, '0')}`, value)
  const entryBytes = 9 + TAG_SIZE + 2048 // "key" + 6 digits, the tag, the value
  const totalBytes = 3000 * entryBytes

  function scan (options: DBIteratorOptions, reverse = false): Uint8Array[] {
    const samples: Uint8Array[] = []
    const it = db.iterator(db.sequence, {
      ...options,
      onSample: (k) => { samples.push(k.slice()); options.onSample?.(k) }
    })
    if (reverse) for (it.seekToLast(); it.valid(); it.prev());
    else for (it.seekToFirst(); it.valid(); it.next());
    it.close()
    return samples
  }

  test('one sample per ~1 MiB of entries read, forward and backward', () => {
    let total = 0
    const rounds = 16
    for (let r = 0; r < rounds; r++) {
      total += scan({ seed: r }).length
      total += scan({ seed: 1000 + r }, true).length
    }
    const expected = (2 * rounds * totalBytes) / READ_BYTES_PERIOD
    assert.ok(total > expected * 0.8 && total < expected * 1.2, `${total} samples, expected about ${expected.toFixed(1)}`)
  })

  test('samples are well-formed internal keys, at gaps below 2 MiB', () => {
    // Every entry visible and of one size, so a sample's key tells how many bytes had been read.
    const flat = new TestDB()
    for (let i = 0; i < 3000; i++) flat.put(`key${String(i).padStart(6, '0')}`, value)
    for (const seed of [1, 2, 3]) {
      const offsets: number[] = []
      const it = flat.iterator(flat.sequence, {
        seed,
        onSample: (k) => {
          const parsed = parseInternalKey(k)
          assert.equal(parsed.type, ValueType.Value)
          assert.match(fromUtf8(parsed.userKey), /^key\d{6}$/)
          offsets.push((Number(fromUtf8(parsed.userKey).slice(3)) + 1) * entryBytes)
        }
      })
      for (it.seekToFirst(); it.valid(); it.next());
      assert.ok(offsets.length >= 3, `${offsets.length} samples`)
      let last = 0
      for (const offset of offsets) {
        // The gap was drawn below 2 MiB; the sample fires on the entry that crosses it.
        assert.ok(offset - last < 2 * READ_BYTES_PERIOD + entryBytes, `gap ${offset - last}`)
        assert.ok(offset >= last)
        last = offset
      }
    }
  })

  test('the same seed or Random gives the same samples; different seeds differ', () => {
    const a = scan({ seed: 3 })
    const b = scan({ seed: 3 })
    const c = scan({ random: new Random(3) })
    const d = scan({ seed: 4 })
    assert.deepEqual(a, b)
    assert.deepEqual(a, c)
    assert.notDeepEqual(a, d)
  })
})
