// The read-only open on real directories (NodeEnv): a database classic-level wrote, with and
// without classic-level holding it; a directory made read-only (0555, files 0444); a database
// another process holds and keeps writing to, where every view must be a prefix of that
// process's writes; and the bound on table files opened at open. "Nothing written" is proved by
// the directory's names, sizes and modification times, which root's writes would change too.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ClassicLevel } from 'classic-level'
import { DB } from '../../src/db/db.js'
import { FaultEnv } from '../../src/env/fault-env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { TABLE_CACHE_RESERVED_FILES } from '../../src/version/policy.js'
import { sortedModel, writeWithClassic } from '../interop/classic-fixture.js'
import { LineChild } from '../env/line-child.js'
import { assertSameEntries, bytes, dirState, key, memoryTempDir, removeTempDir, scan, str, tempDir } from './helpers.js'

const here = dirname(fileURLToPath(import.meta.url))
const dbUrl = pathToFileURL(join(here, '..', '..', 'src', 'db', 'db.js')).href
const KEYS = 300

// A child that holds the database and writes batches without pause until killed: batch i puts
// key(i % KEYS) = "i" and "last" = "i". Small memtables and tables, so that flushes, compactions,
// log and table deletions and MANIFEST edits come every few milliseconds. (Jobs run on the
// child's thread: worker threads cannot start in a \`node -e\` process given --input-type.)
const WRITER = `
const { DB } = await import(${JSON.stringify(dbUrl)})
const { WriteBatch } = await import(${JSON.stringify(dbUrl.replace('/db/db.js', '/dbformat/write-batch.js'))})
const enc = new TextEncoder()
const db = await DB.open(process.argv[1], { writeBufferSize: 4096, maxFileSize: 8192, backgroundWorkers: false })
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
for (let i = 0; ; i++) {
  const b = new WriteBatch()
  b.put(enc.encode('key' + String(i % ${KEYS}).padStart(6, '0')), enc.encode(String(i)))
  b.put(enc.encode('last'), enc.encode(String(i)))
  await db.write(b)
  if (i === 2000) process.stdout.write('ready\\n')
}
`

