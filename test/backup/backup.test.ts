// Backup: create, list, verify, restore and purge, on a MemEnv (and once on disk). Each backup is
// compared with a snapshot taken in the same synchronous step as the backup's pin.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Backup } from '../../src/backup/backup.js'
import { DB } from '../../src/db/db.js'
import { MemEnv } from '../../src/env/mem-env.js'
import type { Env } from '../../src/env/env.js'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { Random } from '../../src/util/random.js'
import { bytes, errorCode, randomString, removeTempDir, scan, str, tempDir } from '../db/helpers.js'

type Entries = Array<[string, string]>

async function entriesOf (env: Env, dir: string): Promise<Entries> {
  const db = await DB.open(dir, { env, createIfMissing: false })
  try {
    return scan(db).map(([k, v]) => [str(k), str(v)])
  } finally {
    await db.close()
  }
}

async function fill (db: DB, rnd: Random, n: number, keySpace = 2000): Promise<void> {
  const writes: Array<Promise<void>> = []
  for (let i = 0; i < n; i++) {
    const k = bytes(`key${String(rnd.uniform(keySpace)).padStart(6, '0')}`)
    if (rnd.oneIn(8)) writes.push(db.del(k))
    else writes.push(db.put(k, bytes(`value-${i}-${randomString(rnd, 20 + rnd.uniform(80))}`)))
  }
  await Promise.all(writes)
}

/** A backup taken in the same step as a snapshot, and what that snapshot reads. */
async function backupWithExpected (db: DB, env: Env, root: string): Promise<{ id: number, expected: Entries, bytesAdded: number }> {
  const snap = db.snapshot()
  const pending = Backup.create(db, root, { env })
  const info = await pending
  const expected = scan(db, { snapshot: snap }).map(([k, v]): [string, string] => [str(k), str(v)])
  assert.equal(info.sequence, snap.sequence, 'pinned where the snapshot was taken')
  snap.close()
  return { id: info.id, expected, bytesAdded: info.bytesAdded }
}

function corruptByte (env: MemEnv, path: string, offset: number): void {
  const data = env.readFile(path)
  data[offset]! ^= 0x40
  const f = env.newWritableFile(path)
  f.append(data)
  f.sync()
  f.close()
}

test('a second backup after 1% new writes copies only the new tables; every backup restores to its state', async () => {
  const env = new MemEnv()
  const db = await DB.open('/db', { env, writeBufferSize: 16 << 10, maxFileSize: 32 << 10, backgroundWorkers: false })
  const rnd = new Random(5)
  try {
    await fill(db, rnd, 4000)
    await db.compactRange()
    await fill(db, rnd, 100)
    const first = await backupWithExpected(db, env, '/bk')
    const sharedAfterFirst = env.getChildren('/bk/shared').length
    await fill(db, rnd, 40, 100000)
    await db.flush()
    await fill(db, rnd, 5, 100000)
    const second = await backupWithExpected(db, env, '/bk')
    const newTables = env.getChildren('/bk/shared').length - sharedAfterFirst
    assert.ok(newTables >= 1 && newTables <= 2, `only the new tables were copied (${newTables})`)
    assert.ok(second.bytesAdded * 10 < first.bytesAdded, `second backup added ${second.bytesAdded} bytes, first ${first.bytesAdded}`)

    const list = await Backup.list('/bk', { env })
    assert.deepEqual(list.map((b) => b.id), [1, 2])
    assert.ok(list[1]!.sequence > list[0]!.sequence)
    const verified = await Backup.verify('/bk', undefined, { env })
    assert.deepEqual(verified.map((v) => [v.id, v.ok, v.problems]), [[1, true, []], [2, true, []]])
    assert.ok(verified[0]!.blocksChecked > verified[0]!.tablesChecked)

    for (const b of [first, second]) {
      const result = await Backup.restore('/bk', b.id, `/restored/${b.id}`, { env })
      assert.equal(result.tablesLinked, 0, 'a restore copies')
      assert.deepEqual(await entriesOf(env, `/restored/${b.id}`), b.expected, `backup ${b.id}`)
    }
    assert.equal(errorCode(await Backup.restore('/bk', 1, '/restored/1', { env }).catch((e: unknown) => e)), 'LEVEL_INVALID_ARGUMENT')
    assert.equal(errorCode(await Backup.restore('/bk', 9, '/restored/9', { env }).catch((e: unknown) => e)), 'LEVEL_CORRUPTION')
  } finally {
    await db.close()
  }
})

