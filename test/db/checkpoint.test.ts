// DB.checkpoint: an openable copy of a live database at one sequence, taken while writes go on.
// Each checkpoint is compared with a snapshot taken in the same synchronous step, which reads
// exactly the state the checkpoint pins.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ClassicLevel } from 'classic-level'
import { DB } from '../../src/db/db.js'
import type { Snapshot } from '../../src/db/api.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { fileSystemError, systemError } from '../../src/env/env.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { Random } from '../../src/util/random.js'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { bytes, entriesOf, errorCode, removeTempDir, scan, str, tableFileNames, tempDir } from './helpers.js'

function snapshotEntries (db: DB, snapshot: Snapshot): Array<[string, string]> {
  return scan(db, { snapshot }).map(([k, v]) => [str(k), str(v)])
}

/** Random puts, overwrites, deletes and batches; not awaited, so they run while a checkpoint copies. */
function writeSome (db: DB, rnd: Random, n: number): Array<Promise<void>> {
  const out: Array<Promise<void>> = []
  for (let i = 0; i < n; i++) {
    const k = `k${String(rnd.uniform(400)).padStart(4, '0')}`
    const r = rnd.uniform(10)
    if (r < 6) out.push(db.put(bytes(k), bytes(`v${i}-${'x'.repeat(rnd.uniform(200))}`)))
    else if (r < 8) out.push(db.del(bytes(k)))
    else {
      const b = new WriteBatch()
      for (let j = 0; j < 5; j++) b.put(bytes(`${k}.${j}`), bytes(`b${i}`))
      b.del(bytes(`k${String(rnd.uniform(400)).padStart(4, '0')}`))
      out.push(db.write(b))
    }
  }
  return out
}

test('a checkpoint taken during writes, flushes and compactions opens as exactly its sequence', async () => {
  for (const seed of [1, 2]) {
    const env = new MemEnv()
    const rnd = new Random(seed)
    const db = await DB.open('/db', { env, writeBufferSize: 2048, maxFileSize: 4096, backgroundWorkers: false })
    try {
      const taken: Array<{ dir: string, expected: Array<[string, string]>, sequence: number }> = []
      for (let round = 0; round < 12; round++) {
        const writes = writeSome(db, rnd, 40)
        await Promise.all(writes.slice(0, 20))
        // One synchronous step: the snapshot and the checkpoint's pin see the same state.
        const snap = db.snapshot()
        const dir = `/cp/${round}`
        const done = db.checkpoint(dir)
        const more = writeSome(db, rnd, 30)
        const result = await done
        assert.equal(result.sequence, snap.sequence, `seed ${seed} round ${round}: pinned where the snapshot was taken`)
        taken.push({ dir, expected: snapshotEntries(db, snap), sequence: result.sequence })
        snap.close()
        await Promise.all([...writes, ...more])
      }
      await db.compactRange()
      for (const t of taken) {
        assert.deepEqual(await entriesOf(env, t.dir), t.expected, `seed ${seed} ${t.dir}`)
        // Reopened, the checkpoint knows its own sequence.
        const cp = await DB.open(t.dir, { env, createIfMissing: false })
        assert.equal(cp.snapshot().sequence, t.sequence, `seed ${seed} ${t.dir}: sequence`)
        await cp.close()
      }
    } finally {
      await db.close()
    }
  }
})

test('a checkpoint with worker threads, its tables linked, survives the source compacting them away', async () => {
  const env = new MemEnv()
  const db = await DB.open('/db', { env, writeBufferSize: 4096 })
  try {
    const rnd = new Random(7)
    await Promise.all(writeSome(db, rnd, 300))
    await db.flush()
    await Promise.all(writeSome(db, rnd, 20))
    const snap = db.snapshot()
    const result = await db.checkpoint('/cp')
    const expected = snapshotEntries(db, snap)
    snap.close()
    assert.ok(result.tablesLinked > 0, 'tables were linked')
    assert.equal(result.tablesCopied, 0)
    const linked = tableFileNames(env, '/cp')
    await Promise.all(writeSome(db, rnd, 300))
    await db.compactRange()
    assert.ok(linked.some((name) => !env.fileExists(`/db/${name}`)), 'the source compacted some linked table away')
    assert.deepEqual(await entriesOf(env, '/cp'), expected)
  } finally {
    await db.close()
  }
})

