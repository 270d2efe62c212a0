import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  decodeTagSequence, encodeTag, extractUserKey, InternalFilterPolicy, InternalKeyComparator, internalKeySequence,
  internalKeyToString, internalKeyType, LookupKey, makeInternalKey, MAX_SEQUENCE, parseInternalKey, TAG_SIZE,
  VALUE_TYPE_FOR_SEEK, ValueType
} from '../../src/dbformat/internal-key.js'
import { bytewiseComparator, type Comparator } from '../../src/util/comparator.js'
import { compareBytes, decodeFixed64Big, encodeFixed64Big, fromHex, toHex, utf8 } from '../../src/util/coding.js'
import { ShaleError } from '../../src/util/errors.js'
import { BloomFilterPolicy } from '../../src/table/bloom.js'
import type { FilterPolicy } from '../../src/table/filter-policy.js'

const icmp = new InternalKeyComparator(bytewiseComparator)
const ik = (user: string | Uint8Array, seq: number, type: ValueType = ValueType.Value): Uint8Array =>
  makeInternalKey(typeof user === 'string' ? utf8(user) : user, seq, type)

function isCorruptedKey (err: unknown): boolean {
  return err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION' && err.message === 'corrupted key'
}

// An independent model of the order: user key bytewise, then the 64-bit tag (as a BigInt) descending.
function modelCompare (a: Uint8Array, b: Uint8Array): number {
  const r = compareBytes(a.subarray(0, a.length - 8), b.subarray(0, b.length - 8))
  if (r !== 0) return r
  const ta = decodeFixed64Big(a, a.length - 8)
  const tb = decodeFixed64Big(b, b.length - 8)
  return ta === tb ? 0 : ta > tb ? -1 : 1
}

// Sequences spread over every magnitude the tag halves must handle.
const sequenceArb = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 2 ** 32 }),
  fc.maxSafeNat(),
  fc.constantFrom(2 ** 24 - 1, 2 ** 24, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1, MAX_SEQUENCE)
)
const typeArb = fc.constantFrom<ValueType>(ValueType.Deletion, ValueType.Value)

describe('internal keys (doc/dbformat.md)', () => {
  test('constants', () => {
    assert.equal(ValueType.Deletion, 0)
    assert.equal(ValueType.Value, 1)
    assert.equal(VALUE_TYPE_FOR_SEEK, 1)
    assert.equal(TAG_SIZE, 8)
    assert.equal(icmp.name, 'leveldb.InternalKeyComparator')
  })

  test('tag bytes: little-endian fixed64 of sequence << 8 | type', () => {
    assert.equal(toHex(ik('foo', 3, ValueType.Deletion)), toHex(utf8('foo')) + '0003000000000000')
    assert.equal(toHex(ik('k1', 2)), toHex(utf8('k1')) + '0102000000000000')
    assert.equal(toHex(ik('', 1)), '0101000000000000')
    // The maximum sequence has no exact double; its tag bytes are still exact.
    assert.equal(toHex(ik('g', MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK)), '6701ffffffffffffff')
    assert.equal(toHex(ik('g', MAX_SEQUENCE, ValueType.Deletion)), '6700ffffffffffffff')
    assert.equal(toHex(ik('', Number.MAX_SAFE_INTEGER, ValueType.Value)), '01ffffffffffff1f')
  })

  test('property: tag matches a BigInt encoding, and parse inverts make', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), sequenceArb, typeArb, (user, seq, type) => {
      const key = makeInternalKey(user, seq, type)
      const exactSeq = seq === MAX_SEQUENCE ? (1n << 56n) - 1n : BigInt(seq)
      const expected = new Uint8Array(8)
      encodeFixed64Big(expected, 0, (exactSeq << 8n) | BigInt(type))
      assert.deepEqual(key.subarray(user.length), expected)
      const parsed = parseInternalKey(key)
      assert.deepEqual(parsed.userKey, user)
      assert.equal(parsed.sequence, seq)
      assert.equal(parsed.type, type)
      assert.deepEqual(extractUserKey(key), user)
      assert.equal(internalKeySequence(key), seq)
      assert.equal(internalKeyType(key), type)
      assert.equal(decodeTagSequence(key, user.length), seq)
    }), { seed: 42, numRuns: 2000 })
  })

  test('parseInternalKey rejects short keys and unknown types as "corrupted key"', () => {
    for (let n = 0; n < 8; n++) assert.throws(() => parseInternalKey(new Uint8Array(n)), isCorruptedKey)
    for (let t = 2; t < 256; t += 17) {
      const key = ik('abc', 5)
      key[3] = t
      assert.throws(() => parseInternalKey(key), isCorruptedKey)
    }
    assert.throws(() => extractUserKey(new Uint8Array(7)), isCorruptedKey)
    assert.throws(() => internalKeySequence(new Uint8Array(3)), isCorruptedKey)
  })

  test('property: parseInternalKey on random bytes returns or throws LEVEL_CORRUPTION only', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 20 }), (bytes) => {
      try {
        const p = parseInternalKey(bytes)
        assert.ok(bytes.length >= 8 && p.type <= 1)
      } catch (err) {
        assert.ok(isCorruptedKey(err), String(err))
      }
    }), { seed: 42, numRuns: 2000 })
  })

  test('encodeTag refuses sequences it cannot represent exactly', () => {
    const buf = new Uint8Array(8)
    assert.throws(() => encodeTag(buf, 0, -1, 1), (e: unknown) => e instanceof ShaleError && e.code === 'LEVEL_INVALID_ARGUMENT')
    assert.throws(() => encodeTag(buf, 0, 2 ** 54, 1), (e: unknown) => e instanceof ShaleError && e.code === 'LEVEL_INVALID_ARGUMENT')
  })

  test('internalKeyToString', () => {
    assert.equal(internalKeyToString(ik('foo', 100)), "'foo' @ 100 : 1")
    assert.equal(internalKeyToString(ik(fromHex('00ff41'), MAX_SEQUENCE, 0)), "'\\x00\\xffA' @ max : 0")
    assert.equal(internalKeyToString(utf8('ab')), '(bad)ab')
  })
})