test('a damaged table, log or manifest is found by verify; restore refuses it and writes nothing', async () => {
  const env = new MemEnv()
  const db = await DB.open('/db', { env, writeBufferSize: 16 << 10, backgroundWorkers: false })
  try {
    await fill(db, new Random(9), 1500)
    await db.flush()
    await fill(db, new Random(10), 50)
    await Backup.create(db, '/bk', { env })
    await Backup.create(db, '/bk', { env })
  } finally {
    await db.close()
  }
  const tables = env.getChildren('/bk/shared')
  const victim = `/bk/shared/${tables[0]!}`
  const size = env.getFileSize(victim)
  // Block checksums cover every byte but the footer's padding, which the file's checksum covers.
  for (const offset of [0, Math.floor(size / 3), Math.floor(size / 2), size - 60, size - 10, size - 1]) {
    const copy = env.clone()
    corruptByte(copy, victim, offset)
    const results = await Backup.verify('/bk', undefined, { env: copy })
    for (const r of results) {
      assert.equal(r.ok, false, `offset ${offset} of ${size} in ${victim}: backup ${r.id} names the damaged table ${JSON.stringify(r)}`)
      assert.match(r.problems.join('\n'), new RegExp(tables[0]!.replace('.', '\\.')), `offset ${offset}`)
    }
    const err = await Backup.restore('/bk', 2, '/target', { env: copy }).catch((e: unknown) => e)
    assert.equal(errorCode(err), 'LEVEL_CORRUPTION', `offset ${offset}`)
    assert.equal(copy.fileExists('/target'), false, 'nothing written')
  }

  const badLog = env.clone()
  corruptByte(badLog, '/bk/backups/000001.log', 20)
  const logResults = await Backup.verify('/bk', undefined, { env: badLog })
  assert.deepEqual(logResults.map((r) => r.ok), [false, true])

  const badManifest = env.clone()
  corruptByte(badManifest, '/bk/backups/000002.json', 60)
  assert.deepEqual((await Backup.verify('/bk', 2, { env: badManifest }))[0]!.ok, false)
  assert.equal(errorCode(await Backup.list('/bk', { env: badManifest }).catch((e: unknown) => e)), 'LEVEL_CORRUPTION')
})

test('purge keeps the newest backups and deletes every file only older ones named', async () => {
  const env = new MemEnv()
  const db = await DB.open('/db', { env, writeBufferSize: 8 << 10, backgroundWorkers: false })
  const rnd = new Random(3)
  const taken: Array<{ id: number, expected: Entries }> = []
  try {
    for (let round = 0; round < 4; round++) {
      await fill(db, rnd, 600)
      if (round === 2) await db.compactRange()
      taken.push(await backupWithExpected(db, env, '/bk'))
    }
  } finally {
    await db.close()
  }
  // Leftovers of an interrupted backup: a temp table and a log without a manifest.
  env.newWritableFile('/bk/shared/000099_10_00000000.ldb.tmp').close()
  env.newWritableFile('/bk/backups/000005.log').close()
  const before = env.getChildren('/bk/shared').length
  const purged = await Backup.purge('/bk', 2, { env })
  assert.deepEqual(purged.removed, [1, 2])
  assert.deepEqual(purged.kept, [3, 4])
  assert.ok(env.getChildren('/bk/shared').length < before)
  assert.deepEqual(env.getChildren('/bk/backups'), ['000003.json', '000003.log', '000004.json', '000004.log'])
  assert.ok(!env.getChildren('/bk/shared').some((n) => n.endsWith('.tmp')))
  assert.deepEqual((await Backup.verify('/bk', undefined, { env })).map((r) => r.ok), [true, true])
  for (const t of taken.slice(2)) {
    await Backup.restore('/bk', t.id, `/r${t.id}`, { env })
    assert.deepEqual(await entriesOf(env, `/r${t.id}`), t.expected)
  }
  // A new backup after a purge takes the next id.
  const db2 = await DB.open('/db', { env })
  try {
    assert.equal((await Backup.create(db2, '/bk', { env })).id, 5)
  } finally {
    await db2.close()
  }
  assert.equal(errorCode(await Backup.purge('/bk', -1, { env }).catch((e: unknown) => e)), 'LEVEL_INVALID_ARGUMENT')
})

