// The data behind `shale map`: the MANIFEST replayed into "stints" — a table file at one level from
// the edit that put it there to the edit that took it away — so that the page can show the tree
// after any edit by showing the stints alive then. A file moved down a level has two stints.
//
// One key axis is shared by all levels and all edits. By default ("key") a key's place is its value
// as a number (see keyPlaces), scaled between the least and greatest key — so a box's width says
// how much of the key space the file covers. With "rank", every distinct boundary key gets the next of evenly spaced places, which
// keeps every file visible however the keys cluster. Either way the order is the engine's
// (bytewise); ranks are also what stacks overlapping boxes, since places may tie.

import type { Env } from '../env/env.js'
import { baseName } from '../env/env.js'
import { compareBytes, toHex } from '../util/coding.js'
import { type Encoding, formatBytes, internalKeyText, truncate, userKeyBytes } from './codec.js'
import { currentManifest, type EditEffect, type EditRecord, foreignComparatorNote, isBytewise, readManifestHistory } from './db-dir.js'
import { describeEdit, editKind } from './manifest.js'

export interface MapStint {
  level: number
  number: number
  size: number
  /** Index of the edit that put the file at this level. */
  from: number
  /** Index of the edit that removed it; undefined while live. */
  until: number | undefined
  /** Ranks of the smallest and largest user keys among all boundary keys (exact order). */
  lo: number
  hi: number
  /** Places of the smallest and largest user keys on the axis, from 0 to 1. */
  x0: number
  x1: number
  smallest: string
  largest: string
}

export type AxisMode = 'key' | 'rank'

interface MapEdit {
  index: number
  offset: number
  kind: string
  /** Short chips: "+L0 #7", "-L1 #5", "L0->L1 #9". */
  chips: string[]
  /** The decoded edit, for the hover text. */
  lines: string[]
}

export interface MapModel {
  dir: string
  manifest: string
  totalEdits: number
  /** Index of the first edit shown (earlier ones are folded into the starting state). */
  firstEdit: number
  edits: MapEdit[]
  stints: MapStint[]
  /** Number of distinct boundary keys on the axis. */
  keyPositions: number
  axisMode: AxisMode
  /** A few axis labels, each at the place (0 to 1) of the key it shows. */
  axis: Array<{ x: number, text: string }>
  lastSequence: number | undefined
  problems: string[]
  /** What the reader should know that is not damage (a comparator the axis does not follow). */
  notes: string[]
}

interface OpenStint {
  stint: MapStint
  smallestKey: Uint8Array
  largestKey: Uint8Array
}

function chipsOf (effect: EditEffect): string[] {
  const moved = new Set(effect.moved.map((m) => m.number))
  const chips: string[] = []
  for (const m of effect.moved) chips.push(`L${m.from}->L${m.to} #${m.number}`)
  for (const r of effect.removed) if (!moved.has(r.number)) chips.push(`-L${r.level} #${r.number}`)
  for (const a of effect.added) if (!moved.has(a.number)) chips.push(`+L${a.level} #${a.number}`)
  return chips
}

/** Byte positions after the shared prefix that a key's place depends on. */
const KEY_POSITIONS = 10

/**
 * Places (0 to 1) for keys in bytewise order; undefined when they do not spread (all equal).
 *
 * Reading key bytes as base-256 digits would crowd keys like "user:000123" into a few spots: only
 * ten of the 256 byte values occur at each position. So each position after the prefix all keys
 * share is a digit whose radix spans the byte values that occur there, lowest to highest, plus one
 * for "the key ends here" when some key does (it sorts first). Decimal digits then read as a
 * decimal number even when only a few boundary keys are known, letters as base 26, random bytes as
 * base 256, and the order stays bytewise: a mixed-radix number is ordered by its digits.
 */
export function keyPlaces (sorted: readonly Uint8Array[]): number[] | undefined {
  if (sorted.length < 2) return undefined
  const first = sorted[0]!
  const last = sorted[sorted.length - 1]!
  let prefix = 0
  while (prefix < first.length && prefix < last.length && first[prefix] === last[prefix]) prefix++
  const digits: Array<{ min: number, radix: number, ends: number }> = []
  for (let i = 0; i < KEY_POSITIONS; i++) {
    let min = 256
    let max = -1
    let ends = 0
    for (const k of sorted) {
      if (k.length === prefix + i) ends = 1
      else if (k.length > prefix + i) {
        min = Math.min(min, k[prefix + i]!)
        max = Math.max(max, k[prefix + i]!)
      }
    }
    if (max < 0) break
    digits.push({ min, radix: max - min + 1 + ends, ends })
  }
  const value = (k: Uint8Array): number => {
    let v = 0
    let unit = 1
    for (let i = 0; i < digits.length && prefix + i < k.length; i++) {
      const d = digits[i]!
      unit /= d.radix
      v += (k[prefix + i]! - d.min + d.ends) * unit
    }
    return v
  }
  const lo = value(first)
  const hi = value(last)
  if (hi <= lo) return undefined
  return sorted.map((k) => (value(k) - lo) / (hi - lo))
}

