// LevelDB's two fault-injection resets (db/fault_injection_test.cc): "drop
// unsynced data" truncates every file to its last sync and keeps every name, "delete unsynced
// files" deletes every file created since the last directory sync and keeps all data of the rest.
//
// First LevelDB's own scenario, three iterations per reset: write N1 values and CompactRange
// (which makes them durable), write N2 more without sync, reset, reopen with paranoid checks. All
// N1 must be there; after dropping unsynced data the N2 are absent (or, when the memtable switched
// logs and so synced the older ones, a prefix of them); after deleting unsynced files all N2 are
// there too. Reopening once more with no writes changes nothing.
//
// Then the same two resets at every sync point of the crash workloads (harness/crash/explore.ts).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import type { DBOptions } from '../../src/db/options.js'
import { MemEnv, type CrashMode } from '../../src/env/mem-env.js'
import { Random } from '../../src/util/random.js'
import { bytes, hex, scan } from '../db/helpers.js'
import { exploreWorkload } from '../../harness/crash/explore.js'
import { DEFAULT_SHAPE, DIR, generateWorkload } from '../../harness/crash/workload.js'

const VALUE_SIZE = 1000
const MAX_VALUES = 2000
const ITERATIONS = 3

/** LevelDB's key for value i: the number in 16 digits. */
function keyFor (i: number): Uint8Array {
  return bytes(String(i).padStart(16, '0'))
}

/** LevelDB's value for i: random bytes from a generator seeded with i, so any i can be checked. */
function valueFor (i: number): Uint8Array {
  return new Random(i + 1).bytes(VALUE_SIZE)
}

async function build (db: DB, start: number, count: number): Promise<void> {
  for (let i = start; i < start + count; i++) await db.put(keyFor(i), valueFor(i))
}

/** How many of [start, start + count) are present with their value; the present ones must be a prefix. */
function presentPrefix (db: DB, start: number, count: number, where: string): number {
  let present = 0
  for (let i = start; i < start + count; i++) {
    const v = db.getSync(keyFor(i))
    if (v === undefined) continue
    assert.equal(Buffer.compare(v, valueFor(i)), 0, `${where}: value ${i} is ${hex(v)}`)
    assert.equal(i, start + present, `${where}: value ${i} present after a missing one (a hole)`)
    present++
  }
  return present
}

class FaultTest {
  readonly mem = new MemEnv()
  private db: DB | undefined
  constructor (private readonly options: DBOptions) {}

  private get open (): DB {
    assert.ok(this.db !== undefined)
    return this.db
  }

  async openDB (): Promise<void> {
    this.db = await DB.open(DIR, { ...this.options, env: this.mem, paranoidChecks: true })
  }

  /** The file system stops (as LevelDB's SetFilesystemActive(false)), the reset is applied, the process is gone. */
  async crash (mode: CrashMode): Promise<void> {
    const db = this.open
    this.db = undefined
    this.mem.crash(mode)
    // Every handle of the dead process now fails; closing it must not touch the files any more.
    await db.close().catch(() => {})
  }

  /** LevelDB's DeleteAllData: delete every key through the database. */
  async deleteAllData (): Promise<void> {
    for (const [k] of scan(this.open)) await this.open.del(k)
  }

  /** PartialCompactTestPreFault. */
  async preFault (pre: number, post: number): Promise<void> {
    await this.deleteAllData()
    await build(this.open, 0, pre)
    await this.open.compactRange()
    await build(this.open, pre, post)
  }

  /** PartialCompactTestReopenWithFault: how many of the `post` values survived, as a prefix. */
  async reopenWithFault (mode: CrashMode, pre: number, post: number, where: string): Promise<number> {
    await this.crash(mode)
    await this.openDB()
    assert.equal(presentPrefix(this.open, 0, pre, where), pre, `${where}: every value written before CompactRange`)
    const survived = presentPrefix(this.open, pre, post, where)
    assert.equal(scan(this.open).length, pre + survived, `${where}: nothing else`)
    return survived
  }

