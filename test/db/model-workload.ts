// The engine against an ordered model, under a random workload (fixed seeds): puts, deletes and
// batches, with snapshots and iterators opened at random moments and held open while flushes,
// compactions and MANIFEST rotations (a 1 KiB maxManifestFileSize makes the MANIFEST roll over
// all the time) change the files under them. Every read through an old snapshot or an old
// iterator must return exactly the model as of its creation, and none may fail on a missing file.
// The database is also closed and reopened in the middle, and compared whole.
//
// Run by model.test.ts under Node, and by test/runtimes/model-script.ts under Bun and Deno: this
// module uses only node:assert and the engine, which all three provide.

import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import type { DBOptions } from '../../src/db/options.js'
import type { DBIteratorHandle, Entry, IteratorOptions, Snapshot } from '../../src/db/api.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import type { Env } from '../../src/env/env.js'
import { Random } from '../../src/util/random.js'
import {
  assertSameEntries, assertSameValue, bytes, currentManifest, hex, Model, scan,
  type FrozenModel
} from './helpers.js'

const KEY_SPACE = 400

/** Keys of varied length and shape: shared prefixes, 0xff and NUL bytes, one empty key. */
function keyOf (i: number): Uint8Array {
  if (i === 0) return new Uint8Array(0)
  let s = `k${String(i).padStart(4, '0')}`
  if (i % 5 === 0) s += '\xff'.repeat(1 + (i % 3))
  if (i % 7 === 0) s += '\0' + 'x'.repeat(i % 30)
  return bytes(s)
}

function valueOf (rnd: Random): Uint8Array {
  const r = rnd.uniform(100)
  const size = r < 80 ? rnd.uniform(100) : r < 95 ? 100 + rnd.uniform(900) : 1000 + rnd.uniform(5000)
  return rnd.oneIn(2) ? rnd.bytes(size) : rnd.compressibleBytes(size)
}

interface HeldSnapshot { id: number, snapshot: Snapshot, frozen: FrozenModel }

interface HeldIterator {
  id: number
  it: DBIteratorHandle
  options: IteratorOptions
  /** Everything the iterator must yield from its start (or from its last seek), in order. */
  expected: Array<[Uint8Array, Uint8Array]>
  pos: number
  frozen: FrozenModel
  /** The snapshot it reads through, if any: kept open while the iterator is. */
  snapshotId: number | undefined
  /** Flushes and compactions it has lived through. */
  survived: number
  /** What was done with it, for failure messages. */
  history: string[]
}

export interface Stats {
  ops: number
  reopens: number
  flushes: number
  compactions: number
  manifestsSeen: number
  maxManifestsInOneSession: number
  heldAcrossChanges: number
  snapshotReads: number
}

/** Checks entries an iterator returned against the expected pairs, honouring keys/values: false. */
function checkEntries (got: Entry[], want: Array<[Uint8Array, Uint8Array]>, options: IteratorOptions, ctx: string): void {
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const [k, v] = got[i]!
    const [wk, wv] = want[i]!
    if (options.keys === false) assert.equal(k, undefined, `${ctx}: key slot empty with keys: false`)
    else assertSameValue(k, wk, `${ctx}: key of entry ${i}`)
    if (options.values === false) assert.equal(v, undefined, `${ctx}: value slot empty with values: false`)
    else assertSameValue(v, wv, `${ctx}: value of entry ${i} (key ${hex(wk)})`)
  }
  if (got.length !== want.length) {
    const n = Math.min(got.length, want.length)
    const extra = got.length > want.length ? `unexpected entry ${hex(got[n]![0])}` : `missing key ${hex(want[n]![0])}`
    assert.fail(`${ctx}: ${got.length} entries, expected ${want.length}; ${extra}`)
  }
}

function describeIterator (held: HeldIterator): string {
  const o = held.options
  const bounds = (['gt', 'gte', 'lt', 'lte'] as const).filter((b) => o[b] !== undefined).map((b) => `${b} ${hex(o[b])}`)
  const flags = [o.reverse === true ? 'reverse' : '', o.limit !== undefined ? `limit ${o.limit}` : '', o.keys === false ? 'no keys' : '',
    o.values === false ? 'no values' : '', held.snapshotId !== undefined ? `snapshot #${held.snapshotId}` : ''].filter((f) => f !== '')
  return `${[...bounds, ...flags].join(', ') || 'no options'}; after ${held.history.slice(-8).join(' ') || 'nothing'}; at ${held.pos} of ${held.expected.length}`
}

function randomRange (rnd: Random): IteratorOptions {
  const options: IteratorOptions = {}
  if (rnd.oneIn(3)) options[rnd.oneIn(2) ? 'gt' : 'gte'] = keyOf(rnd.uniform(KEY_SPACE))
  if (rnd.oneIn(3)) options[rnd.oneIn(2) ? 'lt' : 'lte'] = keyOf(rnd.uniform(KEY_SPACE))
  if (rnd.oneIn(2)) options.reverse = true
  return options
}

