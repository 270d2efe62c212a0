// The SIGKILL crash loop's shared pieces (doc/crash-testing.md, "Process kills"): the
// deterministic batch generator that the child writes and the parent replays, the model of the
// database after batch N, and the check of the prefix property on a reopened database.
//
// Batch n (n = 1, 2, ...) is a pure function of (seed, n), so the parent never needs to hear what
// the child wrote: it only hears which batches were acknowledged. Every batch also puts MARKER =
// n, in the same atomic batch, so a recovered database names the prefix it claims to hold; the
// check then compares the whole database with the model after exactly that many batches. A hole
// (batch k lost while k+1 survived), a resurrected delete or a torn batch shows up as an entry
// that differs from the model, because the model is the only state the marker allows.

import { writeSync } from 'node:fs'
import process from 'node:process'
import { DB } from '../../src/db/db.js'
import type { DBOptions } from '../../src/db/options.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { compareBytes } from '../../src/util/coding.js'
import { Random } from '../../src/util/random.js'

/** Sorts before every data key, so a scan finds it first. */
export const MARKER = latin1('!marker')
/** Data keys are k00000 .. k01999; a hot tenth of them takes half the writes, so overwrites abound. */
export const KEY_SPACE = 2000
const HOT_KEYS = 200

export type Op = { kind: 'put', key: Uint8Array, value: Uint8Array } | { kind: 'del', key: Uint8Array }

export interface GeneratedBatch {
  readonly n: number
  readonly sync: boolean
  /** Data operations, in order; the marker put comes after them. */
  readonly ops: readonly Op[]
}

export function latin1 (s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'))
}

export function text (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
}

export function dataKey (i: number): Uint8Array {
  return latin1(`k${String(i).padStart(5, '0')}`)
}

/** One 32-bit seed per (seed, batch) pair; a generation change gives unrelated batches. */
function batchSeed (seed: number, n: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(n, 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d)
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39)
  return (h ^ (h >>> 15)) >>> 0
}

/**
 * Batch n of the stream `seed`: one in four is a sync write; 1 to 12 operations, a fifth of them
 * deletes; values of 0-300 bytes that Snappy halves, and now and then one of several KiB so that
 * a small write buffer fills fast. Each value starts with "n.i|" so a difference names the batch
 * that wrote it.
 */
export function generateBatch (seed: number, n: number): GeneratedBatch {
  const rnd = new Random(batchSeed(seed, n))
  const sync = rnd.oneIn(4)
  const count = rnd.range(1, 12)
  const ops: Op[] = []
  for (let i = 0; i < count; i++) {
    const key = dataKey(rnd.oneIn(2) ? rnd.uniform(HOT_KEYS) : rnd.uniform(KEY_SPACE))
    if (rnd.oneIn(5)) {
      ops.push({ kind: 'del', key })
      continue
    }
    const size = rnd.oneIn(40) ? rnd.range(2000, 8000) : rnd.uniform(300)
    const tag = latin1(`${n}.${i}|`)
    const value = new Uint8Array(tag.length + size)
    value.set(tag)
    value.set(rnd.compressibleBytes(size), tag.length)
    ops.push({ kind: 'put', key, value })
  }
  return { n, sync, ops }
}

export function markerValue (n: number): Uint8Array {
  return latin1(String(n))
}

export function toWriteBatch (b: GeneratedBatch): WriteBatch {
  const batch = new WriteBatch()
  for (const op of b.ops) {
    if (op.kind === 'put') batch.put(op.key, op.value)
    else batch.del(op.key)
  }
  batch.put(MARKER, markerValue(b.n))
  return batch
}

/** The database's expected contents after batches 1..applied of one stream. */
export class KillModel {
  readonly seed: number
  private entries = new Map<string, Uint8Array>()
  private appliedCount = 0

  constructor (seed: number) {
    this.seed = seed
  }

  get applied (): number {
    return this.appliedCount
  }

  /** Replays batches up to n. The model only moves forward: a database may never go back. */
  advanceTo (n: number): void {
    if (n < this.appliedCount) throw new Error(`model is at batch ${this.appliedCount}, cannot go back to ${n}`)
    while (this.appliedCount < n) {
      const b = generateBatch(this.seed, this.appliedCount + 1)
      for (const op of b.ops) {
        if (op.kind === 'put') this.entries.set(text(op.key), op.value)
        else this.entries.delete(text(op.key))
      }
      this.entries.set(text(MARKER), markerValue(b.n))
      this.appliedCount = b.n
    }
  }

  get (key: Uint8Array): Uint8Array | undefined {
    return this.entries.get(text(key))
  }

  /** Entries in the engine's byte order. */
  sorted (): Array<[Uint8Array, Uint8Array]> {
    const out: Array<[Uint8Array, Uint8Array]> = [...this.entries].map(([k, v]) => [latin1(k), v])
    out.sort((a, b) => compareBytes(a[0], b[0]))
    return out
  }
}

