import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { WriteBatch, WRITE_BATCH_HEADER_SIZE, type WriteBatchHandler } from '../../src/dbformat/write-batch.js'
import { concatBytes, fromHex, toHex, utf8 } from '../../src/util/coding.js'
import { ShaleError } from '../../src/util/errors.js'

type Op = { put: true, key: Uint8Array, value: Uint8Array } | { put: false, key: Uint8Array }

function ops (batch: WriteBatch): Op[] {
  const out: Op[] = []
  batch.iterate({
    // Copies: the views are only valid while the batch is unchanged.
    put: (key, value) => out.push({ put: true, key: key.slice(), value: value.slice() }),
    del: (key) => out.push({ put: false, key: key.slice() })
  })
  return out
}

function build (list: Op[], sequence = 0): WriteBatch {
  const b = new WriteBatch()
  b.sequence = sequence
  for (const op of list) {
    if (op.put) b.put(op.key, op.value)
    else b.del(op.key)
  }
  return b
}

function corruptionWith (message: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof ShaleError, String(err))
    assert.equal(err.code, 'LEVEL_CORRUPTION')
    assert.equal(err.message, message)
    return true
  }
}

const nullHandler: WriteBatchHandler = { put () {}, del () {} }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ put: fc.constant(true as const), key: fc.uint8Array({ maxLength: 300 }), value: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ put: fc.constant(false as const), key: fc.uint8Array({ maxLength: 300 }) })
)
const seqArb = fc.oneof(fc.nat(1000), fc.maxSafeNat())

describe('WriteBatch encoding (doc/dbformat.md, "WriteBatch")', () => {
  test('golden: first record of 000003.log, Put(foo, bar) at sequence 1', () => {
    const b = new WriteBatch()
    b.put(utf8('foo'), utf8('bar'))
    b.sequence = 1
    assert.equal(toHex(b.contents()), '0100000000000000' + '01000000' + '0103666f6f03626172')
    assert.equal(b.byteSize, 0x15)
    assert.equal(b.count, 1)
  })

  test('golden: second record of 000003.log, {Put k1 v1, Delete foo} at sequence 2', () => {
    const b = new WriteBatch()
    b.put(utf8('k1'), utf8('v1'))
    b.del(utf8('foo'))
    b.sequence = 2
    assert.equal(toHex(b.contents()), '0200000000000000' + '02000000' + '01026b310276310003666f6f')
    assert.equal(b.byteSize, 0x18)
    const decoded = WriteBatch.fromContents(fromHex('0200000000000000 02000000 01026b310276310003666f6f'))
    assert.equal(decoded.sequence, 2)
    assert.equal(decoded.count, 2)
    assert.deepEqual(ops(decoded), [
      { put: true, key: utf8('k1'), value: utf8('v1') },
      { put: false, key: utf8('foo') }
    ])
  })

  test('an empty batch is its 12-byte header', () => {
    const b = new WriteBatch()
    assert.equal(b.byteSize, WRITE_BATCH_HEADER_SIZE)
    assert.equal(toHex(b.contents()), '00'.repeat(12))
    assert.equal(b.count, 0)
    assert.equal(b.sequence, 0)
    assert.deepEqual(ops(b), [])
  })

  test('large sequence numbers and long slices', () => {
    const b = new WriteBatch()
    b.sequence = Number.MAX_SAFE_INTEGER
    const key = new Uint8Array(200).fill(7)
    const value = new Uint8Array(70000).fill(9)
    b.put(key, value)
    assert.equal(toHex(b.contents().subarray(0, 8)), 'ffffffffffff1f00')
    // varint32(200) = c8 01; varint32(70000) = f0 a2 04.
    assert.equal(toHex(b.contents().subarray(12, 15)), '01c801')
    assert.equal(toHex(b.contents().subarray(215, 218)), 'f0a204')
    assert.equal(b.byteSize, 12 + 1 + 2 + 200 + 3 + 70000)
    assert.equal(WriteBatch.fromContents(b.contents()).sequence, Number.MAX_SAFE_INTEGER)
    assert.deepEqual(ops(b), [{ put: true, key, value }])
  })

  test('clear resets count, sequence and records', () => {
    const b = build([{ put: true, key: utf8('a'), value: utf8('b') }], 77)
    b.clear()
    assert.equal(b.count, 0)
    assert.equal(b.sequence, 0)
    assert.equal(b.byteSize, 12)
    b.del(utf8('x'))
    assert.deepEqual(ops(b), [{ put: false, key: utf8('x') }])
  })

  test('append concatenates records and sums counts, keeping the first sequence (group commit)', () => {
    const a = build([{ put: true, key: utf8('a'), value: utf8('1') }], 10)
    const b = build([{ put: false, key: utf8('b') }, { put: true, key: utf8('c'), value: utf8('3') }], 99)
    a.append(b)
    assert.equal(a.sequence, 10)
    assert.equal(a.count, 3)
    assert.equal(toHex(a.contents()), '0a00000000000000' + '03000000' + '0101610131' + '000162' + '0101630133')
    // The appended batch is unchanged.
    assert.equal(b.count, 2)
    const empty = new WriteBatch()
    a.append(empty)
    assert.equal(a.count, 3)
  })

  test('fromContents copies its input', () => {
    const bytes = build([{ put: true, key: utf8('k'), value: utf8('v') }], 5).contents().slice()
    const b = WriteBatch.fromContents(bytes)
    bytes.fill(0)
    assert.deepEqual(ops(b), [{ put: true, key: utf8('k'), value: utf8('v') }])
  })
})

