// The write queue: single puts and dels issued together are gathered into one batch (writers.ts),
// and groups form as LevelDB's group commit forms them. The log records are read back with the
// log reader and WriteBatch, not through the engine.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { FaultEnv } from '../../src/env/fault-env.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { LogReader } from '../../src/log/reader.js'
import { ShaleError } from '../../src/util/errors.js'
import { bytes, DIR, errorCode, str } from './helpers.js'

interface Record { sequence: number, ops: string[] }

/** The write batches in the database's live log, each as its sequence and its operations. */
function logRecords (env: MemEnv): Record[] {
  const logs = env.getChildren(DIR).filter((name) => name.endsWith('.log')).sort()
  const out: Record[] = []
  for (const name of logs) {
    const reader = new LogReader(env.newSequentialFile(`${DIR}/${name}`), { checksum: true })
    for (let payload = reader.readRecord(); payload !== null; payload = reader.readRecord()) {
      const batch = WriteBatch.fromContents(payload)
      const ops: string[] = []
      batch.iterate({
        put: (k, v) => { ops.push(`put ${str(k)}=${str(v)}`) },
        del: (k) => { ops.push(`del ${str(k)}`) }
      })
      out.push({ sequence: batch.sequence, ops })
    }
  }
  return out
}

async function openDb (env: MemEnv | FaultEnv): Promise<DB> {
  return await DB.open(DIR, { env, createIfMissing: true, backgroundWorkers: false })
}

describe('write queue', () => {
  test('single writes issued together share a record in issue order; a sync write never rides a plain one', async () => {
    const env = new MemEnv()
    const db = await openDb(env)
    try {
      const batch = new WriteBatch()
      batch.put(bytes('x'), bytes('1'))
      batch.put(bytes('y'), bytes('2'))
      await Promise.all([
        db.put(bytes('a'), bytes('1')),
        db.put(bytes('b'), bytes('2')),
        db.del(bytes('a')),
        db.put(bytes('c'), bytes('3'), { sync: true }),
        db.write(batch),
        db.put(bytes('d'), bytes('4')),
        db.put(bytes('e'), bytes('5'), { sync: true })
      ])
      // The plain writes form the first group; the sync put leads the second, which the batch
      // and the later single writes may join (a plain write may ride a sync one).
      assert.deepEqual(logRecords(env), [
        { sequence: 1, ops: ['put a=1', 'put b=2', 'del a'] },
        { sequence: 4, ops: ['put c=3', 'put x=1', 'put y=2', 'put d=4', 'put e=5'] }
      ])
      assert.equal(db.getSync(bytes('a')), undefined)
      assert.equal(str(db.getSync(bytes('e'))!), '5')

      // Awaited one at a time, each write is a record of its own, with the next sequence.
      await db.put(bytes('f'), bytes('6'))
      await db.del(bytes('b'))
      assert.deepEqual(logRecords(env).slice(2), [
        { sequence: 9, ops: ['put f=6'] },
        { sequence: 10, ops: ['del b'] }
      ])
    } finally {
      await db.close()
    }
  })

  test('many single writes in one tick: every one applied, in order, and none lost across gathered batches', async () => {
    const env = new MemEnv()
    const db = await openDb(env)
    try {
      const writes: Array<Promise<void>> = []
      // About 1 MB of puts: several gathered batches, several groups.
      for (let i = 0; i < 2000; i++) writes.push(db.put(bytes(`k${String(i % 1500).padStart(5, '0')}`), bytes(`${i}:`.padEnd(500, 'v'))))
      await Promise.all(writes)
      const records = logRecords(env)
      assert.ok(records.length > 1, `${records.length} records`)
      let next = 1
      const seen: string[] = []
      for (const r of records) {
        assert.equal(r.sequence, next)
        next += r.ops.length
        seen.push(...r.ops.map((op) => op.split('=')[1]!.split(':')[0]!))
      }
      assert.deepEqual(seen, Array.from({ length: 2000 }, (_, i) => String(i)))
      // The later write of a key wins.
      assert.equal(str(db.getSync(bytes('k00007'))!).split(':')[0], '1507')
    } finally {
      await db.close()
    }
  })

  test('a bad argument fails only its own write', async () => {
    const env = new MemEnv()
    const db = await openDb(env)
    try {
      const results = await Promise.allSettled([
        db.put(bytes('a'), bytes('1')),
        db.put('b' as unknown as Uint8Array, bytes('2')),
        db.put(bytes('c'), 3 as unknown as Uint8Array),
        db.del(null as unknown as Uint8Array),
        db.put(bytes('d'), bytes('4'))
      ])
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled'])
      assert.deepEqual(results.map((r) => r.status === 'rejected' ? errorCode(r.reason) : undefined),
        [undefined, 'LEVEL_INVALID_KEY', 'LEVEL_INVALID_VALUE', 'LEVEL_INVALID_KEY', undefined])
      assert.deepEqual(logRecords(env), [{ sequence: 1, ops: ['put a=1', 'put d=4'] }])
    } finally {
      await db.close()
    }
  })

  test('a failed log append fails every write gathered with it, and every later write', async () => {
    const mem = new MemEnv()
    const env = new FaultEnv(mem)
    const db = await openDb(env)
    try {
      await db.put(bytes('before'), bytes('1'))
      env.inject({ op: 'append', at: 0, code: 'ENOSPC' })
      const results = await Promise.allSettled([db.put(bytes('a'), bytes('1')), db.del(bytes('before')), db.put(bytes('b'), bytes('2'))])
      for (const r of results) {
        assert.equal(r.status, 'rejected')
        assert.ok(r.reason instanceof ShaleError && r.reason.code === 'LEVEL_IO_ERROR')
      }
      env.clearFaults()
      await assert.rejects(db.put(bytes('c'), bytes('3')), (err: unknown) => errorCode(err) === 'LEVEL_IO_ERROR')
      assert.equal(str(db.getSync(bytes('before'))!), '1')
      assert.equal(db.getSync(bytes('a')), undefined)
    } finally {
      await db.close().catch(() => {})
    }
  })
})
