// Appendix A's golden tables, byte for byte: the three entries LevelDB 1.20 flushed in the
// reference scenario, built with Shale's TableBuilder under the engine's own internal-key comparator
// (whose index-key shortening yields 'l'@max) and internal filter policy (which hashes user keys).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFixed64, utf8 } from '../../src/util/coding.js'
import { BloomFilterPolicy } from '../../src/table/bloom.js'
import { InternalFilterPolicy, InternalKeyComparator } from '../../src/dbformat/internal-key.js'
import { buildTableBytes, hex, openTable } from '../table/helpers.js'

const icmp = new InternalKeyComparator()

/** user key + fixed64 LE tag (seq << 8 | type), written out by hand rather than by dbformat. */
function ikey (user: string, seq: number, type: number): Uint8Array {
  const out = new Uint8Array(user.length + 8)
  out.set(utf8(user))
  encodeFixed64(out, user.length, seq * 256 + type)
  return out
}

const goldenEntries: Array<[Uint8Array, Uint8Array]> = [
  [ikey('foo', 3, 0), new Uint8Array(0)],
  [ikey('foo', 1, 1), utf8('bar')],
  [ikey('k1', 2, 1), utf8('v1')]
]

const goldenDataBlock =
  '000b00' + hex(utf8('foo')) + '0003000000000000' +
  '030803' + '0101000000000000' + hex(utf8('bar')) +
  '000a02' + hex(utf8('k1')) + '0102000000000000' + hex(utf8('v1')) +
  '00000000' + '01000000' + '00' + '24c66898'
const goldenIndexBlock = '000902' + hex(utf8('l')) + '01ffffffffffffff' + '0033' + '00000000' + '01000000'

describe('golden bytes (reference Appendix A)', () => {
  test('000005.ldb: 144 bytes, compression off, no filter', () => {
    const bytes = buildTableBytes(goldenEntries, { comparator: icmp, compression: 'none' })
    const expected =
      goldenDataBlock +
      '0000000001000000' + '00' + 'c0f2a1b0' +
      goldenIndexBlock + '00' + 'd88a2f26' +
      '3808' + '4516' + '00'.repeat(36) + '57fb808b247547db'
    assert.equal(bytes.length, 144)
    assert.equal(hex(bytes), expected)
  })

  test('with a 10 bits/key bloom filter on user keys: 206 bytes', () => {
    const bytes = buildTableBytes(goldenEntries, {
      comparator: icmp, compression: 'none', filterPolicy: new InternalFilterPolicy(new BloomFilterPolicy(10))
    })
    assert.equal(bytes.length, 206)
    assert.equal(hex(bytes.subarray(0, 56)), goldenDataBlock)
    assert.equal(hex(bytes.subarray(56, 79)), 'a8c91a0000000080' + '06' + '00000000' + '09000000' + '0b' + '00' + 'f851d051')
    assert.equal(hex(bytes.subarray(79, 79 + 47)),
      '002202' + hex(utf8('filter.leveldb.BuiltinBloomFilter2')) + '3812' + '00000000' + '01000000')
    assert.equal(hex(bytes.subarray(126, 131)), '00' + 'e66fc294')
    assert.equal(hex(bytes.subarray(131, 131 + 22)), goldenIndexBlock)
    assert.equal(hex(bytes.subarray(158, 163)), '4f2f830116')
    assert.equal(hex(bytes.subarray(198)), '57fb808b247547db')

    // And it reads back, with the filter in use.
    const { table } = openTable(bytes, { comparator: icmp, filterPolicy: new InternalFilterPolicy(new BloomFilterPolicy(10)) })
    assert.equal(table.hasFilter, true)
    let got: string | undefined
    table.get(ikey('k1', 2, 1), (k, v) => { got = hex(k) + '=' + hex(v) })
    assert.equal(got, hex(ikey('k1', 2, 1)) + '=' + hex(utf8('v1')))
  })
})