/** The batch number a recovered database claims to hold: 0 when the marker is absent. */
export function readMarker (db: DB): number {
  const v = db.getSync(MARKER)
  if (v === undefined) return 0
  const s = text(v)
  if (!/^[1-9]\d{0,14}$/.test(s)) throw new Error(`marker holds ${JSON.stringify(s.slice(0, 40))}, not a batch number`)
  return Number(s)
}

/** "absent", or the batch and operation that wrote a value, for failure messages. */
export function describeValue (v: Uint8Array | undefined): string {
  if (v === undefined) return 'absent'
  const s = text(v.subarray(0, 24))
  const bar = s.indexOf('|')
  if (bar > 0) return `value of batch.op ${s.slice(0, bar)} (${v.length} bytes)`
  return `"${s}" (${v.length} bytes)`
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return compareBytes(a, b) === 0
}

/**
 * The first way the database differs from the model, or undefined if it matches: a full forward
 * scan (no missing, extra or changed entry) and a point read of every key of the key space (the
 * table and bloom-filter path, which a scan does not take).
 */
export function diffAgainstModel (db: DB, model: KillModel): string | undefined {
  const expected = model.sorted()
  const it = db.iterator()
  try {
    let i = 0
    for (;;) {
      const entry = it.next()
      if (entry === undefined) break
      const [k, v] = entry as [Uint8Array, Uint8Array]
      const want = expected[i]
      if (want === undefined) return `scan: extra key ${text(k)} (${describeValue(v)}) after the model's last key`
      const order = compareBytes(k, want[0])
      if (order < 0) return `scan: extra key ${text(k)} (${describeValue(v)}); model has none`
      if (order > 0) return `scan: missing key ${text(want[0])} (model: ${describeValue(want[1])}); database's next is ${text(k)}`
      if (!sameBytes(v, want[1])) return `scan: key ${text(k)} holds ${describeValue(v)}, model ${describeValue(want[1])}`
      i++
    }
    if (i < expected.length) return `scan: missing key ${text(expected[i]![0])} (model: ${describeValue(expected[i]![1])}) at the end`
  } finally {
    it.close()
  }
  for (let k = 0; k < KEY_SPACE; k++) {
    const key = dataKey(k)
    const got = db.getSync(key)
    const want = model.get(key)
    if (got === undefined && want === undefined) continue
    if (got === undefined || want === undefined || !sameBytes(got, want)) {
      return `get: key ${text(key)} returns ${describeValue(got)}, model ${describeValue(want)}`
    }
  }
  return undefined
}

/** Options of one child's database: small buffers and tables so flush and compaction never rest. */
export interface ChildDBOptions {
  writeBufferSize: number
  maxFileSize: number
  compression: boolean
}

export function dbOptions (o: ChildDBOptions): DBOptions {
  return { writeBufferSize: o.writeBufferSize, maxFileSize: o.maxFileSize, compression: o.compression }
}

/** What the parent passes to a child, as one JSON argument. */
export interface ChildParams extends ChildDBOptions {
  dir: string
  seed: number
  /** The first batch to write: one past the marker the parent recovered. */
  start: number
  /** At most this many batches in flight (issued, not yet acknowledged); > 1 exercises group commit. */
  window: number
  /** The child exits on its own after this long, in case the parent died without killing it. */
  maxMillis: number
  /**
   * For the loop's own test only: "skip-one-batch" makes the child acknowledge batch start + 1
   * without writing it, a lost write the parent must report.
   */
  fault?: 'skip-one-batch'
}

/**
 * Lines on the child's stdout, each written synchronously once the fact holds:
 *   "ready"          the database is open and the marker matched `start - 1`; writes begin
 *   "ack <n>"        every batch up to n has resolved
 *   "error <text>"   something failed; the child exits with code 2
 */
export type ChildLine = { kind: 'ready' } | { kind: 'ack', n: number } | { kind: 'error', message: string }

export function parseChildLine (line: string): ChildLine | undefined {
  if (line === 'ready') return { kind: 'ready' }
  const ack = /^ack (\d+)$/.exec(line)
  if (ack !== null) return { kind: 'ack', n: Number(ack[1]) }
  if (line.startsWith('error ')) return { kind: 'error', message: line.slice(6) }
  return undefined
}

/**
 * A child's line to its parent. Synchronous, so that a line is in the pipe before the next batch is
 * issued: whatever the parent reads was true before the kill, and a line is never lost to a
 * user-space stdout buffer.
 */
export function say (line: string): void {
  writeSync(1, line + '\n')
}

/** Reports an error to the parent on one line and exits with code 2. */
export function failChild (err: unknown): never {
  const message = err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err)
  say(`error ${message.replace(/\n/g, ' ')}`)
  process.exit(2)
}