describe('WriteBatch decode errors', () => {
  const header = (seq: number, count: number): string =>
    toHex(build([], seq).contents().subarray(0, 8)) + toHex(new Uint8Array([count, 0, 0, 0]))

  test('fewer than 12 bytes: "malformed WriteBatch (too small)"', () => {
    for (let n = 0; n < 12; n++) {
      assert.throws(() => WriteBatch.fromContents(new Uint8Array(n)), corruptionWith('malformed WriteBatch (too small)'))
    }
  })

  test('unknown tag: "unknown WriteBatch tag"', () => {
    for (const tag of ['02', '7f', 'ff']) {
      const b = WriteBatch.fromContents(fromHex(header(1, 1) + tag + '0161'))
      assert.throws(() => b.iterate(nullHandler), corruptionWith('unknown WriteBatch tag'))
    }
  })

  test('truncated put: "bad WriteBatch Put"', () => {
    for (const rec of ['01', '0103', '01036b6b', '01016b', '01016b02', '01016b0276', '01016b80']) {
      const b = WriteBatch.fromContents(fromHex(header(1, 1) + rec))
      assert.throws(() => b.iterate(nullHandler), corruptionWith('bad WriteBatch Put'), rec)
    }
  })

  test('truncated delete: "bad WriteBatch Delete"', () => {
    for (const rec of ['00', '0002', '00026b', '0080', '00ffffffffff']) {
      const b = WriteBatch.fromContents(fromHex(header(1, 1) + rec))
      assert.throws(() => b.iterate(nullHandler), corruptionWith('bad WriteBatch Delete'), rec)
    }
  })

  test('count mismatch: "WriteBatch has wrong count"', () => {
    const rec = '0101610162' + '000161'
    for (const count of [0, 1, 3, 255]) {
      const b = WriteBatch.fromContents(fromHex(header(1, count) + rec))
      assert.throws(() => b.iterate(nullHandler), corruptionWith('WriteBatch has wrong count'))
    }
    assert.doesNotThrow(() => WriteBatch.fromContents(fromHex(header(1, 2) + rec)).iterate(nullHandler))
    assert.throws(() => WriteBatch.fromContents(fromHex(header(1, 1))).iterate(nullHandler),
      corruptionWith('WriteBatch has wrong count'))
  })

  test('records before the damage reach the handler, as LevelDB does', () => {
    const b = WriteBatch.fromContents(fromHex(header(1, 2) + '0101610162' + '09'))
    const seen: string[] = []
    assert.throws(() => b.iterate({ put: (k) => seen.push(toHex(k)), del: () => {} }), corruptionWith('unknown WriteBatch tag'))
    assert.deepEqual(seen, ['61'])
  })
})

