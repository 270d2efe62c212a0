// When table files are deleted (README contract 4): a table that a compaction replaced stays on
// disk while an open iterator's Version still names it, and goes once the last such iterator
// closes (after waitForIdle, as the deletion may be deferred), never before. A snapshot alone pins
// no file, as in LevelDB: it is only a sequence number, and keeps entries alive through
// compaction rather than files. The files are counted by listing the directory through the Env.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { DBIteratorHandle } from '../../src/db/api.js'
import type { Env } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { Random } from '../../src/util/random.js'
import {
  assertSameEntries, assertSameValue, asPair, bytes, DIR, Harness, key, Model, readLiveVersion, removeTempDir, scan,
  tableFileNames, tempDir, type FrozenModel
} from './helpers.js'

function liveTables (h: Harness): Set<string> {
  return new Set(readLiveVersion(h.env, h.dir).files.map((f) => `${String(f.number).padStart(6, '0')}.ldb`))
}

function onDisk (h: Harness): Set<string> {
  return new Set(tableFileNames(h.env, h.dir))
}

function union (...sets: Array<Set<string>>): Set<string> {
  const out = new Set<string>()
  for (const s of sets) for (const x of s) out.add(x)
  return out
}

function sorted (s: Set<string>): string[] {
  return [...s].sort()
}

/** After the engine is idle, the tables on disk are exactly `expected`. */
async function assertTablesOnDisk (h: Harness, expected: Set<string>, what: string): Promise<void> {
  await h.db.waitForIdle()
  assert.deepEqual(sorted(onDisk(h)), sorted(expected), what)
}

/** Writes every key of [0, n) with values that depend on `round`, then compacts everything. */
async function rewriteAll (h: Harness, model: Model, n: number, round: number, rnd: Random): Promise<void> {
  for (let i = 0; i < n; i++) {
    const v = bytes(`round ${round} ` + 'v'.repeat(rnd.uniform(300)))
    await h.db.put(bytes(key(i)), v)
    model.put(bytes(key(i)), v)
  }
  await h.db.compactRange()
  await h.db.waitForIdle()
}

/** Reads `count` entries (or the rest) of a held iterator and checks them against its expected list. */
function readSome (it: DBIteratorHandle, expected: Array<[Uint8Array, Uint8Array]>, from: number, count: number, what: string): number {
  const got = it.nextv(count).map(asPair)
  assertSameEntries(got, expected.slice(from, from + count), what)
  return from + got.length
}

async function withHarness (env: Env, dir: string, body: (h: Harness) => Promise<void>): Promise<void> {
  const h = await Harness.open({ env, writeBufferSize: 8 * 1024, maxFileSize: 8 * 1024 }, dir)
  try {
    await body(h)
  } finally {
    await h.close()
  }
}

const N = 400

async function iteratorPinsItsTables (env: Env, dir: string): Promise<void> {
  await withHarness(env, dir, async (h) => {
    const rnd = new Random(11)
    const model = new Model()
    await rewriteAll(h, model, N, 0, rnd)
    const before = liveTables(h)
    assert.ok(before.size >= 3, `several tables to start with (${before.size})`)
    await assertTablesOnDisk(h, before, 'at the start, exactly the live tables are on disk')

    const frozen = model.freeze()
    const expected = frozen.expected()
    const it = h.db.iterator()
    let pos = readSome(it, expected, 0, 10, 'before the compaction')

    // Every key rewritten and everything compacted: no table of the iterator's Version is live now.
    await rewriteAll(h, model, N, 1, rnd)
    const after = liveTables(h)
    for (const name of before) assert.ok(!after.has(name), `${name} was replaced by the compaction`)
    await assertTablesOnDisk(h, union(before, after), 'the replaced tables stay while the iterator is open')

    // The iterator still reads all of its data, from the replaced tables.
    pos = readSome(it, expected, pos, 100, 'after the compaction')
    const rest = it.nextv(expected.length).map(asPair)
    assertSameEntries(rest, expected.slice(pos), 'the rest of the iterator')
    assert.equal(it.next(), undefined)
    // At its end but not closed, it still holds its Version.
    await assertTablesOnDisk(h, union(before, after), 'an exhausted iterator still pins until closed')

    it.close()
    await assertTablesOnDisk(h, after, 'closing the iterator deletes the replaced tables')
    assertSameEntries(scan(h.db), model.entries(), 'the latest data')
  })
}

