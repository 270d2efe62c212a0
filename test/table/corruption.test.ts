// Property tests: random tables, randomly truncated or with flipped bytes. Opening, full scans in
// both directions and get() must never crash or hang. With checksums verified (the default) they
// either report LEVEL_CORRUPTION or return exactly entries that were written — never a damaged
// entry as good. Without verification, they still only ever throw LEVEL_CORRUPTION.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compareBytes } from '../../src/util/coding.js'
import { bytewiseComparator } from '../../src/util/comparator.js'
import { ShaleError } from '../../src/util/errors.js'
import { BloomFilterPolicy } from '../../src/table/bloom.js'
import { Table } from '../../src/table/table.js'
import { buildTableBytes, hex, MemoryRandomAccessFile } from './helpers.js'

type Entries = Array<[Uint8Array, Uint8Array]>

const policy = new BloomFilterPolicy(10)

const tableArb = fc.record({
  entries: fc.uniqueArray(
    fc.tuple(fc.uint8Array({ maxLength: 12, size: 'medium' }), fc.uint8Array({ maxLength: 80, size: 'max' })),
    { maxLength: 150, size: 'max', selector: ([k]) => hex(k) }
  ).map((es) => es.sort((a, b) => compareBytes(a[0], b[0])) as Entries),
  blockSize: fc.constantFrom(64, 256, 1024, 4096),
  restartInterval: fc.constantFrom(1, 4, 16),
  compression: fc.constantFrom('none' as const, 'snappy' as const),
  filter: fc.boolean()
})

const damageArb = fc.record({
  /** Fraction of the file to keep (1 = no truncation). */
  keep: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
  flips: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }),
  /** Whether the size handed to open is the damaged file's (as after a torn copy) or the original (as a MANIFEST would say). */
  claimOriginalSize: fc.boolean()
})

function isCorruptionError (err: unknown): boolean {
  return err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION'
}

type Damage = typeof damageArb extends fc.Arbitrary<infer T> ? T : never

function damage (bytes: Uint8Array, d: Damage): { data: Uint8Array, claimed: number } {
  const data = bytes.slice(0, Math.floor(bytes.length * d.keep))
  for (const f of d.flips) if (data.length > 0) data[Math.floor(f.at * data.length)]! ^= f.xor
  return { data, claimed: d.claimOriginalSize ? bytes.length : data.length }
}

/** Runs every read; returns what they produced, or throws the first non-corruption error. */
function exercise (table: Table, entries: Entries, verify: boolean): { forward: Entries, backward: Entries, errors: number } {
  let errors = 0
  const limit = entries.length * 4 + 100
  const scan = (backward: boolean): Entries => {
    const out: Entries = []
    const it = table.newIterator()
    if (backward) it.seekToLast()
    else it.seekToFirst()
    while (it.valid()) {
      out.push([it.key().slice(), it.value().slice()])
      assert.ok(out.length <= limit, 'iteration does not end')
      if (backward) it.prev()
      else it.next()
    }
    try {
      it.checkError()
    } catch (err) {
      assert.ok(isCorruptionError(err), `unexpected error ${String(err)}`)
      errors++
    }
    return out
  }
  const forward = scan(false)
  const backward = scan(true)
  for (const [k, v] of entries) {
    try {
      let got: [Uint8Array, Uint8Array] | undefined
      table.get(k, (gk, gv) => { got = [gk.slice(), gv.slice()] })
      if (verify) {
        assert.ok(got !== undefined, `get(${hex(k)}) found nothing without reporting an error`)
        assert.equal(hex(got[0]), hex(k))
        assert.equal(hex(got[1]), hex(v))
      }
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err
      assert.ok(isCorruptionError(err), `unexpected error ${String(err)}`)
      errors++
    }
  }
  return { forward, backward, errors }
}

