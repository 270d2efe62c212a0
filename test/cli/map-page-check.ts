// Reads a `shale map` page back from its HTML (the data attributes of its boxes and timeline
// entries) and checks it against the MANIFEST it was drawn from, for the map and classic tests.

import assert from 'node:assert/strict'
import type { ManifestState } from '../interop/shale-pieces.js'

export interface PageBox { cls: string, level: number, number: number, from: number, until: string, left: number, width: number }
export interface PageEdit { index: number, added: number, removed: number, moved: number }

/** The file boxes and timeline entries of a map page, from their data attributes. */
export function parsePage (html: string): { boxes: PageBox[], edits: PageEdit[] } {
  const boxes: PageBox[] = []
  for (const m of html.matchAll(/<div class="(file(?: past)?)" ([^>]*)>/g)) {
    const attr = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(m[2]!)?.[1] ?? 'missing'
    const style = /left:([\d.]+)%;width:([\d.]+)%/.exec(attr('style'))
    assert.ok(style !== null, `a box has a position: ${m[0]}`)
    boxes.push({
      cls: m[1]!, level: Number(attr('data-level')), number: Number(attr('data-number')), from: Number(attr('data-from')),
      until: attr('data-until'), left: Number(style[1]), width: Number(style[2])
    })
  }
  const edits: PageEdit[] = []
  for (const m of html.matchAll(/<li class="edit" ([^>]*)>/g)) {
    const attr = (name: string): number => Number(new RegExp(`${name}="([^"]*)"`).exec(m[1]!)?.[1])
    edits.push({ index: attr('data-edit'), added: attr('data-added'), removed: attr('data-removed'), moved: attr('data-moved') })
  }
  return { boxes, edits }
}

/** Checks a page against the MANIFEST it was drawn from (the interop tests' own reader). */
export function checkPage (html: string, state: ManifestState): void {
  const { boxes, edits } = parsePage(html)
  const live = boxes.filter((b) => b.cls === 'file')
  for (let level = 0; level < 7; level++) {
    const expected = [...state.files.values()].filter((f) => f.level === level).map((f) => f.number).sort((a, b) => a - b)
    assert.deepEqual(live.filter((b) => b.level === level).map((b) => b.number).sort((a, b) => a - b), expected, `boxes at level ${level}`)
    assert.match(html, new RegExp(`<div class="level" data-level="${level}" data-files="${expected.length}"`))
  }
  assert.ok(live.every((b) => b.until === ''), 'live boxes have no end')
  assert.equal(edits.length, state.edits.length, 'one timeline entry per edit')
  edits.forEach((e, i) => {
    const edit = state.edits[i]!
    assert.equal(e.index, i)
    assert.equal(e.added + e.moved, edit.newFiles.length, `edit ${i}: files added`)
    assert.equal(e.removed + e.moved, edit.deletedFiles.length, `edit ${i}: files removed`)
  })
  // Every file a level ever held is a box: one per addition in the MANIFEST.
  assert.equal(boxes.length, state.edits.reduce((s, e) => s + e.newFiles.length, 0))
  for (const b of boxes) {
    assert.ok(b.left >= 0 && b.width >= 0 && b.left + b.width <= 100.001, `box #${b.number} lies on the axis`)
    if (b.until !== '') assert.ok(Number(b.until) > b.from, `box #${b.number} ends after it starts`)
  }
  // Below level 0, live files are disjoint: their boxes, in key order, do not overlap.
  for (let level = 1; level < 7; level++) {
    const row = live.filter((b) => b.level === level).sort((a, b) => a.left - b.left)
    for (let i = 1; i < row.length; i++) assert.ok(row[i - 1]!.left + row[i - 1]!.width <= row[i]!.left + 0.001, `level ${level} boxes overlap`)
  }
}

export function checkSelfContained (html: string): void {
  assert.ok(html.startsWith('<!doctype html>'))
  assert.doesNotMatch(html, /https?:|<link\b|<script[^>]+src=|<img\b|@import|url\(/i, 'nothing is fetched')
  assert.equal((html.match(/<script>/g) ?? []).length, 1)
  assert.equal((html.match(/<style>/g) ?? []).length, 1)
}