describe('InternalKeyComparator order', () => {
  test('user key ascending, then sequence descending, then type descending', () => {
    const sorted = [
      ik('', 5),
      ik('a', MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK),
      ik('a', 2 ** 40),
      ik('a', 100, ValueType.Value),
      ik('a', 100, ValueType.Deletion),
      ik('a', 99, ValueType.Value),
      ik('a', 0, ValueType.Deletion),
      ik('a\x00', 200),
      ik('ab', 7),
      ik('b', 1)
    ]
    for (let i = 0; i < sorted.length; i++) {
      for (let j = 0; j < sorted.length; j++) {
        const c = icmp.compare(sorted[i]!, sorted[j]!)
        assert.equal(Math.sign(c), Math.sign(i - j), `${internalKeyToString(sorted[i]!)} vs ${internalKeyToString(sorted[j]!)}`)
      }
    }
  })

  test('sequences that differ only beyond 2^53 / in the high tag half still order exactly', () => {
    const big = Number.MAX_SAFE_INTEGER
    assert.ok(icmp.compare(ik('k', big), ik('k', big - 1)) < 0)
    assert.ok(icmp.compare(ik('k', 2 ** 24), ik('k', 2 ** 24 - 1)) < 0)
    assert.ok(icmp.compare(ik('k', MAX_SEQUENCE), ik('k', big)) < 0)
    assert.equal(icmp.compare(ik('k', big), ik('k', big)), 0)
  })

  test('property: agrees with a BigInt model, and compareAt agrees with compare on embedded ranges', () => {
    const keyArb = fc.tuple(fc.uint8Array({ maxLength: 6 }).map((u) => u.map((b) => b & 3)), sequenceArb, typeArb)
      .map(([u, s, t]) => makeInternalKey(u, s, t))
    fc.assert(fc.property(keyArb, keyArb, fc.nat(5), fc.nat(5), (a, b, pa, pb) => {
      const expected = Math.sign(modelCompare(a, b))
      assert.equal(Math.sign(icmp.compare(a, b)), expected)
      const ba = new Uint8Array(pa + a.length + 3).fill(0xee)
      ba.set(a, pa)
      const bb = new Uint8Array(pb + b.length + 2).fill(0x11)
      bb.set(b, pb)
      assert.equal(Math.sign(icmp.compareAt(ba, pa, pa + a.length, bb, pb, pb + b.length)), expected)
    }), { seed: 42, numRuns: 3000 })
  })

  test('a non-bytewise user comparator orders the user keys', () => {
    const reverse: Comparator = {
      name: 'test.Reverse',
      compare: (a, b) => compareBytes(b, a),
      findShortestSeparator: (s) => s,
      findShortSuccessor: (k) => k
    }
    const rcmp = new InternalKeyComparator(reverse)
    assert.equal(rcmp.bytewise, false)
    assert.ok(rcmp.compare(ik('b', 1), ik('a', 1)) < 0)
    assert.ok(rcmp.compare(ik('a', 2), ik('a', 1)) < 0)
    assert.ok(rcmp.compareUserAt(utf8('b'), 0, 1, utf8('a'), 0, 1) < 0)
  })

  test('malformed (shorter than a tag) keys never throw and are ordered consistently', () => {
    const keys = [new Uint8Array(0), utf8('a'), utf8('abcdefg'), ik('a', 1), ik('abcdefg', 3), utf8('b')]
    for (const a of keys) {
      for (const b of keys) {
        const ab = icmp.compare(a, b)
        const ba = icmp.compare(b, a)
        assert.equal(typeof ab, 'number')
        assert.ok(!Number.isNaN(ab))
        assert.equal(Math.sign(ab) + Math.sign(ba), 0)
        if (a === b) assert.equal(ab, 0)
      }
    }
  })
})

