// Flush and compaction in worker threads (src/db/background-jobs.ts): a job in a worker writes
// exactly the bytes the same job writes on the main thread, on the real file system and through a
// main-thread Env; its errors keep their codes; and the event loop keeps turning while it runs.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { workerJobs } from '../../src/db/background-jobs.js'
import { inlineJobs, jobCounts } from '../../src/db/jobs.js'
import { DB as Database } from '../../src/db/db.js'
import type { TableWriteOptions } from '../../src/db/table-output.js'
import { tableFileName } from '../../src/dbformat/filename.js'
import { InternalKeyComparator, ValueType } from '../../src/dbformat/internal-key.js'
import { systemErrorCode, type Env } from '../../src/env/env.js'
import { FaultEnv } from '../../src/env/fault-env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { MemTable } from '../../src/memtable/memtable.js'
import { ShaleError } from '../../src/util/errors.js'
import { Random } from '../../src/util/random.js'
import { TableCache } from '../../src/version/table-cache.js'
import { bytes, scan, str } from './helpers.js'

const DIR = '/db'
const TABLE: TableWriteOptions = { blockSize: 4096, blockRestartInterval: 16, compression: 'snappy', bloomBitsPerKey: 10 }

/** A memtable of `n` seeded puts and deletes, some keys written more than once. */
function memtable (n: number, seed: number): MemTable {
  const rnd = new Random(seed)
  const mem = new MemTable()
  for (let i = 0; i < n; i++) {
    const key = bytes(`key${String(rnd.uniform(n)).padStart(8, '0')}`)
    if (rnd.oneIn(10)) mem.add(i + 1, ValueType.Deletion, key, new Uint8Array(0))
    else mem.add(i + 1, ValueType.Value, key, rnd.compressibleBytes(100))
  }
  return mem
}

function memEnv (): MemEnv {
  const env = new MemEnv()
  env.createDir(DIR)
  env.syncDir('/')
  return env
}