export function buildMapModel (env: Env, dir: string, options: { maxEdits: number, encoding: Encoding, axis: AxisMode }): MapModel {
  const enc = options.encoding
  const manifestPath = currentManifest(env, dir)
  const all: OpenStint[] = []
  const open = new Map<string, OpenStint>()
  const records: Array<{ record: EditRecord, effect: EditEffect }> = []

  const history = readManifestHistory(env, manifestPath, (record, effect) => {
    for (const r of effect.removed) {
      const s = open.get(`${r.level}:${r.number}`)
      if (s !== undefined) {
        s.stint.until = record.index
        open.delete(`${r.level}:${r.number}`)
      }
    }
    for (const f of effect.added) {
      const id = `${f.level}:${f.number}`
      const previous = open.get(id)
      if (previous !== undefined) previous.stint.until = record.index
      const s: OpenStint = {
        stint: {
          level: f.level, number: f.number, size: f.fileSize, from: record.index, until: undefined, lo: 0, hi: 0, x0: 0, x1: 0,
          smallest: internalKeyText(f.smallest, enc), largest: internalKeyText(f.largest, enc)
        },
        smallestKey: userKeyBytes(f.smallest),
        largestKey: userKeyBytes(f.largest)
      }
      open.set(id, s)
      all.push(s)
    }
    records.push({ record, effect })
  })

  const total = records.length
  const firstEdit = Math.max(0, total - options.maxEdits)
  // Stints that ended before the first edit shown can never be displayed.
  const shown = all.filter((s) => s.stint.until === undefined || s.stint.until > firstEdit)

  const distinct = new Map<string, Uint8Array>()
  for (const s of shown) {
    distinct.set(toHex(s.smallestKey), s.smallestKey)
    distinct.set(toHex(s.largestKey), s.largestKey)
  }
  const sorted = [...distinct.values()].sort(compareBytes)
  const rank = new Map(sorted.map((k, i) => [toHex(k), i]))
  const span = Math.max(1, sorted.length - 1)
  const places = (options.axis === 'key' ? keyPlaces(sorted) : undefined) ?? sorted.map((_, i) => i / span)
  const notes: string[] = []
  const comparator = history.state.comparator
  if (!isBytewise(comparator)) {
    notes.push(`${foreignComparatorNote(comparator!)}. The axis is in bytewise order, which is not the database's: ` +
      'each box spans the bytewise least to greatest of its two boundary keys, and boxes may overlap where the files do not')
  }
  for (const s of shown) {
    // Under another comparator a file's smallest key may be the bytewise greater one.
    const a = rank.get(toHex(s.smallestKey))!
    const b = rank.get(toHex(s.largestKey))!
    s.stint.lo = Math.min(a, b)
    s.stint.hi = Math.max(a, b)
    s.stint.x0 = places[s.stint.lo]!
    s.stint.x1 = places[s.stint.hi]!
  }
  // Labels at evenly spaced places, each showing the boundary key nearest to it.
  const axis: Array<{ x: number, text: string }> = []
  const labels = Math.min(sorted.length, 6)
  let k = 0
  for (let i = 0; i < labels; i++) {
    const target = labels === 1 ? 0 : i / (labels - 1)
    while (k + 1 < places.length && Math.abs(places[k + 1]! - target) <= Math.abs(places[k]! - target)) k++
    // Labels closer than a tenth of the axis would overlap.
    if (axis.length > 0 && places[k]! - axis[axis.length - 1]!.x < 0.1) continue
    axis.push({ x: places[k]!, text: truncate(formatBytes(sorted[k]!, enc), 24) })
  }

  return {
    dir,
    manifest: baseName(manifestPath),
    totalEdits: total,
    firstEdit,
    edits: records.slice(firstEdit).map(({ record, effect }) => ({
      index: record.index,
      offset: record.offset,
      kind: editKind(record.index, effect),
      chips: chipsOf(effect),
      lines: describeEdit(record, effect, enc)
    })),
    stints: shown.map((s) => s.stint),
    keyPositions: sorted.length,
    axisMode: options.axis,
    axis,
    lastSequence: history.state.lastSequence,
    problems: history.problems,
    notes
  }
}