describe('separator and successor (doc/dbformat.md, "The comparator")', () => {
  const sep = (a: Uint8Array, b: Uint8Array): Uint8Array => icmp.findShortestSeparator(a, b)
  const maxSeek = (user: string): Uint8Array => ik(user, MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK)

  test('dbformat vectors', () => {
    // Equal user keys: unchanged.
    assert.deepEqual(sep(ik('foo', 100), ik('foo', 99)), ik('foo', 100))
    assert.deepEqual(sep(ik('foo', 100), ik('foo', 101)), ik('foo', 100))
    assert.deepEqual(sep(ik('foo', 100), ik('foo', 100)), ik('foo', 100))
    assert.deepEqual(sep(ik('foo', 100), ik('foo', 100, ValueType.Deletion)), ik('foo', 100))
    // Misordered: unchanged.
    assert.deepEqual(sep(ik('foo', 100), ik('bar', 99)), ik('foo', 100))
    // Different user keys: shortened, with the earliest possible tag.
    assert.deepEqual(sep(ik('foo', 100), ik('hello', 200)), maxSeek('g'))
    assert.equal(toHex(sep(ik('foo', 100), ik('hello', 200))), '6701ffffffffffffff')
    // One user key a prefix of the other: unchanged.
    assert.deepEqual(sep(ik('foo', 100), ik('foobar', 200)), ik('foo', 100))
    assert.deepEqual(sep(ik('foobar', 100), ik('foo', 200)), ik('foobar', 100))
    // Successors.
    assert.deepEqual(icmp.findShortSuccessor(ik('foo', 100)), maxSeek('g'))
    assert.deepEqual(icmp.findShortSuccessor(ik(fromHex('ffff'), 100)), ik(fromHex('ffff'), 100))
  })

  test('Appendix A index key: successor of k1@2 is l@max', () => {
    assert.equal(toHex(icmp.findShortSuccessor(ik('k1', 2))), '6c01ffffffffffffff')
  })

  test('property: start <= separator < limit and successor >= key, in internal order', () => {
    const keyArb = fc.tuple(fc.uint8Array({ maxLength: 6 }), fc.nat(1000), typeArb).map(([u, s, t]) => makeInternalKey(u, s, t))
    fc.assert(fc.property(keyArb, keyArb, (a, b) => {
      const c = icmp.compare(a, b)
      if (c !== 0) {
        const [start, limit] = c < 0 ? [a, b] : [b, a]
        const s = sep(start, limit)
        assert.ok(icmp.compare(start, s) <= 0)
        assert.ok(icmp.compare(s, limit) < 0)
        assert.ok(s.length <= start.length)
      }
      const succ = icmp.findShortSuccessor(a)
      assert.ok(icmp.compare(succ, a) >= 0)
      assert.ok(succ.length <= a.length)
    }), { seed: 42, numRuns: 2000 })
  })
})

describe('InternalFilterPolicy', () => {
  test('builds and probes filters with user keys only', () => {
    const seen: string[][] = []
    const probes: string[] = []
    const inner: FilterPolicy = {
      name: 'test.Exact',
      createFilter (keys) {
        seen.push(keys.map((k) => toHex(k)))
        return utf8(keys.map((k) => toHex(k)).join(','))
      },
      keyMayMatch (key, filter) {
        probes.push(toHex(key))
        return new TextDecoder().decode(filter).split(',').includes(toHex(key))
      }
    }
    const policy = new InternalFilterPolicy(inner)
    assert.equal(policy.name, 'test.Exact')
    const filter = policy.createFilter([ik('foo', 3, ValueType.Deletion), ik('foo', 1), ik('k1', 2)])
    assert.deepEqual(seen, [[toHex(utf8('foo')), toHex(utf8('foo')), toHex(utf8('k1'))]])
    assert.equal(policy.keyMayMatch(new LookupKey(utf8('foo'), 1000).internalKey(), filter), true)
    assert.equal(policy.keyMayMatch(ik('k2', 9), filter), false)
    assert.deepEqual(probes, [toHex(utf8('foo')), toHex(utf8('k2'))])
    // Ranges of a key and of a larger buffer holding the filter probe the same user keys.
    const framed = new Uint8Array(filter.length + 7)
    framed.set(filter, 3)
    const key = new Uint8Array(2 + 11 + 4)
    key.set(ik('foo', 7), 2)
    assert.equal(policy.keyMayMatchAt(key, 2, 13, framed, 3, 3 + filter.length), true)
    key.set(ik('fop', 7), 2)
    assert.equal(policy.keyMayMatchAt(key, 2, 13, framed, 3, 3 + filter.length), false)
    assert.deepEqual(probes.slice(2), [toHex(utf8('foo')), toHex(utf8('fop'))])
    assert.throws(() => policy.keyMayMatchAt(key, 2, 9, framed, 3, 3 + filter.length), /corrupted key/)
  })
})

