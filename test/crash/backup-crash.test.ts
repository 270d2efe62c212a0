// Power loss in the middle of a checkpoint and of backups, at every call that changes the target
// (every create, append, sync, close, rename, link, mkdir and directory sync under /cp or /bk).
// The workload writes, takes a checkpoint, writes more, and takes two backups, with memtables and
// MANIFESTs small enough that the database flushes, compacts and rewrites its MANIFEST on the way.
// After each cut, whatever the target holds is either not openable (no CURRENT, no backup
// manifest) or complete: the checkpoint opens as exactly the model at its sequence, and every
// listed backup verifies and restores to the model at its own.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Backup } from '../../src/backup/backup.js'
import { DB } from '../../src/db/db.js'
import { exploreCrashPoints, type FileCall } from '../../src/env/fault-env.js'
import { MemEnv, type CrashMode } from '../../src/env/mem-env.js'
import type { Env } from '../../src/env/env.js'
import { listIds } from '../../src/backup/store.js'
import { bytes, errorCode, scan, str } from '../db/helpers.js'
import { withVirtualTime } from '../../harness/crash/runner.js'

type Entries = Array<[string, string]>

/** The writes of phase `p`: puts over a small key space, every seventh a delete. */
function phase (p: number, n: number): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = []
  for (let i = 0; i < n; i++) {
    const k = `key${String((i * 37 + p * 11) % 120).padStart(4, '0')}`
    out.push([k, i % 7 === 6 ? undefined : `p${p}-${i}-${'x'.repeat(40 + (i % 30))}`])
  }
  return out
}

const PHASES = [phase(0, 260), phase(1, 90), phase(2, 60)]

/** The model after the first `phases` phases. */
function modelAfter (phases: number): Entries {
  const m = new Map<string, string>()
  for (const ph of PHASES.slice(0, phases)) {
    for (const [k, v] of ph) {
      if (v === undefined) m.delete(k)
      else m.set(k, v)
    }
  }
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))
}

const EXPECTED_CHECKPOINT = modelAfter(1)
const EXPECTED_BACKUP = [modelAfter(2), modelAfter(3)]

/** On a FaultEnv, in virtual time (runner.ts), so that every rerun issues the same calls. */
async function workload (env: Env): Promise<void> {
  await withVirtualTime(env, async () => { await runWorkload(env) })
}

async function runWorkload (env: Env): Promise<void> {
  const db = await DB.open('/db', { env, writeBufferSize: 2048, maxFileSize: 4096, maxManifestFileSize: 1024, backgroundWorkers: false })
  try {
    const apply = async (p: number): Promise<void> => {
      for (const [k, v] of PHASES[p]!) {
        if (v === undefined) await db.del(bytes(k))
        else await db.put(bytes(k), bytes(v))
      }
    }
    await apply(0)
    await db.checkpoint('/cp')
    await apply(1)
    await Backup.create(db, '/bk', { env })
    await apply(2)
    await Backup.create(db, '/bk', { env })
  } finally {
    await db.close()
  }
}

async function entriesOf (env: Env, dir: string): Promise<Entries> {
  const db = await DB.open(dir, { env, createIfMissing: false, paranoidChecks: true })
  try {
    return scan(db).map(([k, v]) => [str(k), str(v)])
  } finally {
    await db.close()
  }
}

const CHANGES = new Set(['create', 'append', 'sync', 'close', 'rename', 'link', 'mkdir', 'syncDir', 'remove'])

function inTarget (call: FileCall): boolean {
  return CHANGES.has(call.op) && /(^|[ >])\/(cp|bk)(\/|$)/.test(call.path)
}

async function explore (mode: CrashMode): Promise<{ points: number, checkpoints: number, backups: number[] }> {
  let checkpoints = 0
  const backups = [0, 0, 0]
  const points = await exploreCrashPoints({
    setup: () => new MemEnv(),
    workload,
    filter: inTarget,
    mode,
    check: async ({ call, env }) => {
      const where = `${mode} after call ${call.index} (${call.op} ${call.path})`
      if (env.fileExists('/cp/CURRENT') && str(env.readFile('/cp/CURRENT')).startsWith('MANIFEST-')) {
        assert.deepEqual(await entriesOf(env, '/cp'), EXPECTED_CHECKPOINT, `${where}: checkpoint`)
        checkpoints++
      } else if (env.fileExists('/cp') && env.getChildren('/cp').length > 0) {
        // Not even an open that may create a database succeeds on a checkpoint cut short.
        const err = await DB.open('/cp', { env }).then(async (db) => { await db.close(); return undefined }, (e: unknown) => e)
        assert.equal(errorCode(err), 'LEVEL_CORRUPTION', `${where}: an unfinished checkpoint opened`)
      }
      const ids = listIds(env, '/bk')
      backups[ids.length]!++
      for (const id of ids) {
        const [result] = await Backup.verify('/bk', id, { env })
        assert.deepEqual(result!.problems, [], `${where}: backup ${id} verifies`)
        await Backup.restore('/bk', id, `/restored${id}`, { env })
        assert.deepEqual(await entriesOf(env, `/restored${id}`), EXPECTED_BACKUP[id - 1], `${where}: backup ${id}`)
      }
    }
  })
  return { points: points.length, checkpoints, backups }
}

test('power loss at every call that writes a checkpoint or a backup: nothing, or the whole state', async () => {
  const r = await explore('powerLoss')
  console.log(`# backup crash points: ${r.points}, checkpoint complete at ${r.checkpoints}, with 0/1/2 backups: ${r.backups.join("/")}`)
  // The explored cuts reach every stage: no checkpoint yet, a complete one, and zero, one and two backups.
  assert.ok(r.points >= 60, `${r.points} crash points`)
  assert.ok(r.checkpoints > 0 && r.checkpoints < r.points, `checkpoint complete at ${r.checkpoints} of ${r.points}`)
  assert.ok(r.backups.every((n) => n > 0), `points with 0, 1, 2 backups: ${r.backups.join(', ')}`)
})

test('the workload flushes, compacts and rewrites its MANIFEST before and between the copies', async () => {
  const env = new MemEnv()
  await workload(env)
  const names = env.getChildren('/db')
  const manifest = names.find((n) => n.startsWith('MANIFEST-'))!
  assert.ok(Number(manifest.slice('MANIFEST-'.length)) > 2, `the MANIFEST was rewritten (${manifest})`)
  const db = await DB.open('/db', { env })
  try {
    assert.ok(Number(db.getProperty('shale.num-files-at-level1')) + Number(db.getProperty('shale.num-files-at-level2')) > 0, 'compacted')
  } finally {
    await db.close()
  }
  assert.deepEqual(await entriesOf(env, '/cp'), EXPECTED_CHECKPOINT)
})
