// Power loss at every sync point. Each workload flushes, compacts into levels 1
// and 2, rewrites the MANIFEST, reopens, and writes with and without sync, singly, in batches and
// in bursts that share a group commit. It is cut right after every sync, syncDir and rename over
// CURRENT, and after a seeded tenth of its other calls. At each cut the disk loses power (and,
// separately, the process is killed with nothing lost), the database is reopened, and its contents
// must be the model after a prefix of the writes that holds every write that had to survive
// (harness/crash/explore.ts, bounds()).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { exploreWorkload } from '../../harness/crash/explore.js'
import { exploreRecoveryCrashes } from '../../harness/crash/recovery-crash.js'
import { DEFAULT_SHAPE, generateWorkload, type WorkloadShape } from '../../harness/crash/workload.js'

interface Case { seed: number, label: string, shape: WorkloadShape }

const CASES: Case[] = [
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((seed) => ({ seed, label: 'default', shape: DEFAULT_SHAPE })),
  { seed: 21, label: 'every write synced', shape: { ...DEFAULT_SHAPE, syncChance: 1 } },
  { seed: 22, label: 'no write synced', shape: { ...DEFAULT_SHAPE, syncChance: 0 } },
  { seed: 23, label: 'three keys, overwritten and deleted over and over', shape: { ...DEFAULT_SHAPE, keySpace: 3 } },
  { seed: 24, label: 'longer phases over more keys', shape: { ...DEFAULT_SHAPE, writesPerPhase: 16, keySpace: 400, syncChance: 0.1 } }
]

/** A tenth of the calls outside the sync family are crash points too. */
const SAMPLE_RATE = 0.1

describe('power loss at every sync point (contract 3)', () => {
  let points = 0
  let checks = 0
  for (const c of CASES) {
    test(`seed ${c.seed}: ${c.label}`, async () => {
      const workload = generateWorkload(c.seed, c.shape)
      const r = await exploreWorkload({ workload, modes: ['powerLoss', 'processCrash'], sampleRate: SAMPLE_RATE })
      assert.equal(r.failures, 0)
      // The workload has what the issue asks for, so the crash points cover it.
      assert.ok(r.trace.barriers.filter((b) => b.kind === 'flush').length >= 4, 'several flushes')
      assert.ok(r.trace.deepestLevel >= 2, `compactions reach level 2 (deepest ${r.trace.deepestLevel})`)
      assert.ok(r.manifestRotations >= 1, 'the MANIFEST is rewritten by size at least once')
      assert.ok(r.trace.reopens >= 1, 'a reopen')
      const sync = workload.writes.filter((w) => w.sync).length
      if (c.shape.syncChance === 1) assert.equal(sync, workload.writes.length)
      else if (c.shape.syncChance === 0) assert.equal(sync, 0)
      else assert.ok(sync > 0 && sync < workload.writes.length, 'writes with and without sync')
      assert.ok(workload.writes.some((w) => w.batch), 'batches')
      assert.ok(workload.writes.some((w) => w.mutations.some((m) => m.kind === 'del')), 'deletes')
      // Every call of the sync family was a crash point, and the crash points tell states apart:
      // some recover exactly what had to survive, others more.
      assert.ok(r.syncPoints >= 100, `${r.syncPoints} sync-family crash points`)
      const renames = r.currentRenames
      assert.ok(renames >= 3 && (r.pointsByOp.rename ?? 0) >= renames, `every rename over CURRENT (${renames}) is a crash point`)
      assert.ok((r.pointsByOp.sync ?? 0) > 0 && (r.pointsByOp.syncDir ?? 0) > 0, 'syncs and directory syncs are crash points')
      assert.ok(r.points > r.syncPoints, 'sampled crash points besides the sync family')
      assert.ok(r.atLowerBound > 0 && r.aboveLowerBound > 0, `${r.atLowerBound} at the bound, ${r.aboveLowerBound} above`)
      points += r.points
      checks += r.checks
    })
  }

  test('at least 2,000 crash points were checked', () => {
    console.log(`crash points checked: ${points} (power loss and process crash at each: ${checks} recoveries)`)
    assert.ok(points >= 2000, `${points} crash points`)
  })
})

describe('a crash during recovery from a crash', () => {
  let points = 0
  for (const seed of [1, 21]) {
    test(`seed ${seed}: every call of the recovery from 12 crashed disks`, async () => {
      const workload = generateWorkload(seed, seed === 21 ? { ...DEFAULT_SHAPE, syncChance: 1 } : DEFAULT_SHAPE)
      const r = await exploreRecoveryCrashes({ workload, states: 12, modes: ['powerLoss', 'dropUnsyncedData', 'deleteUnsyncedFiles'] })
      assert.equal(r.failures, 0)
      assert.equal(r.states, 12)
      // Each recovery writes tables, a MANIFEST and CURRENT: dozens of calls to cut.
      assert.ok(r.points >= 12 * 20, `${r.points} crash points in recoveries`)
      points += r.points
    })
  }

  test('crash points counted', () => {
    console.log(`crash points checked: ${points} (inside recoveries, three ways each)`)
  })
})