describe('InternalFilterPolicy over a bloom filter', () => {
  test('filters built from ranges of internal keys equal those built from the user keys', () => {
    const bloom = new BloomFilterPolicy(10)
    const policy = new InternalFilterPolicy(bloom)
    const keys = [ik('a', 9), ik('apple', 3, ValueType.Deletion), ik('b', 1), ik('', 5)]
    const starts: number[] = []
    const parts: number[] = []
    for (const k of keys) {
      starts.push(parts.length)
      parts.push(...k)
    }
    const fromRanges = policy.createFilterFromRanges
    assert.ok(fromRanges !== undefined)
    const filter = fromRanges(Uint8Array.from(parts), starts, parts.length, 0)
    assert.equal(toHex(filter), toHex(bloom.createFilter(keys.map((k) => k.subarray(0, k.length - 8)))))
    assert.equal(toHex(filter), toHex(policy.createFilter(keys)))
  })

  test('probes with ranges answer as probes with views, present and absent keys alike', () => {
    const bloom = new BloomFilterPolicy(10)
    const policy = new InternalFilterPolicy(bloom)
    const users = Array.from({ length: 200 }, (_, i) => utf8(`key${i}`))
    const filter = policy.createFilter(users.map((u, i) => ik(new TextDecoder().decode(u), i + 1)))
    const framed = new Uint8Array(filter.length + 10)
    framed.set(filter, 5)
    let present = 0
    let absent = 0
    for (let i = 0; i < 400; i++) {
      const probe = ik(`key${i}`, 1000)
      const keyed = new Uint8Array(probe.length + 4)
      keyed.set(probe, 1)
      const expected = policy.keyMayMatch(probe, filter)
      assert.equal(policy.keyMayMatchAt(keyed, 1, 1 + probe.length, framed, 5, 5 + filter.length), expected, `key${i}`)
      assert.equal(bloom.keyMayMatchAt(keyed, 1, 1 + probe.length - 8, framed, 5, 5 + filter.length), expected, `key${i}`)
      if (i < 200) assert.equal(expected, true)
      if (expected) present++
      else absent++
    }
    // Most of the 200 keys never added are turned away, so both answers were exercised.
    assert.ok(present >= 200 && absent > 150, `present ${present}, absent ${absent}`)
  })

  test('an inner policy without ranges leaves the wrapper without them', () => {
    const inner: FilterPolicy = { name: 'x', createFilter: () => new Uint8Array(0), keyMayMatch: () => true }
    assert.equal(new InternalFilterPolicy(inner).createFilterFromRanges, undefined)
  })
})

describe('LookupKey', () => {
  test('memtable key = varint32 length | user key | tag(sequence, seek type)', () => {
    const lk = new LookupKey(utf8('foo'), 100)
    assert.equal(toHex(lk.memtableKey()), '0b' + toHex(utf8('foo')) + '0164000000000000')
    assert.deepEqual(lk.internalKey(), ik('foo', 100, VALUE_TYPE_FOR_SEEK))
    assert.deepEqual(lk.userKey(), utf8('foo'))
  })

  test('a long user key gets a two-byte length prefix', () => {
    const user = new Uint8Array(200).fill(0x61)
    const lk = new LookupKey(user, MAX_SEQUENCE)
    assert.equal(toHex(lk.memtableKey().subarray(0, 2)), 'd001')
    assert.deepEqual(lk.userKey(), user)
    assert.deepEqual(lk.internalKey(), ik(user, MAX_SEQUENCE, VALUE_TYPE_FOR_SEEK))
  })

  test('the lookup key sorts before every entry of its user key visible at the snapshot', () => {
    const lk = new LookupKey(utf8('k'), 10).internalKey()
    assert.ok(icmp.compare(lk, ik('k', 10, ValueType.Value)) <= 0)
    assert.ok(icmp.compare(lk, ik('k', 10, ValueType.Deletion)) < 0)
    assert.ok(icmp.compare(lk, ik('k', 11, ValueType.Deletion)) > 0)
    assert.ok(icmp.compare(lk, ik('j', 1)) > 0)
  })
})
