// Block builder and reader: layout, LevelDB's ZeroRestartPointsInBlock, the reader's checks on
// restart counts, and damaged entries (never a RangeError, never a hang).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { encodeFixed32, utf8 } from '../../src/util/coding.js'
import { bytewiseComparator } from '../../src/util/comparator.js'
import { ShaleError } from '../../src/util/errors.js'
import { BlockBuilder } from '../../src/table/block-builder.js'
import { Block } from '../../src/table/block.js'
import { hex } from './helpers.js'

function buildBlock (entries: Array<[string, string]>, interval = 16): Uint8Array {
  const b = new BlockBuilder(interval)
  for (const [k, v] of entries) b.add(utf8(k), utf8(v))
  return b.finish().slice()
}

function scan (block: Block): string[] {
  const it = block.newIterator(bytewiseComparator)
  const out: string[] = []
  for (it.seekToFirst(); it.valid(); it.next()) out.push(new TextDecoder().decode(it.key()) + '=' + new TextDecoder().decode(it.value()))
  it.checkError()
  return out
}

describe('BlockBuilder', () => {
  test('an empty block is one restart at 0 and a count of 1', () => {
    assert.equal(hex(new BlockBuilder(16).finish()), '00000000' + '01000000')
  })

  test('prefix-compresses keys and restarts every interval', () => {
    const bytes = buildBlock([['apple', '1'], ['apply', '2'], ['banana', '3']], 2)
    assert.equal(hex(bytes),
      '000501' + hex(utf8('apple1')) +
      '040101' + hex(utf8('y2')) +
      '000601' + hex(utf8('banana3')) +
      '00000000' + '0e000000' + '02000000')
  })

  test('multi-byte varints for long keys and values', () => {
    const key = 'k'.repeat(200)
    const value = 'v'.repeat(300)
    const bytes = buildBlock([[key, value]])
    assert.equal(hex(bytes.subarray(0, 5)), '00' + 'c801' + 'ac02')
    assert.deepEqual(scan(new Block(bytes)), [key + '=' + value])
  })

  test('size estimate matches the finished size; reset() reuses the builder', () => {
    const b = new BlockBuilder(4)
    for (let i = 0; i < 10; i++) b.add(utf8('key' + i), utf8('value' + i))
    const estimate = b.currentSizeEstimate()
    assert.equal(b.finish().length, estimate)
    b.reset()
    assert.equal(b.isEmpty(), true)
    b.add(utf8('z'), utf8('1'))
    assert.deepEqual(scan(new Block(b.finish().slice())), ['z=1'])
  })

  test('rejects a restart interval below 1', () => {
    assert.throws(() => new BlockBuilder(0))
  })
})