  /** NoWriteTestReopenWithFault: crash and reopen with no writes; the contents must not change. */
  async noWriteReopen (mode: CrashMode, where: string): Promise<void> {
    const before = scan(this.open)
    await this.crash(mode)
    await this.openDB()
    const after = scan(this.open)
    assert.equal(after.length, before.length, `${where}: entries after a reopen with no writes`)
    assert.ok(after.every(([k, v], i) => Buffer.compare(k, before[i]![0]) === 0 && Buffer.compare(v, before[i]![1]) === 0),
      `${where}: the same entries after a reopen with no writes`)
  }

  async close (): Promise<void> {
    await this.db?.close()
    this.db = undefined
  }
}

/**
 * LevelDB's DoTest. `bigBuffer`: the N2 values fit in one memtable, so nothing after CompactRange
 * is ever synced and LevelDB's exact expectations hold; otherwise memtable switches sync the older
 * logs, and what survives is a prefix.
 */
async function doTest (options: DBOptions, bigBuffer: boolean, seed: number): Promise<number[]> {
  const survivors: number[] = []
  const rnd = new Random(seed)
  const t = new FaultTest(options)
  await t.openDB()
  try {
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const pre = rnd.uniform(MAX_VALUES)
      const post = rnd.uniform(MAX_VALUES)
      let where = `iteration ${iteration}, ${pre} + ${post} values, dropUnsyncedData`
      await t.preFault(pre, post)
      const kept = await t.reopenWithFault('dropUnsyncedData', pre, post, where)
      survivors.push(kept)
      if (bigBuffer) assert.equal(kept, 0, `${where}: values written without sync after CompactRange are gone`)
      await t.noWriteReopen('dropUnsyncedData', `${where}, then no writes`)

      where = `iteration ${iteration}, ${pre} + ${post} values, deleteUnsyncedFiles`
      await t.preFault(pre, post)
      const all = await t.reopenWithFault('deleteUnsyncedFiles', pre, post, where)
      // The log after CompactRange was created before the flush synced the directory: nothing is deleted.
      survivors.push(all)
      if (bigBuffer) assert.equal(all, post, `${where}: every value is kept`)
      await t.noWriteReopen('deleteUnsyncedFiles', `${where}, then no writes`)
    }
  } finally {
    await t.close()
  }
  return survivors
}

describe("LevelDB's fault_injection_test", () => {
  test('FaultTest: N2 fit in the memtable (LevelDB\'s exact expectations)', async () => {
    await doTest({}, true, 301)
  })

  test('FaultTest with a 64 KiB write buffer: N2 span several logs, a prefix survives', async () => {
    const survivors = await doTest({ writeBufferSize: 64 * 1024 }, false, 302)
    // Logs retired by a memtable switch were synced: some values written without sync survive.
    assert.ok(survivors.some((n) => n > 0), `some values written without sync survive: ${survivors.join(' ')}`)
  })
})

describe('LevelDB\'s resets at every sync point of the crash workloads', () => {
  let points = 0
  for (const seed of [31, 32, 33, 34, 35, 36]) {
    test(`seed ${seed}`, async () => {
      const workload = generateWorkload(seed, { ...DEFAULT_SHAPE, syncChance: seed % 2 === 0 ? 0.1 : 0.4 })
      const r = await exploreWorkload({ workload, modes: ['dropUnsyncedData', 'deleteUnsyncedFiles'], sampleRate: 0.05 })
      assert.equal(r.failures, 0)
      assert.ok(r.syncPoints >= 100, `${r.syncPoints} sync-family crash points`)
      points += r.points
    })
  }

  test('crash points counted', () => {
    console.log(`crash points checked: ${points} (dropUnsyncedData and deleteUnsyncedFiles at each)`)
    assert.ok(points >= 600, `${points} crash points`)
  })
})
