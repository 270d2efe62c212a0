// Gets issued together read missing blocks on read workers (src/db/read-pool.ts): the results are
// exactly getSync()'s at the time of each call, snapshots and the Version a get started with hold
// while it waits, a damaged block is an error and never data, and with readWorkers 0 nothing
// leaves the calling thread.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, openSync, readSync, rmSync, writeSync, closeSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { DB } from '../../src/db/db.js'
import { readCounts } from '../../src/db/read-pool.js'
import { Random } from '../../src/util/random.js'
import { bytes, errorCode, str } from './helpers.js'

const N = 20_000
/** A small block cache, so that most gets miss it. */
const OPTIONS = { cacheSize: 64 * 1024, writeBufferSize: 256 * 1024, maxFileSize: 256 * 1024 }

function keyOf (i: number): Uint8Array {
  return bytes(`k${String(i).padStart(8, '0')}`)
}

function valueOf (i: number, round: number): Uint8Array {
  return bytes(`v${i}-${round}-${'x'.repeat(80)}`)
}

/** A database of N keys (every tenth deleted) on disk, closed and reopened so the cache is cold. */
async function filled (dir: string, readWorkers: number): Promise<DB> {
  const db = await DB.open(dir, OPTIONS)
  for (let i = 0; i < N; i++) await db.put(keyOf(i), valueOf(i, 0))
  for (let i = 0; i < N; i += 10) await db.del(keyOf(i))
  await db.close()
  return await DB.open(dir, { ...OPTIONS, readWorkers })
}

function expected (i: number): string | undefined {
  return i % 10 === 0 || i >= N ? undefined : str(valueOf(i, 0))
}