/** Every returned entry is one that was written, in order, and nothing is missing unless `reported`. */
function checkOnlyWrittenEntries (got: Entries, entries: Entries, reported: boolean, backward: boolean): void {
  const byKey = new Map(entries.map(([k, v]) => [hex(k), hex(v)]))
  for (let i = 0; i < got.length; i++) {
    const [k, v] = got[i]!
    assert.equal(byKey.get(hex(k)), hex(v), `entry ${hex(k)} was not written with this value`)
    if (i > 0) {
      const c = compareBytes(got[i - 1]![0], k)
      assert.ok(backward ? c > 0 : c < 0, 'entries out of order')
    }
  }
  if (!reported) assert.equal(got.length, entries.length, 'entries missing without an error')
}

describe('damaged tables', () => {
  test('with checksums verified: LEVEL_CORRUPTION or exactly the written entries', () => {
    // How the runs ended, to show that every path was exercised.
    const outcomes = { openFailed: 0, readErrors: 0, clean: 0 }
    fc.assert(fc.property(tableArb, damageArb, (t, d) => {
      const bytes = buildTableBytes(t.entries, {
        blockSize: t.blockSize, blockRestartInterval: t.restartInterval, compression: t.compression,
        filterPolicy: t.filter ? policy : undefined
      })
      const { data, claimed } = damage(bytes, d)
      let table: Table
      try {
        table = Table.open(new MemoryRandomAccessFile(data), claimed, {
          comparator: bytewiseComparator, filterPolicy: t.filter ? policy : undefined, fileName: 'p.ldb'
        })
      } catch (err) {
        assert.ok(isCorruptionError(err), `open threw ${String(err)}`)
        outcomes.openFailed++
        return
      }
      const r = exercise(table, t.entries, true)
      checkOnlyWrittenEntries(r.forward, t.entries, r.errors > 0, false)
      checkOnlyWrittenEntries(r.backward, t.entries, r.errors > 0, true)
      if (r.errors > 0) outcomes.readErrors++
      else outcomes.clean++
    }), { seed: 42, numRuns: 1000 })
    for (const [what, n] of Object.entries(outcomes)) assert.ok(n >= 50, `only ${n} runs ended with ${what}: ${JSON.stringify(outcomes)}`)
  })

  test('without checksum verification: only LEVEL_CORRUPTION, and everything terminates', () => {
    fc.assert(fc.property(tableArb, damageArb, (t, d) => {
      const bytes = buildTableBytes(t.entries, {
        blockSize: t.blockSize, blockRestartInterval: t.restartInterval, compression: t.compression,
        filterPolicy: t.filter ? policy : undefined
      })
      const { data, claimed } = damage(bytes, d)
      let table: Table
      try {
        table = Table.open(new MemoryRandomAccessFile(data), claimed, {
          comparator: bytewiseComparator, filterPolicy: t.filter ? policy : undefined, verifyChecksums: false
        })
      } catch (err) {
        assert.ok(isCorruptionError(err), `open threw ${String(err)}`)
        return
      }
      exercise(table, t.entries, false)
      for (const k of [new Uint8Array(0), new Uint8Array([0xff, 0xff, 0xff])]) table.approximateOffsetOf(k)
    }), { seed: 43, numRuns: 1000 })
  })

  test('undamaged tables read back exactly (control for the properties above)', () => {
    fc.assert(fc.property(tableArb, (t) => {
      const bytes = buildTableBytes(t.entries, {
        blockSize: t.blockSize, blockRestartInterval: t.restartInterval, compression: t.compression,
        filterPolicy: t.filter ? policy : undefined
      })
      const table = Table.open(new MemoryRandomAccessFile(bytes), bytes.length, { comparator: bytewiseComparator, filterPolicy: t.filter ? policy : undefined })
      const r = exercise(table, t.entries, true)
      assert.equal(r.errors, 0)
      assert.deepEqual(r.forward.map(([k, v]) => hex(k) + '=' + hex(v)), t.entries.map(([k, v]) => hex(k) + '=' + hex(v)))
      assert.equal(r.backward.length, t.entries.length)
    }), { seed: 44, numRuns: 100 })
  })
})