describe('WriteBatch properties', () => {
  test('property: ops -> contents -> fromContents -> iterate gives the same ops, sequence and count', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), seqArb, (list, seq) => {
      const b = build(list, seq)
      assert.equal(b.count, list.length)
      const copy = WriteBatch.fromContents(b.contents())
      assert.equal(copy.sequence, seq)
      assert.equal(copy.count, list.length)
      assert.equal(copy.byteSize, b.byteSize)
      assert.deepEqual(ops(copy), list.map((o) => ({ ...o })))
    }), { seed: 42, numRuns: 500 })
  })

  test('property: append(a, b) equals one batch of a then b', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 10 }), fc.array(opArb, { maxLength: 10 }), seqArb, (x, y, seq) => {
      const a = build(x, seq)
      a.append(build(y, 12345))
      assert.deepEqual(a.contents(), build([...x, ...y], seq).contents())
    }), { seed: 42, numRuns: 300 })
  })

  test('property: random bytes decode or fail with LEVEL_CORRUPTION only', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        WriteBatch.fromContents(bytes).iterate(nullHandler)
      } catch (err) {
        assert.ok(err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION', String(err))
      }
    }), { seed: 42, numRuns: 3000 })
  })

  test('property: damaged valid batches (flipped byte, truncation) fail with LEVEL_CORRUPTION only', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 8 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(),
      (list, where, xor, cut) => {
        const good = build(list, 3).contents()
        const flipped = good.slice()
        const i = 8 + (where % (good.length - 8))
        flipped[i] = flipped[i]! ^ xor
        const truncated = good.subarray(0, cut % (good.length + 1))
        for (const bytes of [flipped, truncated, concatBytes([good, fromHex('01')])]) {
          try {
            WriteBatch.fromContents(bytes).iterate(nullHandler)
          } catch (err) {
            assert.ok(err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION', String(err))
          }
        }
      }), { seed: 42, numRuns: 500 })
  })
})

describe('WriteBatch.putUtf8 and delUtf8', () => {
  const encoder = new TextEncoder()
  const bytesOf = (d: Uint8Array | string): Uint8Array => typeof d === 'string' ? encoder.encode(d) : d
  // Strings of any UTF-16 code units (lone surrogates included), ASCII ones, and bytes.
  const dataArb: fc.Arbitrary<Uint8Array | string> = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 })
  )

  test('property: the same bytes as put/del of the TextEncoder encoding', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), dataArb, dataArb), { maxLength: 20 }), (list) => {
      const a = new WriteBatch()
      const b = new WriteBatch()
      for (const [isPut, key, value] of list) {
        if (isPut) {
          a.putUtf8(key, value)
          b.put(bytesOf(key), bytesOf(value))
        } else {
          a.delUtf8(key)
          b.del(bytesOf(key))
        }
      }
      assert.deepEqual(toHex(a.contents()), toHex(b.contents()))
      assert.equal(a.count, list.length)
    }), { seed: 42, numRuns: 500 })
  })

  test('a string whose UTF-8 length needs a longer length prefix than its character count', () => {
    // 100 characters, 130 bytes: a one-byte prefix guessed, two needed.
    for (const s of ['a'.repeat(90) + '€'.repeat(10), '€'.repeat(43), '\u{1F600}'.repeat(40)]) {
      const a = new WriteBatch()
      a.putUtf8(s, s)
      a.delUtf8(s)
      const b = new WriteBatch()
      b.put(utf8(s), utf8(s))
      b.del(utf8(s))
      assert.equal(toHex(a.contents()), toHex(b.contents()), s)
    }
  })

  test('anything but a string or bytes is refused', () => {
    const b = new WriteBatch()
    assert.throws(() => b.putUtf8(1 as unknown as string, 'v'), (err: unknown) => err instanceof ShaleError && err.code === 'LEVEL_INVALID_KEY')
    assert.throws(() => b.putUtf8('k', null as unknown as string), (err: unknown) => err instanceof ShaleError && err.code === 'LEVEL_INVALID_VALUE')
    assert.throws(() => b.delUtf8({} as unknown as string), (err: unknown) => err instanceof ShaleError && err.code === 'LEVEL_INVALID_KEY')
    assert.equal(b.count, 0)
  })
})