describe('Block reader', () => {
  test('ZeroRestartPointsInBlock: a 4-byte block with count 0 iterates as empty', () => {
    const block = new Block(new Uint8Array(4))
    const it = block.newIterator(bytewiseComparator)
    it.seekToFirst()
    assert.equal(it.valid(), false)
    it.seekToLast()
    assert.equal(it.valid(), false)
    it.seek(utf8('foo'))
    assert.equal(it.valid(), false)
    it.checkError()
  })

  test('fewer than 4 bytes, or more restarts than fit, is corruption', () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array(3)]) {
      assert.throws(() => new Block(bytes), (e) => e instanceof ShaleError && e.code === 'LEVEL_CORRUPTION')
    }
    const tooMany = new Uint8Array(12)
    encodeFixed32(tooMany, 8, 3) // (12 - 4) / 4 = 2 restarts fit
    assert.throws(() => new Block(tooMany, { fileName: 'a.ldb', offset: 40 }), /bad block contents.*a\.ldb.*40/)
    encodeFixed32(tooMany, 8, 2)
    assert.equal(new Block(tooMany).numRestarts, 2)
    const huge = new Uint8Array(8)
    encodeFixed32(huge, 4, 0xffffffff)
    assert.throws(() => new Block(huge), /bad block contents/)
  })

  test('seek, next, prev across restart points', () => {
    const entries: Array<[string, string]> = []
    for (let i = 0; i < 100; i++) entries.push([`key${String(i * 2).padStart(3, '0')}`, `v${i}`])
    for (const interval of [1, 3, 16, 1000]) {
      const block = new Block(buildBlock(entries, interval))
      const it = block.newIterator(bytewiseComparator)
      it.seek(utf8('key051'))
      assert.equal(new TextDecoder().decode(it.key()), 'key052')
      it.prev()
      assert.equal(new TextDecoder().decode(it.key()), 'key050')
      it.prev()
      it.next()
      it.next()
      assert.equal(new TextDecoder().decode(it.key()), 'key052')
      it.seek(utf8('key999'))
      assert.equal(it.valid(), false)
      it.seek(utf8(''))
      assert.equal(new TextDecoder().decode(it.key()), 'key000')
      it.prev()
      assert.equal(it.valid(), false)
      it.seekToLast()
      assert.equal(new TextDecoder().decode(it.value()), 'v99')
      it.checkError()
    }
  })

  test('property: any walk of next/prev/seek/seekToFirst/seekToLast matches a sorted model', () => {
    // Reverse steps reuse the restart run decoded by the step before; zig-zags, long keys (the
    // key buffer grows) and retargeting to another block must not bring back a stale entry.
    fc.assert(fc.property(
      fc.uniqueArray(fc.string({ minLength: 0, maxLength: 70 }), { minLength: 0, maxLength: 80 }),
      fc.constantFrom(1, 2, 3, 16, 1000),
      fc.array(fc.oneof(fc.constantFrom('first', 'last', 'next', 'prev', 'retarget'), fc.string({ maxLength: 8 })), { maxLength: 120 }),
      (keys, interval, ops) => {
        const model = [...new Set(keys.map((k) => 'k' + k))].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
        const block = new Block(buildBlock(model.map((k, i) => [k, `v${i}`]), interval))
        const other = new Block(buildBlock([['k', 'other'], ['kz', 'other2']], interval))
        const it = block.newIterator(bytewiseComparator)
        let pos = -1 // -1: not valid
        const show = (): string => it.valid() ? new TextDecoder().decode(it.key()) + '=' + new TextDecoder().decode(it.value()) : 'END'
        for (const op of ops) {
          if (op === 'first') { it.seekToFirst(); pos = model.length > 0 ? 0 : -1 }
          else if (op === 'last') { it.seekToLast(); pos = model.length - 1 }
          else if (op === 'next') { if (pos < 0) continue; it.next(); pos = pos + 1 < model.length ? pos + 1 : -1 }
          else if (op === 'prev') { if (pos < 0) continue; it.prev(); pos-- }
          else if (op === 'retarget') {
            it.retarget(other)
            it.seekToLast()
            it.prev()
            it.retarget(block)
            pos = -1
          } else {
            const target = 'k' + op
            it.seek(utf8(target))
            pos = model.findIndex((k) => Buffer.compare(Buffer.from(k), Buffer.from(target)) >= 0)
          }
          assert.equal(show(), pos < 0 ? 'END' : `${model[pos]}=v${pos}`, `after ${op}`)
        }
        it.checkError()
      }), { seed: 42, numRuns: 1500 })
  })

  test('an entry sharing more than the previous key has is corruption, not garbage', () => {
    const bytes = buildBlock([['abc', '1'], ['abd', '2']], 16)
    // The second entry shares 2 bytes; at a restart (no previous key) that is impossible.
    const damaged = bytes.slice()
    damaged[0] = 2
    const it = new Block(damaged, { fileName: 't.ldb', offset: 99 }).newIterator(bytewiseComparator)
    it.seekToFirst()
    assert.equal(it.valid(), false)
    assert.throws(() => it.checkError(), /shares more bytes.*t\.ldb.*99/)
  })

  test('lengths that run into the restart array are corruption', () => {
    const bytes = buildBlock([['abc', '1']], 16)
    const damaged = bytes.slice()
    damaged[2] = 100 // value length
    const it = new Block(damaged).newIterator(bytewiseComparator)
    it.seekToFirst()
    assert.equal(it.valid(), false)
    assert.throws(() => it.checkError(), (e) => e instanceof ShaleError && e.code === 'LEVEL_CORRUPTION')
    // The error is sticky: later seeks stay invalid.
    it.seek(utf8('a'))
    assert.equal(it.valid(), false)
  })

  test('a restart point outside the entries is corruption', () => {
    const bytes = buildBlock([['a', '1'], ['b', '2'], ['c', '3']], 1)
    const damaged = bytes.slice()
    encodeFixed32(damaged, damaged.length - 8, 5000)
    const it = new Block(damaged).newIterator(bytewiseComparator)
    it.seekToLast()
    assert.equal(it.valid(), false)
    assert.throws(() => it.checkError(), /restart point/)
  })

  test('random damage: only ShaleErrors, and every operation terminates', () => {
    const entries: Array<[string, string]> = []
    for (let i = 0; i < 60; i++) entries.push([`key-${i * 7}-${'x'.repeat(i % 5)}`, 'value'.repeat(i % 4)])
    const base = buildBlock(entries, 4)
    fc.assert(fc.property(
      fc.array(fc.record({ at: fc.nat(base.length - 1), byte: fc.nat(255) }), { minLength: 1, maxLength: 6 }),
      fc.nat(base.length),
      fc.array(fc.constantFrom('first', 'last', 'next', 'prev', 'seek'), { maxLength: 40 }),
      (edits, cut, ops) => {
        const bytes = base.slice(0, Math.max(cut, 0))
        for (const { at, byte } of edits) if (at < bytes.length) bytes[at] = byte
        let block: Block
        try {
          block = new Block(bytes)
        } catch (err) {
          return err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION'
        }
        const it = block.newIterator(bytewiseComparator)
        let steps = 0
        for (it.seekToFirst(); it.valid() && steps < 10000; it.next()) steps++
        if (steps >= 10000) return false
        for (it.seekToLast(); it.valid() && steps < 20000; it.prev()) steps++
        if (steps >= 20000) return false
        for (const op of ops) {
          if (op === 'first') it.seekToFirst()
          else if (op === 'last') it.seekToLast()
          else if (op === 'next') it.next()
          else if (op === 'prev') it.prev()
          else it.seek(utf8('key-' + steps % 400))
          if (it.valid()) { it.key(); it.value() }
        }
        try {
          it.checkError()
        } catch (err) {
          return err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION'
        }
        return true
      }), { seed: 42, numRuns: 2000 })
  })
})
