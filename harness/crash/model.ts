// The expected contents after every prefix of a workload's writes, kept cheap enough to ask
// "which prefixes could this recovered database be?" thousands of times.
//
// Contract 3 says a recovered database equals the result of applying some prefix of the issued
// writes. Replaying every prefix for every crash point would cost O(writes²) per point, so each
// prefix gets a 64-bit fingerprint instead: the sum, over its live entries, of a hash of (key,
// value). A sum can be updated in O(1) per put or delete, and does not depend on order, so the
// fingerprint of a full scan is computed the same way. A fingerprint match names a candidate;
// the candidate is then replayed and compared entry by entry, so a hash collision can never turn
// into a passing test.

import { hash } from '../../src/util/hash.js'
import { bytes, hex, str } from '../db/entries.js'

/** One user write as issued: a put, a delete, or a batch of them, applied atomically. */
export type Mutation = { kind: 'put', key: Uint8Array, value: Uint8Array } | { kind: 'del', key: Uint8Array }

export interface Write {
  /** Position in issue order, from 0. */
  readonly index: number
  readonly mutations: readonly Mutation[]
  readonly sync: boolean
  /** True for db.write(batch); false for a single put or del. */
  readonly batch: boolean
}

const SEED_A = 0x9e3779b9
const SEED_B = 0x85ebca6b

/** Two independent 32-bit hashes of one entry; key and value lengths are mixed in so ("ab","c") != ("a","bc"). */
function entryHashes (key: Uint8Array, value: Uint8Array): [number, number] {
  const ka = hash(key, SEED_A ^ key.length)
  const kb = hash(key, SEED_B ^ key.length)
  return [hash(value, ka ^ Math.imul(value.length, 0x2545f491)) >>> 0, hash(value, kb ^ Math.imul(value.length, 0x27d4eb2f)) >>> 0]
}

/** A fingerprint as one string, for Map lookups. */
function fingerprintKey (a: number, b: number): string {
  return `${a >>> 0}:${b >>> 0}`
}

/** Fingerprints of a set of entries (latin-1 key → value), updated as entries come and go. */
class Fingerprint {
  a = 0
  b = 0

  add (key: Uint8Array, value: Uint8Array): void {
    const [ha, hb] = entryHashes(key, value)
    this.a = (this.a + ha) >>> 0
    this.b = (this.b + hb) >>> 0
  }

  remove (key: Uint8Array, value: Uint8Array): void {
    const [ha, hb] = entryHashes(key, value)
    this.a = (this.a - ha) >>> 0
    this.b = (this.b - hb) >>> 0
  }

  get key (): string {
    return fingerprintKey(this.a, this.b)
  }
}

/** Applies one write to a map of latin-1 keys. */
export function applyWrite (state: Map<string, Uint8Array>, write: Write): void {
  for (const m of write.mutations) {
    if (m.kind === 'put') state.set(str(m.key), m.value)
    else state.delete(str(m.key))
  }
}

export class PrefixModel {
  readonly writes: readonly Write[]
  /** prefixesByFingerprint.get(fp) = every p whose state after writes [0, p) has that fingerprint. */
  private readonly prefixesByFingerprint = new Map<string, number[]>()

  constructor (writes: readonly Write[]) {
    this.writes = writes
    const state = new Map<string, Uint8Array>()
    const fp = new Fingerprint()
    this.note(fp.key, 0)
    for (const write of writes) {
      for (const m of write.mutations) {
        const k = str(m.key)
        const old = state.get(k)
        if (old !== undefined) fp.remove(m.key, old)
        if (m.kind === 'put') {
          state.set(k, m.value)
          fp.add(m.key, m.value)
        } else {
          state.delete(k)
        }
      }
      this.note(fp.key, write.index + 1)
    }
  }

  private note (key: string, prefix: number): void {
    const list = this.prefixesByFingerprint.get(key)
    if (list === undefined) this.prefixesByFingerprint.set(key, [prefix])
    else list.push(prefix)
  }

  /** Every prefix length whose state has the same fingerprint as `entries` (ascending). */
  candidates (entries: ReadonlyArray<readonly [Uint8Array, Uint8Array]>): number[] {
    const fp = new Fingerprint()
    for (const [k, v] of entries) fp.add(k, v)
    return this.prefixesByFingerprint.get(fp.key) ?? []
  }

  /** The state after writes [0, prefix), sorted by key. */
  stateAfter (prefix: number): Array<[Uint8Array, Uint8Array]> {
    const state = new Map<string, Uint8Array>()
    for (let i = 0; i < prefix; i++) applyWrite(state, this.writes[i]!)
    return [...state.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).map((k) => [bytes(k), state.get(k)!])
  }
}

/** Whether two sorted entry lists are equal, byte for byte. */
export function sameEntries (a: ReadonlyArray<readonly [Uint8Array, Uint8Array]>, b: ReadonlyArray<readonly [Uint8Array, Uint8Array]>): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    if (Buffer.compare(a[i]![0], b[i]![0]) !== 0 || Buffer.compare(a[i]![1], b[i]![1]) !== 0) return false
  }
  return true
}

/** How `actual` differs from `expected`, in a few lines, for failure messages. */
export function describeDifference (actual: ReadonlyArray<readonly [Uint8Array, Uint8Array]>,
  expected: ReadonlyArray<readonly [Uint8Array, Uint8Array]>, limit = 5): string {
  const want = new Map(expected.map(([k, v]) => [str(k), v]))
  const got = new Map(actual.map(([k, v]) => [str(k), v]))
  const lines: string[] = []
  for (const [k, v] of got) {
    const w = want.get(k)
    if (w === undefined) lines.push(`extra key ${hex(bytes(k))}`)
    else if (Buffer.compare(w, v) !== 0) lines.push(`key ${hex(bytes(k))}: value ${hex(v)}, expected ${hex(w)}`)
  }
  for (const k of want.keys()) if (!got.has(k)) lines.push(`missing key ${hex(bytes(k))}`)
  const shown = lines.slice(0, limit)
  if (lines.length > limit) shown.push(`... ${lines.length - limit} more differences`)
  return `${actual.length} entries, expected ${expected.length}: ${shown.join('; ')}`
}