async function withDir (fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'shale-read-workers-'))
  try {
    await fn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Issues `count` gets in one synchronous loop (so they count as issued together) and awaits them. */
async function together (db: DB, indexes: number[]): Promise<Array<string | undefined>> {
  const pending = indexes.map(async (i) => await db.get(keyOf(i)))
  return (await Promise.all(pending)).map((v) => v === undefined ? undefined : str(v))
}

describe('read workers', () => {
  test('gets in flight read blocks off the thread and return what getSync returns', async () => {
    await withDir(async (dir) => {
      const db = await filled(dir, 2)
      try {
        const seed = 7
        const rnd = new Random(seed)
        const before = readCounts.offThread
        for (let round = 0; round < 20; round++) {
          const indexes = Array.from({ length: 64 }, () => rnd.uniform(N + 100))
          const got = await together(db, indexes)
          for (let j = 0; j < indexes.length; j++) {
            assert.equal(got[j], expected(indexes[j]!), `seed ${seed}, round ${round}, key ${indexes[j]}`)
          }
        }
        assert.ok(readCounts.offThread - before > 100, `only ${readCounts.offThread - before} blocks were read off the thread`)
      } finally {
        await db.close()
      }
    })
  })

  test('a get keeps the state of its call while its block is read: later writes are not seen', async () => {
    await withDir(async (dir) => {
      const db = await filled(dir, 1)
      try {
        const indexes = Array.from({ length: 64 }, (_, j) => 1 + j * 97)
        const pending = together(db, indexes)
        // Written before the gets' blocks come back: the gets were issued first and must not see it.
        const writes = indexes.map(async (i) => { await db.put(keyOf(i), valueOf(i, 1)) })
        const got = await pending
        await Promise.all(writes)
        for (let j = 0; j < indexes.length; j++) assert.equal(got[j], expected(indexes[j]!), `key ${indexes[j]}`)
        const after = await together(db, indexes)
        for (let j = 0; j < indexes.length; j++) assert.equal(after[j], str(valueOf(indexes[j]!, 1)), `key ${indexes[j]} after the writes`)
      } finally {
        await db.close()
      }
    })
  })

  test('a compaction that replaces the tables under waiting gets does not disturb them', async () => {
    await withDir(async (dir) => {
      const db = await filled(dir, 2)
      try {
        const rnd = new Random(11)
        const indexes = Array.from({ length: 256 }, () => rnd.uniform(N))
        const pending = together(db, indexes)
        const compaction = db.compactRange()
        const got = await pending
        await compaction
        for (let j = 0; j < indexes.length; j++) assert.equal(got[j], expected(indexes[j]!), `seed 11, key ${indexes[j]}`)
        const again = await together(db, indexes)
        for (let j = 0; j < indexes.length; j++) assert.equal(again[j], expected(indexes[j]!), `seed 11, key ${indexes[j]} after the compaction`)
      } finally {
        await db.close()
      }
    })
  })

  test('a damaged block read on a worker is LEVEL_CORRUPTION naming the table, never data', async () => {
    await withDir(async (dir) => {
      const db = await filled(dir, 2)
      await db.close()
      // Damage the middle of every table's data area.
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.ldb'))) {
        const fd = openSync(join(dir, name), 'r+')
        try {
          const b = Buffer.alloc(1)
          readSync(fd, b, 0, 1, 100)
          b[0] = b[0]! ^ 0xff
          writeSync(fd, b, 0, 1, 100)
        } finally {
          closeSync(fd)
        }
      }
      const damaged = await DB.open(dir, { ...OPTIONS, readWorkers: 2 })
      try {
        const before = readCounts.offThread
        const indexes = Array.from({ length: N / 50 }, (_, j) => j * 50 + 1)
        const results = await Promise.allSettled(indexes.map(async (i) => await damaged.get(keyOf(i))))
        let errors = 0
        for (let j = 0; j < results.length; j++) {
          const r = results[j]!
          if (r.status === 'rejected') {
            errors++
            assert.equal(errorCode(r.reason), 'LEVEL_CORRUPTION')
            assert.match(String((r.reason as Error).message), /\.ldb/)
          } else {
            assert.equal(r.value === undefined ? undefined : str(r.value), expected(indexes[j]!), `key ${indexes[j]}`)
          }
        }
        assert.ok(errors > 0, 'no get met the damaged blocks')
        assert.ok(readCounts.offThread > before, 'no block was read off the thread')
      } finally {
        await damaged.close()
      }
    })
  })

  test('with readWorkers 0 every block is read on the calling thread', async () => {
    await withDir(async (dir) => {
      const db = await filled(dir, 0)
      try {
        const before = readCounts.offThread
        const indexes = Array.from({ length: 512 }, (_, j) => j * 37 % N)
        const got = await together(db, indexes)
        for (let j = 0; j < indexes.length; j++) assert.equal(got[j], expected(indexes[j]!), `key ${indexes[j]}`)
        assert.equal(readCounts.offThread, before)
      } finally {
        await db.close()
      }
    })
  })

  test('closing with gets in flight settles every get', async () => {
    await withDir(async (dir) => {
      const db = await filled(dir, 2)
      const indexes = Array.from({ length: 256 }, (_, j) => j * 71 % N)
      const pending = Promise.allSettled(indexes.map(async (i) => await db.get(keyOf(i))))
      await db.close()
      const results = await pending
      for (let j = 0; j < results.length; j++) {
        const r = results[j]!
        if (r.status === 'fulfilled') assert.equal(r.value === undefined ? undefined : str(r.value), expected(indexes[j]!))
        else assert.equal(errorCode(r.reason), 'LEVEL_DATABASE_NOT_OPEN')
      }
    })
  })

  test('idle read workers do not keep the process alive', async () => {
    await withDir(async (dir) => {
      const db = await filled(dir, 2)
      await db.close()
      const dbModule = fileURLToPath(new URL('../../src/db/db.js', import.meta.url))
      // Once with gets issued together (blocks read on the workers), once with getSync only.
      for (const get of ['await Promise.all(keys.map((k) => db.get(k)))', 'keys.map((k) => db.getSync(k))']) {
        const script = `
          const { DB } = await import(${JSON.stringify(dbModule)})
          const db = await DB.open(${JSON.stringify(dir)}, { cacheSize: 65536, readWorkers: 2 })
          const keys = Array.from({ length: 64 }, (_, j) => new TextEncoder().encode('k' + String(j * 97).padStart(8, '0')))
          const got = ${get}
          console.log(got.filter((v) => v !== undefined).length)
          await db.close()`
        const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 })
        assert.equal(child.error, undefined, `${get}: the process did not exit by itself within 30 s`)
        assert.equal(child.status, 0, child.stderr)
        assert.equal(child.stdout.trim(), '57', get)
      }
    })
  })
})