test('checkpoint refuses a target that is not empty, and accepts an empty directory', async () => {
  const env = new MemEnv()
  const db = await DB.open('/db', { env })
  try {
    await db.put(bytes('a'), bytes('1'))
    env.createDir('/full')
    env.newWritableFile('/full/x').close()
    assert.equal(errorCode(await db.checkpoint('/full').catch((e: unknown) => e)), 'LEVEL_INVALID_ARGUMENT')
    assert.deepEqual(env.getChildren('/full'), ['x'])
    assert.equal(errorCode(await db.checkpoint('/db').catch((e: unknown) => e)), 'LEVEL_INVALID_ARGUMENT')
    env.createDir('/empty')
    await db.checkpoint('/empty')
    assert.deepEqual(await entriesOf(env, '/empty'), [['a', '1']])
  } finally {
    await db.close()
  }
  assert.equal(errorCode(await db.checkpoint('/later').catch((e: unknown) => e)), 'LEVEL_DATABASE_NOT_OPEN')
})

/** A MemEnv on which every hard link fails as across devices. */
class NoLinkEnv extends MemEnv {
  override linkFile (from: string, to: string): void {
    throw fileSystemError('link', `${from} -> ${to}`, systemError('EXDEV', 'link', from))
  }
}

test('where links fail (EXDEV), tables are copied', async () => {
  const env = new NoLinkEnv()
  const db = await DB.open('/db', { env, writeBufferSize: 4096, backgroundWorkers: false })
  try {
    await Promise.all(writeSome(db, new Random(3), 200))
    await db.flush()
    const snap = db.snapshot()
    const result = await db.checkpoint('/cp')
    const expected = snapshotEntries(db, snap)
    snap.close()
    assert.equal(result.tablesLinked, 0)
    assert.ok(result.tablesCopied > 0)
    assert.ok(result.bytesWritten > 0)
    assert.deepEqual(await entriesOf(env, '/cp'), expected)
  } finally {
    await db.close()
  }
})

test('a checkpoint on disk opens in classic-level with the same entries; tables are hard links', async () => {
  const dir = tempDir('shale-checkpoint')
  try {
    const db = await DB.open(`${dir}/db`, { writeBufferSize: 8192 })
    const rnd = new Random(11)
    await Promise.all(writeSome(db, rnd, 500))
    await db.compactRange()
    await Promise.all(writeSome(db, rnd, 50))
    const snap = db.snapshot()
    const result = await db.checkpoint(`${dir}/cp`)
    const expected = snapshotEntries(db, snap)
    snap.close()
    await Promise.all(writeSome(db, rnd, 50))
    await db.close()
    assert.ok(result.tablesLinked > 0)
    const { statSync } = await import('node:fs')
    for (const name of tableFileNames(new NodeEnv(), `${dir}/cp`)) {
      assert.ok(statSync(`${dir}/cp/${name}`).nlink >= 2, `${name} is a link`)
    }
    const classic = new ClassicLevel<Buffer, Buffer>(`${dir}/cp`, { createIfMissing: false, keyEncoding: 'buffer', valueEncoding: 'buffer' })
    await classic.open()
    const got: Array<[string, string]> = []
    for await (const [k, v] of classic.iterator()) got.push([str(k), str(v)])
    await classic.close()
    assert.deepEqual(got, expected)
    assert.deepEqual(await entriesOf(new NodeEnv(), `${dir}/cp`), expected)
  } finally {
    removeTempDir(dir)
  }
})

test('ShaleLevel.checkpoint waits while opening and fails when closed', async () => {
  const dir = tempDir('shale-checkpoint-level')
  try {
    const db = new ShaleLevel(`${dir}/db`)
    const done = db.checkpoint(`${dir}/early`)
    await done
    await db.put('k', 'v')
    await db.checkpoint(`${dir}/cp`)
    await db.close()
    assert.equal(errorCode(await db.checkpoint(`${dir}/late`).catch((e: unknown) => e)), 'LEVEL_DATABASE_NOT_OPEN')
    const cp = new ShaleLevel(`${dir}/cp`, { createIfMissing: false })
    assert.equal(await cp.get('k'), 'v')
    await cp.close()
    const early = new ShaleLevel(`${dir}/early`, { createIfMissing: false })
    assert.deepEqual(await early.keys().all(), [])
    await early.close()
  } finally {
    removeTempDir(dir)
  }
})