export async function runWorkload (seed: number, steps: number, env: Env, dir: string): Promise<Stats> {
  const rnd = new Random(seed)
  const options: DBOptions = {
    env,
    writeBufferSize: 4 * 1024,
    maxFileSize: 16 * 1024,
    blockSize: 1024,
    maxManifestFileSize: 1024,
    compression: rnd.oneIn(2)
  }
  const ctx = (step: number, what: string): string => `seed ${seed}, step ${step}: ${what}`
  const model = new Model()
  const snapshots: HeldSnapshot[] = []
  const iterators: HeldIterator[] = []
  const stats: Stats = {
    ops: 0, reopens: 0, flushes: 0, compactions: 0, manifestsSeen: 0, maxManifestsInOneSession: 0, heldAcrossChanges: 0, snapshotReads: 0
  }
  let nextId = 0
  let db = await DB.open(dir, options)
  let sessionManifests = new Set<string>()
  const noteManifest = (): void => {
    sessionManifests.add(currentManifest(env, dir))
    stats.maxManifestsInOneSession = Math.max(stats.maxManifestsInOneSession, sessionManifests.size)
  }
  noteManifest()

  const checkSnapshot = (held: HeldSnapshot, step: number): void => {
    const what = ctx(step, `snapshot #${held.id}`)
    for (let i = 0; i < 10; i++) {
      const k = keyOf(rnd.uniform(KEY_SPACE))
      assertSameValue(db.getSync(k, { snapshot: held.snapshot }), held.frozen.get(k), `${what}: get ${hex(k)}`)
    }
    const range = randomRange(rnd)
    assertSameEntries(scan(db, { ...range, snapshot: held.snapshot }), held.frozen.expected(range), `${what}: scan ${JSON.stringify(range.reverse ?? false)}`)
    stats.snapshotReads++
  }

  /** Reads the rest of a held iterator, checks it, closes it. */
  const finishIterator = (held: HeldIterator, step: number): void => {
    const what = ctx(step, `iterator #${held.id} (lived through ${held.survived} flushes and compactions; ${describeIterator(held)})`)
    checkEntries(held.it.all(), held.expected.slice(held.pos), held.options, what)
    held.it.close() // all() closes it already, as abstract-level's does; close() is idempotent
    assert.ok(held.it.closed)
    iterators.splice(iterators.indexOf(held), 1)
    if (held.survived > 0) stats.heldAcrossChanges++
  }

  const advanceIterator = (held: HeldIterator, step: number): void => {
    const what = ctx(step, `iterator #${held.id} (${describeIterator(held)})`)
    const action = rnd.uniform(10)
    if (action < 4) {
      const e = held.it.next()
      const want = held.expected[held.pos]
      if (want === undefined) assert.equal(e, undefined, `${what}: at the end`)
      else {
        assert.ok(e !== undefined, `${what}: entry ${held.pos} missing`)
        checkEntries([e], [want], held.options, what)
        held.pos++
      }
      held.history.push('next')
    } else if (action < 8 || held.options.limit !== undefined) {
      const n = 1 + rnd.uniform(20)
      const want = held.expected.slice(held.pos, held.pos + n)
      checkEntries(held.it.nextv(n), want, held.options, `${what}: nextv(${n})`)
      held.pos += want.length
      held.history.push(`nextv(${n})`)
    } else {
      // Reposition: the first key >= target (<= in reverse); the end if the target is out of range.
      const target = keyOf(rnd.uniform(KEY_SPACE))
      held.it.seek(target)
      held.expected = held.frozen.expectedAfterSeek(held.options, target)
      held.pos = 0
      held.history.push(`seek(${hex(target)})`)
    }
  }

  const closeSnapshot = (held: HeldSnapshot, step: number): void => {
    // Iterators reading through it are finished first: a snapshot outlives its readers.
    for (const it of iterators.filter((x) => x.snapshotId === held.id)) finishIterator(it, step)
    checkSnapshot(held, step)
    held.snapshot.close()
    snapshots.splice(snapshots.indexOf(held), 1)
  }

  const compareAll = async (step: number, what: string): Promise<void> => {
    const frozen = model.freeze()
    assertSameEntries(scan(db), frozen.expected(), ctx(step, `${what}, forward`))
    assertSameEntries(scan(db, { reverse: true }), frozen.expected({ reverse: true }), ctx(step, `${what}, reverse`))
    for (let i = 0; i < 20; i++) {
      const k = keyOf(rnd.uniform(KEY_SPACE))
      assertSameValue(await db.get(k), model.get(k), ctx(step, `${what}, get ${hex(k)}`))
    }
  }

  const changedFiles = (): void => {
    for (const held of iterators) held.survived++
    noteManifest()
  }

  for (let step = 0; step < steps; step++) {
    stats.ops++
    const p = rnd.uniform(1000)
    if (p < 380) {
      const k = keyOf(rnd.uniform(KEY_SPACE))
      const v = valueOf(rnd)
      await db.put(k, v)
      model.put(k, v)
    } else if (p < 520) {
      const k = keyOf(rnd.uniform(KEY_SPACE))
      await db.del(k)
      model.del(k)
    } else if (p < 590) {
      const batch = new WriteBatch()
      const ops: Array<() => void> = []
      const n = 1 + rnd.uniform(10)
      for (let i = 0; i < n; i++) {
        const k = keyOf(rnd.uniform(KEY_SPACE))
        if (rnd.oneIn(4)) {
          batch.del(k)
          ops.push(() => model.del(k))
        } else {
          const v = valueOf(rnd)
          batch.put(k, v)
          ops.push(() => model.put(k, v))
        }
      }
      await db.write(batch)
      for (const apply of ops) apply()
    } else if (p < 660) {
      const k = keyOf(rnd.uniform(KEY_SPACE))
      assertSameValue(rnd.oneIn(2) ? db.getSync(k) : await db.get(k), model.get(k), ctx(step, `get ${hex(k)}`))
    } else if (p < 690) {
      if (snapshots.length < 8) snapshots.push({ id: nextId++, snapshot: db.snapshot(), frozen: model.freeze() })
    } else if (p < 720) {
      if (iterators.length < 8) {
        const options = randomRange(rnd)
        if (rnd.oneIn(6)) options.limit = rnd.uniform(50)
        if (rnd.oneIn(10)) options.keys = false
        else if (rnd.oneIn(10)) options.values = false
        let frozen = model.freeze()
        let snapshotId: number | undefined
        if (snapshots.length > 0 && rnd.oneIn(3)) {
          const s = rnd.pick(snapshots)
          options.snapshot = s.snapshot
          frozen = s.frozen
          snapshotId = s.id
        }
        const it = db.iterator(options)
        iterators.push({ id: nextId++, it, options, expected: frozen.expected(options), pos: 0, frozen, snapshotId, survived: 0, history: [] })
      }
    } else if (p < 810) {
      if (iterators.length > 0) advanceIterator(rnd.pick(iterators), step)
    } else if (p < 850) {
      if (snapshots.length > 0) checkSnapshot(rnd.pick(snapshots), step)
    } else if (p < 865) {
      if (snapshots.length > 0) closeSnapshot(rnd.pick(snapshots), step)
    } else if (p < 885) {
      if (iterators.length > 0) finishIterator(rnd.pick(iterators), step)
    } else if (p < 910) {
      await db.flush()
      stats.flushes++
      changedFiles()
    } else if (p < 925) {
      const a = keyOf(rnd.uniform(KEY_SPACE))
      const b = keyOf(rnd.uniform(KEY_SPACE))
      const [lo, hi] = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a]
      if (rnd.oneIn(3)) await db.compactRange()
      else await db.compactRange(lo, hi)
      stats.compactions++
      changedFiles()
    } else if (p < 940) {
      const level = rnd.uniform(6)
      if (rnd.oneIn(2)) await db.compactLevel(level)
      else await db.compactLevel(level, keyOf(rnd.uniform(KEY_SPACE / 2)), keyOf(KEY_SPACE / 2 + rnd.uniform(KEY_SPACE / 2)))
      stats.compactions++
      changedFiles()
    } else if (p < 950) {
      await db.waitForIdle()
      changedFiles()
    } else if (p < 953) {
      // Reopen: finish and release every reader first, then compare the whole database.
      for (const held of iterators.slice()) finishIterator(held, step)
      for (const held of snapshots.slice()) closeSnapshot(held, step)
      await db.close()
      db = await DB.open(dir, options)
      stats.reopens++
      sessionManifests = new Set()
      noteManifest()
      await compareAll(step, 'after reopen')
    } else {
      const k = keyOf(rnd.uniform(KEY_SPACE))
      const v = valueOf(rnd)
      await db.put(k, v)
      model.put(k, v)
    }
    if (step % 500 === 499) await compareAll(step, 'periodic comparison')
  }
  for (const held of iterators.slice()) finishIterator(held, steps)
  for (const held of snapshots.slice()) closeSnapshot(held, steps)
  await compareAll(steps, 'at the end')
  await db.close()
  db = await DB.open(dir, options)
  await compareAll(steps, 'after the final reopen')
  await db.close()
  stats.manifestsSeen = sessionManifests.size
  return stats
}

export function checkCoverage (seed: number, stats: Stats): void {
  const what = `seed ${seed}: ${JSON.stringify(stats)}`
  assert.ok(stats.flushes > 10 && stats.compactions > 10, `${what}: flushes and compactions happened`)
  assert.ok(stats.maxManifestsInOneSession >= 2, `${what}: the MANIFEST rotated while the database was open`)
  assert.ok(stats.heldAcrossChanges > 5, `${what}: iterators were held across flushes and compactions`)
  assert.ok(stats.reopens >= 1, `${what}: reopened in the middle`)
  assert.ok(stats.snapshotReads > 10, what)
}
