// `shale map`: the page's structure, read back from the HTML it writes — one box per live table at
// its level, one timeline entry per VersionEdit with the files it added, removed and moved, every
// earlier stint of a file present (hidden) for the timeline to show — and its promise to be one
// self-contained file that fetches nothing.

import { before, after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { readManifest, writeManifest, type ManifestState } from '../interop/shale-pieces.js'
import { keyPlaces } from '../../src/cli/map-model.js'
import { makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { compareBytes } from '../../src/util/coding.js'
import { VersionEdit } from '../../src/version/version-edit.js'
import { checkPage, checkSelfContained, parsePage } from './map-page-check.js'
import { makeEngineDb, removeDir, shale, shaleJson, tempDir } from './helpers.js'

describe('shale map', () => {
  let dir: string
  let out: string
  let state: ManifestState

  before(async () => {
    dir = tempDir('map')
    out = tempDir('map-out')
    await makeEngineDb(dir)
    state = readManifest(dir)
  })
  after(() => { removeDir(dir); removeDir(out) })

  test('one box per live file at its level, one timeline entry per edit, every stint kept', () => {
    const page = join(out, 'map.html')
    const r = shale(['map', dir, '-o', page])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`wrote .*map.html .*: ${state.files.size} files, ${state.edits.length} edits`))
    const html = readFileSync(page, 'utf8')
    checkPage(html, state)
    checkSelfContained(html)
    assert.ok(parsePage(html).boxes.some((b) => b.cls === 'file past'), 'earlier stints are in the page')
    assert.ok(parsePage(html).edits.some((e) => e.removed > 0 || e.moved > 0), 'a compaction is in the timeline')
  })

  test('hover details name the file, its keys and the edits that added and removed it', () => {
    const page = join(out, 'tips.html')
    assert.equal(shale(['map', dir, '-o', page, '--axis', 'rank']).code, 0)
    const html = readFileSync(page, 'utf8')
    const f = [...state.files.values()][0]!
    const box = new RegExp(`<div class="file" data-level="${f.level}" data-number="${f.number}"[^>]*data-tip="([^"]*)"`).exec(html)
    assert.ok(box !== null)
    assert.match(box[1]!, new RegExp(`^#${f.number} at level ${f.level}, .* \\(${f.fileSize} bytes\\)\nsmallest key\\d+ @ \\d+ : (put|del)\nlargest  key\\d+ @ \\d+ : (put|del)\nadded by edit \\d+$`))
    assert.match(html, /data-axis="rank"/)
    assert.match(html, /<li class="edit" data-edit="0" [^>]*data-tip="edit 0 \(/)
  })

  test('--max-edits folds older edits into the starting state and keeps the live boxes', () => {
    const page = join(out, 'recent.html')
    assert.equal(shale(['map', dir, '-o', page, '--max-edits', '5']).code, 0)
    const html = readFileSync(page, 'utf8')
    const { boxes, edits } = parsePage(html)
    assert.deepEqual(edits.map((e) => e.index), [0, 1, 2, 3, 4].map((i) => state.edits.length - 5 + i))
    assert.equal(boxes.filter((b) => b.cls === 'file').length, state.files.size)
    assert.match(html, new RegExp(`The first ${state.edits.length - 5} edits are folded`))
    assert.equal(shale(['map', dir, '-o', page, '--max-edits', '0']).code, 2)
  })

  test('writes map.html in the working directory by default', () => {
    const r = shale(['map', dir], { cwd: out })
    assert.equal(r.code, 0, r.stderr)
    checkPage(readFileSync(join(out, 'map.html'), 'utf8'), state)
  })
})

describe('a history with moves between levels', () => {
  const ikey = (k: string, seq: number): Uint8Array => makeInternalKey(new TextEncoder().encode(k), seq, ValueType.Value)
  const file = (number: number, lo: string, hi: string): { number: number, fileSize: number, smallest: Uint8Array, largest: Uint8Array } =>
    ({ number, fileSize: 1000 * number, smallest: ikey(lo, number), largest: ikey(hi, number) })

  test('a file moved down a level is one move in the timeline and two stints in the tree', () => {
    const dir = tempDir('map-moves')
    try {
      const edits = [new VersionEdit(), new VersionEdit(), new VersionEdit(), new VersionEdit(), new VersionEdit()]
      Object.assign(edits[0]!, { comparatorName: 'leveldb.BytewiseComparator', logNumber: 0, nextFileNumber: 10, lastSequence: 0 })
      edits[1]!.addFile(0, file(5, 'a', 'm'))
      edits[1]!.addFile(0, file(6, 'c', 'z'))
      edits[2]!.removeFile(0, 5)
      edits[2]!.addFile(1, file(5, 'a', 'm'))
      edits[3]!.removeFile(0, 6)
      edits[3]!.removeFile(1, 5)
      edits[3]!.addFile(1, file(7, 'a', 'k'))
      edits[3]!.addFile(1, file(8, 'l', 'z'))
      edits[4]!.removeFile(1, 7)
      edits[4]!.addFile(2, file(7, 'a', 'k'))
      writeManifest(dir, 9, edits)

      const m = shaleJson(['manifest', dir, '--json'])
      assert.equal(m.code, 0, m.stderr)
      assert.deepEqual(m.json.edits.map((e: { kind: string }) => e.kind), ['counters', 'flush', 'move', 'compaction', 'move'])
      assert.deepEqual(m.json.edits[2].moved, [{ number: 5, from: 0, to: 1 }])
      assert.deepEqual(m.json.filesPerLevel, [0, 1, 1, 0, 0, 0, 0])
      assert.match(shale(['manifest', dir]).stdout, /^ {2}move #7 L1 -> L2 {2}6\.8 KiB$/m)

      const page = join(dir, 'map.html')
      assert.equal(shale(['map', dir, '-o', page]).code, 0)
      const html = readFileSync(page, 'utf8')
      checkPage(html, readManifest(dir))
      const { boxes, edits: entries } = parsePage(html)
      assert.deepEqual(entries.map((e) => e.moved), [0, 0, 1, 0, 1])
      const stints = boxes.map((b) => `L${b.level}#${b.number}:${b.from}-${b.until}`).sort()
      assert.deepEqual(stints, ['L0#5:1-2', 'L0#6:1-3', 'L1#5:2-3', 'L1#7:3-4', 'L1#8:3-', 'L2#7:4-'])
      assert.match(html, /<span class="chip move">L0-&gt;L1 #5<\/span>/)
    } finally {
      removeDir(dir)
    }
  })
})

describe('the key axis', () => {
  test('places keep bytewise order, from 0 to 1', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.uint8Array({ maxLength: 12 }), { minLength: 2, maxLength: 40, comparator: (a, b) => compareBytes(a, b) === 0 }), (keys) => {
      const sorted = keys.sort(compareBytes)
      const places = keyPlaces(sorted)
      if (places === undefined) return
      assert.equal(places[0], 0)
      assert.equal(places[places.length - 1], 1)
      for (let i = 1; i < places.length; i++) assert.ok(places[i - 1]! <= places[i]!, `order at ${i}`)
    }), { seed: 42, numRuns: 1000 })
  })

  test('decimal keys are placed by their number, even when only a few are known', () => {
    const keys = [0, 10981, 22100, 29999].map((n) => new TextEncoder().encode(`user:${String(n).padStart(6, '0')}`))
    const places = keyPlaces(keys)!
    for (const [i, n] of [0, 10981, 22100, 29999].entries()) assert.ok(Math.abs(places[i]! - n / 29999) < 0.001, `${n}: ${places[i]}`)
  })
})
