// VersionBuilder: edits applied to a base, deletions, moves between levels, the level orders, and
// the refusal of overlapping files in a level >= 1.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { isCorruption } from '../../src/util/errors.js'
import { VersionBuilder } from '../../src/version/version-builder.js'
import { VersionEdit } from '../../src/version/version-edit.js'
import { newVersionFile, type VersionFile } from '../../src/version/version.js'
import { icmp, meta } from './helpers.js'

function numbers (files: VersionFile[][]): number[][] {
  return files.map((level) => level.map((f) => f.number))
}

describe('VersionBuilder', () => {
  test('adds files, sorting level 0 by (smallest, number) and deeper levels by smallest', () => {
    const edit = new VersionEdit()
    edit.addFile(0, meta(7, 'm', 'z'))
    edit.addFile(0, meta(3, 'a', 'k'))
    edit.addFile(0, meta(5, 'a', 'c')) // same smallest as #3: the lower number first
    edit.addFile(1, meta(9, 'p', 'q'))
    edit.addFile(1, meta(8, 'a', 'b'))
    edit.addFile(1, meta(10, 'g', 'h'))
    const b = new VersionBuilder(icmp)
    b.apply(edit)
    assert.deepEqual(numbers(b.build()), [[3, 5, 7], [8, 10, 9], [], [], [], [], []])
  })

  test('deletes from the base and merges additions into it in order', () => {
    const base: VersionFile[][] = [[], [meta(1, 'a', 'b'), meta(2, 'd', 'e'), meta(3, 'g', 'h')].map(newVersionFile), [], [], [], [], []]
    const edit = new VersionEdit()
    edit.removeFile(1, 2)
    edit.addFile(1, meta(4, 'c', 'c'))
    edit.addFile(1, meta(5, 'x', 'y'))
    const b = new VersionBuilder(icmp, base)
    b.apply(edit)
    const files = b.build()
    assert.deepEqual(numbers(files), [[], [1, 4, 3, 5], [], [], [], [], []])
    // Base files are carried over as the same objects (their seek counters go with them).
    assert.equal(files[1]![0], base[1]![0])
    // The base is untouched.
    assert.deepEqual(base[1]!.map((f) => f.number), [1, 2, 3])
  })

  test('a deletion applies only to its own level; a move keeps the file', () => {
    const base: VersionFile[][] = [[newVersionFile(meta(1, 'a', 'b'))], [newVersionFile(meta(2, 'c', 'd'))], [], [], [], [], []]
    const b = new VersionBuilder(icmp, base)
    const wrongLevel = new VersionEdit()
    wrongLevel.removeFile(2, 1)
    b.apply(wrongLevel)
    const move = new VersionEdit()
    move.removeFile(0, 1)
    move.addFile(1, base[0]![0]!)
    b.apply(move)
    assert.deepEqual(numbers(b.build()), [[], [1, 2], [], [], [], [], []])
  })

  test('several edits accumulate; a file added then deleted is gone, deleted then re-added is back', () => {
    const b = new VersionBuilder(icmp)
    const e1 = new VersionEdit()
    e1.addFile(0, meta(1, 'a', 'b'))
    e1.addFile(0, meta(2, 'a', 'b'))
    b.apply(e1)
    const e2 = new VersionEdit()
    e2.removeFile(0, 1)
    e2.removeFile(0, 2)
    b.apply(e2)
    const e3 = new VersionEdit()
    e3.addFile(0, meta(2, 'a', 'b'))
    b.apply(e3)
    assert.deepEqual(numbers(b.build()), [[2], [], [], [], [], [], []])
  })

  test('re-adding a base file keeps it once', () => {
    const base: VersionFile[][] = [[newVersionFile(meta(1, 'a', 'b'))], [], [], [], [], [], []]
    const b = new VersionBuilder(icmp, base)
    const e = new VersionEdit()
    e.addFile(0, meta(1, 'a', 'b'))
    b.apply(e)
    assert.deepEqual(numbers(b.build()), [[1], [], [], [], [], [], []])
  })

  test('new files get allowedSeeks = max(100, size / 16 KiB)', () => {
    const e = new VersionEdit()
    e.addFile(1, meta(1, 'a', 'b', 1000))
    e.addFile(1, meta(2, 'c', 'd', 16384 * 250 + 5))
    const b = new VersionBuilder(icmp)
    b.apply(e)
    const files = b.build()
    assert.equal(files[1]![0]!.allowedSeeks, 100)
    assert.equal(files[1]![1]!.allowedSeeks, 250)
  })

  test('overlapping files in a level >= 1 are corruption; at level 0 they are normal', () => {
    const e = new VersionEdit()
    e.addFile(2, meta(1, 'a', 'm'))
    e.addFile(2, meta(2, 'k', 'z'))
    const b = new VersionBuilder(icmp)
    b.apply(e)
    assert.throws(() => b.build(), (err: unknown) => isCorruption(err) && /overlapping ranges in level 2/.test((err as Error).message))

    // Sharing a user key is allowed when the internal keys do not overlap (seq 100 > seq 50).
    const ok = new VersionEdit()
    ok.addFile(1, meta(1, 'a', 'k', 1000, 100, 100))
    ok.addFile(1, meta(2, 'k', 'z', 1000, 50, 50))
    ok.addFile(0, meta(3, 'a', 'z'))
    ok.addFile(0, meta(4, 'b', 'c'))
    const b2 = new VersionBuilder(icmp)
    b2.apply(ok)
    assert.deepEqual(numbers(b2.build()), [[3, 4], [1, 2], [], [], [], [], []])
  })

  test('build matches a model of sets (property)', () => {
    // Random adds and deletes of level-0 files; the result is the model's set, in level-0 order.
    const op = fc.record({ add: fc.boolean(), number: fc.integer({ min: 1, max: 12 }), key: fc.integer({ min: 10, max: 30 }) })
    fc.assert(fc.property(fc.array(fc.array(op, { maxLength: 6 }), { maxLength: 6 }), (edits) => {
      const b = new VersionBuilder(icmp)
      const model = new Map<number, string>()
      for (const ops of edits) {
        const e = new VersionEdit()
        for (const o of ops) {
          if (o.add) e.addFile(0, meta(o.number, String(o.key), String(o.key + 5)))
          else e.removeFile(0, o.number)
        }
        b.apply(e)
        // Model of one edit: deletions first, then additions.
        for (const o of ops) if (!o.add) model.delete(o.number)
        for (const o of ops) if (o.add) model.set(o.number, String(o.key))
      }
      const got = b.build()[0]!.map((f) => f.number)
      const want = [...model.entries()].sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : x[0] - y[0])).map((x) => x[0])
      assert.deepEqual(got, want)
    }), { seed: 42, numRuns: 300 })
  })
})