describe('read-only open on real directories', () => {
  let base: string
  before(() => { base = tempDir('readonly') })
  after(() => {
    // Undo the chmods so that the directory can be removed by a user that is not root.
    try { chmodSync(join(base, 'ro'), 0o755) } catch { /* not made */ }
    removeTempDir(base)
  })

  test('a database classic-level wrote, with writes left in its log, reads the same; nothing in the directory changes', async () => {
    const dir = join(base, 'classic')
    const model = await writeWithClassic(dir, {
      seed: 21, operations: 4000, keySpace: 3000, maxValue: 300, compression: true, writeBufferSize: 32 * 1024
    })
    assert.ok(readdirSync(dir).some((n) => n.endsWith('.log') && statSync(join(dir, n)).size > 0), 'writes in the log')
    const before = dirState(dir)
    const db = await DB.open(dir, { readOnly: true })
    try {
      assertSameEntries(scan(db), sortedModel(model), 'classic-level database, read-only')
    } finally {
      await db.close()
    }
    assert.deepEqual(dirState(dir), before)
  })

  test('while classic-level holds the database: its latest writes are seen, its lock is left alone', async () => {
    const dir = join(base, 'classic-held')
    const model = await writeWithClassic(dir, {
      seed: 22, operations: 1500, keySpace: 1000, maxValue: 200, compression: false, writeBufferSize: 16 * 1024
    })
    const classic = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    await classic.open()
    try {
      for (let i = 0; i < 30; i++) {
        const k = Buffer.from(`held${i}`)
        await classic.put(k, Buffer.from(`v${i}`))
        model.set(k.toString('hex'), Buffer.from(`v${i}`))
      }
      const before = dirState(dir)
      const db = await DB.open(dir, { readOnly: true })
      try {
        assertSameEntries(scan(db), sortedModel(model), 'read-only beside classic-level')
      } finally {
        await db.close()
      }
      assert.deepEqual(dirState(dir), before)
      // classic-level is undisturbed.
      assert.equal((await classic.get(Buffer.from('held29')))?.toString(), 'v29')
    } finally {
      await classic.close()
    }
  })

  test('a read-only directory (0555, files 0444): reads work, nothing changes, the modes stay', async () => {
    const dir = join(base, 'ro')
    const writer = await DB.open(dir, { writeBufferSize: 4096 })
    for (let i = 0; i < 1000; i++) await writer.put(bytes(key(i)), bytes(`v${i}`))
    await writer.close()
    for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o444)
    chmodSync(dir, 0o555)
    const before = dirState(dir)
    const env = new FaultEnv(new NodeEnv())
    const db = await DB.open(dir, { env, readOnly: true, createIfMissing: true })
    try {
      assert.equal(scan(db).length, 1000)
      assert.equal(str(db.getSync(bytes(key(999)))!), 'v999', 'the last writes, from the log')
    } finally {
      await db.close()
    }
    assert.deepEqual(dirState(dir), before)
    assert.equal(statSync(dir).mode & 0o777, 0o555)
    for (const op of ['create', 'append', 'sync', 'rename', 'remove', 'mkdir', 'rmdir', 'syncDir', 'lock'] as const) {
      assert.equal(env.counts[op], 0, `no ${op} call`)
    }
    // A writable open is refused there when the mode is enforced (not for root, who may write anyway).
    if (process.getuid?.() !== 0) await assert.rejects(DB.open(dir))
  })

  test('a missing directory is not created, whatever createIfMissing says', async () => {
    const dir = join(base, 'missing', 'db')
    await assert.rejects(DB.open(dir, { readOnly: true, createIfMissing: true }), /there is no database here/)
    assert.equal(readdirSync(base).includes('missing'), false)
  })

  test('table files are opened at open, at most as many as the table cache holds', async () => {
    const dir = memoryTempDir('readonly-tables')
    try {
      const writer = await DB.open(dir, { writeBufferSize: 1024, maxFileSize: 1024, compression: false })
      for (let i = 0; i < 3000; i++) await writer.put(bytes(key(i)), bytes('x'.repeat(100)))
      await writer.compactRange()
      const tables = readdirSync(dir).filter((n) => n.endsWith('.ldb')).length
      await writer.close()
      const maxOpenFiles = 74
      const capacity = maxOpenFiles - TABLE_CACHE_RESERVED_FILES
      assert.ok(tables > capacity, `${tables} tables, more than ${capacity}`)
      const env = new FaultEnv(new NodeEnv())
      const db = await DB.open(dir, { env, readOnly: true, maxOpenFiles })
      try {
        const opened = env.calls.filter((c) => c.op === 'open' && c.path.endsWith('.ldb')).length
        assert.equal(opened, capacity)
        assert.equal(scan(db).length, 3000)
      } finally {
        await db.close()
      }
      // With room for all of them, every one is opened.
      const all = new FaultEnv(new NodeEnv())
      const db2 = await DB.open(dir, { env: all, readOnly: true })
      assert.equal(all.calls.filter((c) => c.op === 'open' && c.path.endsWith('.ldb')).length, tables)
      await db2.close()
    } finally {
      removeTempDir(dir)
    }
  })

  test('another process holds the database and writes without pause: every read-only view is a prefix of its writes', async () => {
    const dir = join(base, 'busy')
    const child = new LineChild(WRITER, [dir])
    try {
      assert.equal(await child.nextLine(), 'ready')
      let previous = -1
      for (let round = 0; round < 12; round++) {
        const before = readdirSync(dir).filter((n) => n.startsWith('LOCK.shale-'))
        const db = await DB.open(dir, { readOnly: true })
        try {
          const entries = scan(db)
          const last = Number(str(db.getSync(bytes('last'))!))
          assert.ok(last >= previous, `round ${round}: views move forward (${last} after ${previous})`)
          previous = last
          // After batch `last`, key j holds the largest i <= last with i % KEYS === j.
          const expected: Array<[Uint8Array, Uint8Array]> = []
          for (let j = 0; j < KEYS && j <= last; j++) {
            const i = last - ((last - j) % KEYS)
            expected.push([bytes(key(j)), bytes(String(i))])
          }
          expected.push([bytes('last'), bytes(String(last))])
          assertSameEntries(entries, expected, `round ${round}, view at batch ${last}`)
          // The view holds still while the writer goes on.
          await new Promise((resolve) => setTimeout(resolve, 20))
          assertSameEntries(scan(db), expected, `round ${round}, 20 ms later`)
        } finally {
          await db.close()
        }
        assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('LOCK.shale-')), before, 'no claim of ours')
      }
      assert.ok(previous > 2000)
    } finally {
      await child.kill()
    }
  })
})