test('two databases whose table numbers coincide share one store without mixing', async () => {
  const env = new MemEnv()
  const expected: Entries[] = []
  for (const name of ['a', 'b']) {
    const db = await DB.open(`/${name}`, { env, writeBufferSize: 8 << 10, backgroundWorkers: false })
    try {
      await fill(db, new Random(name === 'a' ? 1 : 2), 800)
      await db.flush()
      if (name === 'a') {
        // The store is locked while a backup writes to it.
        const running = backupWithExpected(db, env, '/bk')
        assert.equal(errorCode(await Backup.purge('/bk', 0, { env }).catch((e: unknown) => e)), 'LEVEL_LOCKED')
        expected.push((await running).expected)
      } else {
        expected.push((await backupWithExpected(db, env, '/bk')).expected)
      }
    } finally {
      await db.close()
    }
  }
  for (const id of [1, 2]) {
    await Backup.restore('/bk', id, `/r${id}`, { env })
    assert.deepEqual(await entriesOf(env, `/r${id}`), expected[id - 1])
  }
})

test('a ShaleLevel on disk: a backup waits for open, restores, and fails once closed', async () => {
  const dir = tempDir('shale-backup')
  try {
    const db = new ShaleLevel(`${dir}/db`, { writeBufferSize: 4096 })
    const early = Backup.create(db, `${dir}/bk`)
    for (let i = 0; i < 300; i++) await db.put(`k${i}`, `v${i}`)
    await early
    const info = await Backup.create(db, `${dir}/bk`)
    await db.close()
    assert.equal(errorCode(await Backup.create(db, `${dir}/bk`).catch((e: unknown) => e)), 'LEVEL_DATABASE_NOT_OPEN')
    const r = await Backup.restore(`${dir}/bk`, info.id, `${dir}/restored`)
    assert.equal(r.sequence, info.sequence)
    const restored = new ShaleLevel(`${dir}/restored`, { createIfMissing: false })
    assert.equal((await restored.keys().all()).length, 300)
    assert.equal(await restored.get('k299'), 'v299')
    await restored.close()
    const empty = await Backup.restore(`${dir}/bk`, 1, `${dir}/first`)
    assert.equal(empty.sequence, 0)
    assert.deepEqual((await Backup.verify(`${dir}/bk`)).map((v) => v.ok), [true, true])
  } finally {
    removeTempDir(dir)
  }
})

test('backups taken while flushes, compactions and MANIFEST rewrites run (worker threads) restore to their state', async () => {
  const env = new MemEnv()
  const db = await DB.open('/db', { env, writeBufferSize: 1024, maxFileSize: 2048, maxManifestFileSize: 1024 })
  const rnd = new Random(17)
  const manifests = new Set<string>()
  const taken: Array<{ id: number, expected: Entries }> = []
  try {
    for (let round = 0; round < 15; round++) {
      // One write at a time, so that each can fill and switch a memtable.
      const writes = (async () => { for (let i = 0; i < 60; i++) await fill(db, rnd, 1, 300) })()
      for (let i = 0; i < 1 + (round % 4); i++) await new Promise((resolve) => setImmediate(resolve))
      taken.push(await backupWithExpected(db, env, '/bk'))
      for (const n of env.getChildren('/db')) if (n.startsWith('MANIFEST-')) manifests.add(n)
      await writes
    }
    assert.ok(manifests.size >= 3, `the MANIFEST was rewritten while backups ran (${[...manifests].join(', ')})`)
    let deeper = 0
    for (let level = 1; level < 7; level++) deeper += Number(db.getProperty(`shale.num-files-at-level${level}`))
    assert.ok(deeper > 0, 'compactions moved tables below level 0')
  } finally {
    await db.close()
  }
  for (const t of taken) {
    await Backup.restore('/bk', t.id, `/r${t.id}`, { env })
    assert.deepEqual(await entriesOf(env, `/r${t.id}`), t.expected, `backup ${t.id}`)
  }
})
