// The decoded index (src/table/decoded-index.ts): the same answers as the index block it was
// decoded from, through its lookups and through its iterator.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { utf8 } from '../../src/util/coding.js'
import { bytewiseComparator, type Comparator } from '../../src/util/comparator.js'
import { Block } from '../../src/table/block.js'
import { BlockBuilder } from '../../src/table/block-builder.js'
import { DecodedIndex, DecodedIndexIterator } from '../../src/table/decoded-index.js'
import { InternalKeyComparator, makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { decodeBlockHandleBytes, decodeFooter, FOOTER_SIZE, readBlock } from '../../src/table/format.js'
import { buildTableBytes, hex, lowerBound, MemoryRandomAccessFile, reverseBytewiseComparator, Rng, sortedUnique } from './helpers.js'

function indexBlockOf (entries: Array<[Uint8Array, Uint8Array]>, cmp: Comparator): Block {
  const bytes = buildTableBytes(entries, { comparator: cmp, blockSize: 256 })
  const file = new MemoryRandomAccessFile(bytes)
  const footer = decodeFooter(bytes.subarray(bytes.length - FOOTER_SIZE))
  return new Block(readBlock(file, footer.indexHandle, { verifyChecksums: true }))
}

function randomEntries (rng: Rng, n: number, cmp: Comparator): Array<[Uint8Array, Uint8Array]> {
  const out: Array<[Uint8Array, Uint8Array]> = []
  for (let i = 0; i < n; i++) out.push([rng.key(1 + rng.uniform(40)), rng.printable(rng.uniform(60))])
  return sortedUnique(out, cmp)
}

/** The index entries as the block iterator sees them. */
function blockEntries (block: Block, cmp: Comparator): Array<[Uint8Array, Uint8Array]> {
  const it = block.newIterator(cmp)
  const out: Array<[Uint8Array, Uint8Array]> = []
  for (it.seekToFirst(); it.valid(); it.next()) out.push([it.key().slice(), it.value().slice()])
  it.checkError()
  return out
}

for (const [name, cmp] of [['bytewise', bytewiseComparator], ['reverse (no compareAt)', reverseBytewiseComparator]] as const) {
  describe(`DecodedIndex, ${name} comparator`, () => {
    const rng = new Rng(11)
    const block = indexBlockOf(randomEntries(rng, 3000, cmp), cmp)
    const model = blockEntries(block, cmp)
    const index = DecodedIndex.decode(block)!

    test('holds every entry of the index block with its handle', () => {
      assert.ok(index !== null)
      assert.ok(model.length > 50)
      assert.equal(index.count, model.length)
      for (let i = 0; i < model.length; i++) {
        assert.equal(hex(index.key(i)), hex(model[i]![0]))
        assert.equal(hex(index.value(i)), hex(model[i]![1]))
        assert.deepEqual(index.handle(i), decodeBlockHandleBytes(model[i]![1]))
      }
    })

    test('find() is the lower bound of the keys', () => {
      const targets = [...model.map(([k]) => k), ...Array.from({ length: 300 }, () => rng.key(rng.uniform(42))), new Uint8Array(0)]
      for (const t of targets) assert.equal(index.find(cmp, t), lowerBound(model, t, cmp), `find('${hex(t)}')`)
    })

    test('the iterator moves as the block iterator does', () => {
      const decoded = new DecodedIndexIterator(index, cmp)
      const plain = block.newIterator(cmp)
      const show = (it: DecodedIndexIterator | ReturnType<Block['newIterator']>): string =>
        it.valid() ? `${hex(it.key())}:${hex(it.value())}` : 'END'
      for (let step = 0; step < 2000; step++) {
        const op = rng.uniform(5)
        if (op === 0) { decoded.seekToFirst(); plain.seekToFirst() }
        if (op === 1) { decoded.seekToLast(); plain.seekToLast() }
        if (op === 2) {
          const t = rng.oneIn(2) ? model[rng.uniform(model.length)]![0] : rng.key(rng.uniform(42))
          decoded.seek(t)
          plain.seek(t)
        }
        if (op === 3) { decoded.next(); plain.next() }
        if (op === 4) { decoded.prev(); plain.prev() }
        assert.equal(show(decoded), show(plain), `step ${step}, op ${op}`)
      }
      decoded.checkError()
    })
  })
}

describe('DecodedIndex.find with abbreviated keys (comparators with bytewiseTrailer)', () => {
  // Keys that share a long prefix and differ in a few bytes drawn from 0x00, 0x01, 'a', 0xff,
  // some ending inside the four abbreviated bytes: equal abbreviations (zero padding against real
  // zero bytes) must fall back to comparing the keys.
  const PREFIX = utf8('0000000000')
  const ALPHABET = [0x00, 0x01, 0x61, 0xff]
  function suffixKey (rng: Rng, prefixLength: number): Uint8Array {
    const n = rng.uniform(7)
    const key = new Uint8Array(prefixLength + n)
    key.set(PREFIX.subarray(0, prefixLength))
    for (let i = 0; i < n; i++) key[prefixLength + i] = ALPHABET[rng.uniform(ALPHABET.length)]!
    return key
  }
  const icmp = new InternalKeyComparator()
  const cases: Array<[string, Comparator, (user: Uint8Array, rng: Rng) => Uint8Array]> = [
    ['bytewise', bytewiseComparator, (user) => user],
    ['internal keys', icmp, (user, rng) => makeInternalKey(user, rng.uniform(1000), rng.oneIn(2) ? ValueType.Value : ValueType.Deletion)]
  ]
  for (const [name, cmp, keyOf] of cases) {
    test(`${name}: find() is the lower bound, for keys and for targets inside and outside the shared prefix`, () => {
      const seed = 1 + Math.floor(Math.random() * 1e6)
      const rng = new Rng(seed)
      assert.equal(cmp.bytewiseTrailer, name === 'bytewise' ? 0 : 8)
      const entries: Array<[Uint8Array, Uint8Array]> = []
      for (let i = 0; i < 2000; i++) entries.push([keyOf(suffixKey(rng, PREFIX.length), rng), utf8('v')])
      const block = indexBlockOf(sortedUnique(entries, cmp), cmp)
      const model = blockEntries(block, cmp)
      const index = DecodedIndex.decode(block)!
      assert.ok(index !== null && model.length > 20, `seed ${seed}`)
      const targets: Uint8Array[] = model.map(([k]) => k)
      for (let i = 0; i < 2000; i++) {
        // Targets shorter than the prefix, equal to a part of it, or off it by one byte.
        const user = suffixKey(rng, rng.uniform(PREFIX.length + 1))
        if (rng.oneIn(4) && user.length > 0) user[rng.uniform(user.length)] = ALPHABET[rng.uniform(ALPHABET.length)]!
        targets.push(keyOf(user, rng))
      }
      if (name === 'bytewise') targets.push(new Uint8Array(0))
      else targets.push(new Uint8Array(3)) // shorter than a tag: compared as a malformed key
      for (const t of targets) assert.equal(index.find(cmp, t), lowerBound(model, t, cmp), `seed ${seed}, find('${hex(t)}')`)
    })
  }
})

describe('DecodedIndex.decode refuses what it cannot represent', () => {
  test('a block whose keys share prefixes (a data block) gives null', () => {
    const builder = new BlockBuilder(16)
    for (let i = 0; i < 40; i++) builder.add(utf8(`key${String(i).padStart(4, '0')}`), utf8('v'))
    assert.equal(DecodedIndex.decode(new Block(builder.finish().slice())), null)
  })

  test('an empty index decodes to no entries', () => {
    const index = DecodedIndex.decode(new Block(new BlockBuilder(1).finish().slice()))!
    assert.equal(index.count, 0)
    assert.equal(index.find(bytewiseComparator, utf8('a')), 0)
    const it = new DecodedIndexIterator(index, bytewiseComparator)
    it.seekToFirst()
    assert.equal(it.valid(), false)
    it.seekToLast()
    assert.equal(it.valid(), false)
  })

  test('lengths that run past the entries, or a bad handle, give null', () => {
    const builder = new BlockBuilder(1)
    builder.add(utf8('a'), new Uint8Array([0x80, 0x80, 0x80]))
    assert.equal(DecodedIndex.decode(new Block(builder.finish().slice())), null, 'truncated varint handle')
    const good = new BlockBuilder(1)
    good.add(utf8('abc'), new Uint8Array([1, 2]))
    const bytes = good.finish().slice()
    bytes[1] = 100 // key length past the restart array
    assert.equal(DecodedIndex.decode(new Block(bytes)), null)
  })
})