describe('background jobs in worker threads', () => {
  test('a flush in a worker writes the same table as on the main thread, through a main-thread Env', async () => {
    const mem = memtable(20_000, 1)
    const a = memEnv()
    const b = memEnv()
    const before = jobCounts.worker
    const inline = await inlineJobs.flush(a, DIR, mem, 7, TABLE)
    const remote = await workerJobs.flush(b, DIR, mem, 7, TABLE)
    assert.equal(jobCounts.worker, before + 1, 'the second flush ran in a worker')
    assert.ok(inline !== undefined && remote !== undefined)
    assert.deepEqual(remote, inline)
    assert.deepEqual(b.readFile(tableFileName(DIR, 7)), a.readFile(tableFileName(DIR, 7)))
    // Durable before the MANIFEST may name it: synced, with its directory entry.
    b.powerLoss()
    assert.deepEqual(b.readFile(tableFileName(DIR, 7)), a.readFile(tableFileName(DIR, 7)))
  })

  test('a flush in a worker on the real file system writes the same table', async () => {
    const root = mkdtempSync(join(tmpdir(), 'shale-jobs-'))
    try {
      const mem = memtable(5_000, 2)
      const env = new NodeEnv()
      const inline = await inlineJobs.flush(env, root, mem, 5, TABLE)
      const remote = await workerJobs.flush(env, root, mem, 6, TABLE)
      assert.ok(inline !== undefined && remote !== undefined)
      assert.equal(remote.fileSize, inline.fileSize)
      assert.deepEqual(remote.smallest, inline.smallest)
      assert.deepEqual(remote.largest, inline.largest)
      assert.deepEqual(readFileSync(join(root, '000006.ldb')), readFileSync(join(root, '000005.ldb')))
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  test('an empty memtable leaves no file', async () => {
    const env = memEnv()
    assert.equal(await workerJobs.flush(env, DIR, new MemTable(), 3, TABLE), undefined)
    assert.deepEqual(env.getChildren(DIR), [])
  })

  test('a failed append in a worker is LEVEL_IO_ERROR with the system code, and leaves no file', async () => {
    const mem = memtable(20_000, 3)
    const disk = memEnv()
    const env = new FaultEnv(disk)
    env.inject({ op: 'append', at: 1, code: 'ENOSPC' })
    await assert.rejects(workerJobs.flush(env, DIR, mem, 9, TABLE), (err: unknown) => {
      assert.ok(err instanceof ShaleError, 'a ShaleError again on this side')
      assert.equal(err.code, 'LEVEL_IO_ERROR')
      assert.equal(systemErrorCode(err), 'ENOSPC')
      return true
    })
    assert.deepEqual(disk.getChildren(DIR), [])
  })

  test('a compaction in a worker writes the same tables as on the main thread', async () => {
    const results: Array<{ env: MemEnv, outputs: unknown }> = []
    for (const jobs of [inlineJobs, workerJobs]) {
      const env = memEnv()
      const older = await jobs.flush(env, DIR, memtable(6_000, 4), 1, TABLE)
      const newer = memtable(0, 0)
      const rnd = new Random(5)
      for (let i = 0; i < 6_000; i++) newer.add(10_000 + i, ValueType.Value, bytes(`key${String(rnd.uniform(6_000)).padStart(8, '0')}`), rnd.compressibleBytes(100))
      const young = await jobs.flush(env, DIR, newer, 2, TABLE)
      assert.ok(older !== undefined && young !== undefined)
      let next = 3
      const tableCache = new TableCache(env, DIR, { icmp: new InternalKeyComparator(), maxOpenFiles: 100 })
      const result = await jobs.compact(env, tableCache, {
        location: DIR,
        spec: { level: 0, inputs: [[young, older], []], grandparents: [], deeperLevels: [], maxOutputFileSize: 64 * 1024, maxGrandparentOverlapBytes: 1 << 30 },
        smallestSnapshot: 20_000,
        table: TABLE
      }, () => next++)
      tableCache.close()
      assert.ok(result.outputs.length >= 2, 'output split by size')
      results.push({ env, outputs: result.outputs })
    }
    const [a, b] = results as [{ env: MemEnv, outputs: Array<{ number: number }> }, { env: MemEnv, outputs: Array<{ number: number }> }]
    assert.deepEqual(b.outputs, a.outputs)
    for (const f of a.outputs) assert.deepEqual(b.env.readFile(tableFileName(DIR, f.number)), a.env.readFile(tableFileName(DIR, f.number)))
  })

  test('the event loop keeps turning while a worker flushes a large memtable', async () => {
    const mem = memtable(60_000, 6)
    const ticks = async (job: Promise<unknown>): Promise<number> => {
      let n = 0
      let done = false
      const spin = (): void => { if (!done) { n++; setImmediate(spin) } }
      setImmediate(spin)
      await job
      done = true
      return n
    }
    const env: Env = memEnv()
    const inline = await ticks(inlineJobs.flush(env, DIR, mem, 1, TABLE))
    const remote = await ticks(workerJobs.flush(env, DIR, mem, 2, TABLE))
    assert.ok(inline <= 1, `an inline flush holds the thread (${inline} turns)`)
    assert.ok(remote >= 10, `the event loop turned ${remote} times during a worker flush`)
  })

  test('a database with workers off runs every job on its own thread, and with workers on in workers', async () => {
    for (const backgroundWorkers of [false, true]) {
      const env = new MemEnv()
      const counts = { ...jobCounts }
      const db = await Database.open(DIR, { env, writeBufferSize: 16 * 1024, backgroundWorkers })
      for (let i = 0; i < 2_000; i++) await db.put(bytes(`k${i % 700}`), bytes(`v${i}`.repeat(10)))
      await db.compactRange()
      const expected = new Map<string, string>()
      for (let i = 0; i < 2_000; i++) expected.set(`k${i % 700}`, `v${i}`.repeat(10))
      assert.deepEqual(new Map(scan(db).map(([k, v]) => [str(k), str(v)])), expected)
      await db.close()
      const ranInWorkers = jobCounts.worker - counts.worker
      const ranInline = jobCounts.inline - counts.inline
      if (backgroundWorkers) assert.ok(ranInWorkers > 5 && ranInline === 0, `${ranInWorkers} in workers, ${ranInline} inline`)
      else assert.ok(ranInline > 5 && ranInWorkers === 0, `${ranInline} inline, ${ranInWorkers} in workers`)
    }
  })
})
