// LevelDB's version_set_test: FindFile and SomeFileOverlapsRange over sorted disjoint files and
// over level-0-style overlapping ones, with bounded and unbounded ranges.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { utf8 } from '../../src/util/coding.js'
import { findFile, someFileOverlapsRange } from '../../src/version/version.js'
import type { FileMetaData } from '../../src/version/version-edit.js'
import { icmp, ik, meta } from './helpers.js'

class Files {
  readonly files: FileMetaData[] = []
  disjoint = true

  add (smallest: string, largest: string, smallestSeq = 100, largestSeq = 100): void {
    this.files.push(meta(this.files.length + 1, smallest, largest, 1000, smallestSeq, largestSeq))
  }

  find (key: string): number {
    return findFile(icmp, this.files, ik(key, 100))
  }

  overlaps (smallest: string | null, largest: string | null): boolean {
    return someFileOverlapsRange(icmp, this.disjoint, this.files,
      smallest === null ? undefined : utf8(smallest), largest === null ? undefined : utf8(largest))
  }
}

describe('FindFile', () => {
  test('Empty', () => {
    const t = new Files()
    assert.equal(t.find('foo'), 0)
    assert.equal(t.overlaps('a', 'z'), false)
    assert.equal(t.overlaps(null, 'z'), false)
    assert.equal(t.overlaps('a', null), false)
    assert.equal(t.overlaps(null, null), false)
  })

  test('Single', () => {
    const t = new Files()
    t.add('p', 'q')
    assert.equal(t.find('a'), 0)
    assert.equal(t.find('p'), 0)
    assert.equal(t.find('p1'), 0)
    assert.equal(t.find('q'), 0)
    assert.equal(t.find('q1'), 1)
    assert.equal(t.find('z'), 1)

    assert.equal(t.overlaps('a', 'b'), false)
    assert.equal(t.overlaps('z1', 'z2'), false)
    for (const [a, b] of [['a', 'p'], ['a', 'q'], ['a', 'z'], ['p', 'p1'], ['p', 'q'], ['p', 'z'], ['p1', 'p2'], ['p1', 'z'], ['q', 'q'], ['q', 'q1']] as const) {
      assert.equal(t.overlaps(a, b), true, `${a}..${b}`)
    }

    assert.equal(t.overlaps(null, 'j'), false)
    assert.equal(t.overlaps('r', null), false)
    assert.equal(t.overlaps(null, 'p'), true)
    assert.equal(t.overlaps(null, 'p1'), true)
    assert.equal(t.overlaps('q', null), true)
    assert.equal(t.overlaps(null, null), true)
  })

  test('Multiple', () => {
    const t = new Files()
    t.add('150', '200')
    t.add('200', '250')
    t.add('300', '350')
    t.add('400', '450')
    const expected: Array<[string, number]> = [
      ['100', 0], ['150', 0], ['151', 0], ['199', 0], ['200', 0], ['201', 1], ['249', 1], ['250', 1], ['251', 2],
      ['299', 2], ['300', 2], ['349', 2], ['350', 2], ['351', 3], ['400', 3], ['450', 3], ['451', 4]
    ]
    for (const [key, index] of expected) assert.equal(t.find(key), index, key)

    for (const [a, b] of [['100', '149'], ['251', '299'], ['451', '500'], ['351', '399']] as const) {
      assert.equal(t.overlaps(a, b), false, `${a}..${b}`)
    }
    for (const [a, b] of [['100', '150'], ['100', '200'], ['100', '300'], ['100', '400'], ['100', '500'], ['375', '400'], ['450', '450'], ['450', '500']] as const) {
      assert.equal(t.overlaps(a, b), true, `${a}..${b}`)
    }
  })

  test('MultipleNullBoundaries', () => {
    const t = new Files()
    t.add('150', '200')
    t.add('200', '250')
    t.add('300', '350')
    t.add('400', '450')
    assert.equal(t.overlaps(null, '149'), false)
    assert.equal(t.overlaps('451', null), false)
    assert.equal(t.overlaps(null, null), true)
    for (const b of ['150', '199', '200', '201', '400', '800']) assert.equal(t.overlaps(null, b), true, `..${b}`)
    for (const a of ['100', '200', '449', '450']) assert.equal(t.overlaps(a, null), true, `${a}..`)
  })

  test('OverlapSequenceChecks', () => {
    // One user key spanning sequences 5000 down to 3000.
    const t = new Files()
    t.add('200', '200', 5000, 3000)
    assert.equal(t.overlaps('199', '199'), false)
    assert.equal(t.overlaps('201', '300'), false)
    assert.equal(t.overlaps('200', '200'), true)
    assert.equal(t.overlaps('190', '200'), true)
    assert.equal(t.overlaps('200', '210'), true)
  })

  test('OverlappingFiles', () => {
    const t = new Files()
    t.add('150', '600')
    t.add('400', '500')
    t.disjoint = false
    assert.equal(t.overlaps('100', '149'), false)
    assert.equal(t.overlaps('601', '700'), false)
    for (const [a, b] of [['100', '150'], ['100', '200'], ['100', '300'], ['100', '400'], ['100', '500'], ['375', '400'], ['450', '450'], ['450', '500'], ['450', '700'], ['600', '700']] as const) {
      assert.equal(t.overlaps(a, b), true, `${a}..${b}`)
    }
  })

  test('the binary search agrees with a linear scan (property)', () => {
    // Disjoint files from sorted distinct two-digit keys taken in pairs.
    const keyArb = fc.integer({ min: 10, max: 99 }).map(String)
    fc.assert(fc.property(fc.uniqueArray(keyArb, { minLength: 0, maxLength: 20 }), keyArb, keyArb,
      (keys, a, b) => {
        keys.sort()
        const t = new Files()
        for (let i = 0; i + 1 < keys.length; i += 2) t.add(keys[i]!, keys[i + 1]!)
        const linearFind = t.files.findIndex((f) => icmp.compare(f.largest, ik(a, 100)) >= 0)
        assert.equal(t.find(a), linearFind === -1 ? t.files.length : linearFind)
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        const disjointAnswer = t.overlaps(lo, hi)
        t.disjoint = false
        assert.equal(t.overlaps(lo, hi), disjointAnswer)
      }), { seed: 42, numRuns: 300 })
  })
})