describe('table files and the readers that pin them', () => {
  test('an open iterator keeps every table of its Version on disk until it closes (MemEnv)', async () => {
    await iteratorPinsItsTables(new MemEnv(), DIR)
  })

  test('an open iterator keeps every table of its Version on disk until it closes (NodeEnv)', async () => {
    const dir = tempDir('file-lifetime')
    try {
      await iteratorPinsItsTables(new NodeEnv(), dir)
    } finally {
      removeTempDir(dir)
    }
  })

  test('a snapshot alone pins no file, yet its reads see the old data', async () => {
    await withHarness(new MemEnv(), DIR, async (h) => {
      const rnd = new Random(12)
      const model = new Model()
      await rewriteAll(h, model, N, 0, rnd)
      const before = liveTables(h)
      const snapshot = h.db.snapshot()
      const frozen = model.freeze()
      await rewriteAll(h, model, N, 1, rnd)
      const after = liveTables(h)
      for (const name of before) assert.ok(!after.has(name), `${name} was replaced`)
      await assertTablesOnDisk(h, after, 'the replaced tables are deleted although a snapshot is open')
      // The entries the snapshot needs survived the compaction, in the new tables.
      assertSameEntries(scan(h.db, { snapshot }), frozen.expected(), 'iteration at the snapshot')
      for (let i = 0; i < N; i += 7) {
        assertSameValue(h.db.getSync(bytes(key(i)), { snapshot }), frozen.get(bytes(key(i))), `get ${key(i)} at the snapshot`)
      }
      snapshot.close()
      await rewriteAll(h, model, N, 2, rnd)
      assertSameEntries(scan(h.db), model.entries(), 'the latest data')
    })
  })

  test('tables pinned by two iterators go only when neither needs them, in either closing order', async () => {
    for (const order of ['older first', 'newer first'] as const) {
      await withHarness(new MemEnv(), DIR, async (h) => {
        const rnd = new Random(13)
        const model = new Model()
        await rewriteAll(h, model, N, 0, rnd)
        const v1 = liveTables(h)
        const f1 = model.freeze()
        const it1 = h.db.iterator()
        await rewriteAll(h, model, N, 1, rnd)
        const v2 = liveTables(h)
        const f2 = model.freeze()
        const it2 = h.db.iterator({ reverse: true })
        await rewriteAll(h, model, N, 2, rnd)
        const v3 = liveTables(h)
        await assertTablesOnDisk(h, union(v1, v2, v3), `${order}: both versions pinned`)

        const check = (it: DBIteratorHandle, frozen: FrozenModel, reverse: boolean, what: string): void => {
          assertSameEntries(it.all().map(asPair), frozen.expected({ reverse }), `${order}: ${what}`)
        }
        if (order === 'older first') {
          check(it1, f1, false, 'the older iterator')
          it1.close()
          await assertTablesOnDisk(h, union(v2, v3), `${order}: only the newer iterator's tables remain pinned`)
          check(it2, f2, true, 'the newer iterator')
          it2.close()
        } else {
          check(it2, f2, true, 'the newer iterator')
          it2.close()
          await assertTablesOnDisk(h, union(v1, v3), `${order}: only the older iterator's tables remain pinned`)
          check(it1, f1, false, 'the older iterator')
          it1.close()
        }
        await assertTablesOnDisk(h, v3, `${order}: nothing pinned any more`)
      })
    }
  })

  test('an iterator held across many flushes and compactions keeps reading its tables', async () => {
    await withHarness(new MemEnv(), DIR, async (h) => {
      const rnd = new Random(14)
      const model = new Model()
      await rewriteAll(h, model, N, 0, rnd)
      const pinned = liveTables(h)
      const expected = model.freeze().expected()
      const it = h.db.iterator()
      let pos = 0
      for (let round = 1; round <= 20; round++) {
        // Small writes through a small write buffer: flushes and level-0 compactions in the background.
        for (let i = 0; i < 50; i++) {
          const k = bytes(key(rnd.uniform(N)))
          const v = bytes(`r${round} ` + 'w'.repeat(rnd.uniform(400)))
          await h.db.put(k, v)
          model.put(k, v)
        }
        // Level 1 stays far below its size limit, so the pinned tables (at level 2) are rewritten only
        // by a manual compaction now and then.
        if (round % 4 === 0) {
          const from = rnd.uniform(N / 2)
          await h.db.compactRange(bytes(key(from)), bytes(key(from + N / 4)))
        }
        for (const name of pinned) assert.ok(onDisk(h).has(name), `round ${round}: pinned ${name} still on disk`)
        pos = readSome(it, expected, pos, 15, `round ${round}`)
      }
      await h.db.waitForIdle()
      for (const name of pinned) assert.ok(onDisk(h).has(name), `pinned ${name} still on disk when idle`)
      const live = liveTables(h)
      assert.ok([...pinned].some((name) => !live.has(name)), 'compactions replaced some of the pinned tables')
      assertSameEntries(it.all().map(asPair), expected.slice(pos), 'the rest of the iterator')
      it.close()
      await assertTablesOnDisk(h, liveTables(h), 'once closed, only live tables remain')
      assertSameEntries(scan(h.db), model.entries(), 'the latest data')
    })
  })

  test('closing the database closes its iterators; the tables they pinned go at the next open', async () => {
    const env = new MemEnv()
    const h = await Harness.open({ env, writeBufferSize: 8 * 1024, maxFileSize: 8 * 1024 })
    const rnd = new Random(15)
    const model = new Model()
    await rewriteAll(h, model, N, 0, rnd)
    const before = liveTables(h)
    const it = h.db.iterator()
    it.next()
    await rewriteAll(h, model, N, 1, rnd)
    await assertTablesOnDisk(h, union(before, liveTables(h)), 'pinned before close')
    await h.close()
    assert.equal(it.closed, true, 'the iterator was closed with the database')
    await h.reopen()
    await assertTablesOnDisk(h, liveTables(h), 'after reopening, only live tables')
    for (const name of before) assert.ok(!onDisk(h).has(name), `${name} is gone`)
    assertSameEntries(scan(h.db), model.entries(), 'the data after reopen')
    await h.close()
  })
})
