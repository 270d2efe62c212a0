// LevelDB's table_test "Harness" scenarios: the same key/value sets built as a single block and as
// a table (block size 256), with restart intervals 1, 16 and 1024, under the bytewise comparator
// and a reversed-bytes one. Each build is checked by full forward and backward scans and by 200
// random seek/next/prev/seekToFirst/seekToLast steps against a sorted-array model.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { utf8 } from '../../src/util/coding.js'
import { bytewiseComparator, type Comparator } from '../../src/util/comparator.js'
import type { InternalIterator } from '../../src/util/iterator.js'
import { BlockBuilder } from '../../src/table/block-builder.js'
import { Block } from '../../src/table/block.js'
import type { Table } from '../../src/table/table.js'
import { buildTableBytes, hex, lowerBound, openTable, reverseBytewiseComparator, Rng, sortedUnique } from './helpers.js'

type Entries = Array<[Uint8Array, Uint8Array]>

interface Built {
  newIterator (): InternalIterator
  table?: Table
}

function buildBlock (entries: Entries, cmp: Comparator, restartInterval: number): Built {
  const builder = new BlockBuilder(restartInterval)
  for (const [k, v] of entries) builder.add(k, v)
  const block = new Block(builder.finish().slice())
  return { newIterator: () => block.newIterator(cmp) }
}

function buildTable (entries: Entries, cmp: Comparator, restartInterval: number): Built {
  const bytes = buildTableBytes(entries, { comparator: cmp, blockSize: 256, blockRestartInterval: restartInterval })
  const { table } = openTable(bytes, { comparator: cmp })
  return { newIterator: () => table.newIterator(), table }
}

function describeEntry (it: InternalIterator): string {
  return it.valid() ? `'${hex(it.key())}' -> '${hex(it.value())}'` : 'END'
}

function describeModel (model: Entries, i: number): string {
  const e = model[i]
  return e === undefined ? 'END' : `'${hex(e[0])}' -> '${hex(e[1])}'`
}

function checkForwardScan (it: InternalIterator, model: Entries): void {
  it.seekToFirst()
  for (let i = 0; i < model.length; i++) {
    assert.equal(describeEntry(it), describeModel(model, i), `forward scan at ${i}`)
    it.next()
  }
  assert.equal(it.valid(), false, 'forward scan must end')
  it.checkError()
}

function checkBackwardScan (it: InternalIterator, model: Entries): void {
  it.seekToLast()
  for (let i = model.length - 1; i >= 0; i--) {
    assert.equal(describeEntry(it), describeModel(model, i), `backward scan at ${i}`)
    it.prev()
  }
  assert.equal(it.valid(), false, 'backward scan must end')
  it.checkError()
}

/** A seek target: an existing key, a near miss of one, or a fresh random key. */
function pickTarget (rng: Rng, model: Entries): Uint8Array {
  if (model.length === 0 || rng.oneIn(3)) return rng.key(rng.skewed(4))
  const key = model[rng.uniform(model.length)]![0]
  switch (rng.uniform(4)) {
    case 0: return key
    case 1: return key.subarray(0, Math.max(0, key.length - 1))
    case 2: {
      const out = new Uint8Array(key.length + 1)
      out.set(key)
      out[key.length] = rng.uniform(256)
      return out
    }
    default: {
      const out = key.slice()
      if (out.length > 0) out[out.length - 1] = (out[out.length - 1]! + (rng.oneIn(2) ? 1 : 255)) & 0xff
      return out
    }
  }
}

function checkRandomAccess (it: InternalIterator, model: Entries, cmp: Comparator, rng: Rng): void {
  let pos = model.length // the model's position; model.length means invalid
  for (let step = 0; step < 200; step++) {
    const op = rng.uniform(5)
    let what: string
    switch (op) {
      case 0:
        if (pos >= model.length) continue
        it.next()
        pos++
        what = 'next'
        break
      case 1:
        it.seekToFirst()
        pos = 0
        what = 'seekToFirst'
        break
      case 2: {
        const target = pickTarget(rng, model)
        it.seek(target)
        pos = lowerBound(model, target, cmp)
        what = `seek('${hex(target)}')`
        break
      }
      case 3:
        if (pos >= model.length) continue
        it.prev()
        pos = pos === 0 ? model.length : pos - 1
        what = 'prev'
        break
      default:
        it.seekToLast()
        pos = model.length === 0 ? 0 : model.length - 1
        what = 'seekToLast'
    }
    assert.equal(describeEntry(it), describeModel(model, pos), `step ${step}: ${what}`)
  }
  it.checkError()
}

/** Table.get finds every key, and for misses reports nothing or the model's next key. */
function checkGets (table: Table, model: Entries, cmp: Comparator, rng: Rng): void {
  for (const [k, v] of model) {
    let seen: string | undefined
    table.get(k, (gk, gv) => { seen = `${hex(gk)}=${hex(gv)}` })
    assert.equal(seen, `${hex(k)}=${hex(v)}`, `get('${hex(k)}')`)
  }
  for (let i = 0; i < 50; i++) {
    const target = pickTarget(rng, model)
    let seen: Uint8Array | undefined
    table.get(target, (gk) => { seen = gk.slice() })
    if (seen !== undefined) {
      const expected = model[lowerBound(model, target, cmp)]
      assert.ok(expected !== undefined, `get('${hex(target)}') reported an entry past the end`)
      assert.equal(hex(seen), hex(expected[0]), `get('${hex(target)}')`)
    }
  }
}

function runHarness (entries: Entries, cmp: Comparator, build: (e: Entries, c: Comparator, r: number) => Built,
  restartInterval: number, seed: number): void {
  const model = sortedUnique(entries, cmp)
  const built = build(model, cmp, restartInterval)
  const rng = new Rng(seed)
  checkForwardScan(built.newIterator(), model)
  checkBackwardScan(built.newIterator(), model)
  checkRandomAccess(built.newIterator(), model, cmp, rng)
  if (built.table !== undefined) checkGets(built.table, model, cmp, rng)
}

const s = (x: string): Uint8Array => utf8(x)

const constructors = [['Block', buildBlock], ['Table', buildTable]] as const
const comparators = [['bytewise', bytewiseComparator], ['reverse', reverseBytewiseComparator]] as const
const intervals = [1, 16, 1024]

for (const [cname, build] of constructors) {
  for (const [cmpName, cmp] of comparators) {
    for (const interval of intervals) {
      describe(`Harness ${cname} ${cmpName} restartInterval=${interval}`, () => {
        test('Empty', () => runHarness([], cmp, build, interval, 1))
        test('SimpleEmptyKey', () => runHarness([[s(''), s('v')]], cmp, build, interval, 2))
        test('SimpleSingle', () => runHarness([[s('abc'), s('v')]], cmp, build, interval, 3))
        test('SimpleMulti', () => runHarness([[s('abc'), s('v')], [s('abcd'), s('v')], [s('ac'), s('v2')]], cmp, build, interval, 4))
        test('SimpleSpecialKey', () => runHarness([[new Uint8Array([0xff, 0xff]), s('v3')]], cmp, build, interval, 5))
        test('Randomized', () => {
          const rng = new Rng(301 + interval)
          for (let n = 0; n < 2000; n += n < 50 ? 1 : 200) {
            const entries: Entries = []
            for (let i = 0; i < n; i++) entries.push([rng.key(rng.skewed(4)), rng.printable(rng.skewed(5))])
            runHarness(entries, cmp, build, interval, rng.nextU32())
          }
        })
      })
    }
  }
}
