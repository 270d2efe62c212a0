// A background worker that dies under a job (src/db/background-jobs.ts, doc/workers.md "A worker
// that dies"). A test hook makes the worker of the next jobs exit with code 70 at a chosen point:
// mid-compaction once one output table is written, or at the end of a flush with its table
// written. A job whose worker dies once runs again on a fresh worker and succeeds; a job whose
// worker dies twice fails with LEVEL_IO_ERROR carrying the exit code, which becomes the sticky
// background error (contract 8): writes fail with it, reads keep answering, and the next open
// recovers every acknowledged write.

import { afterEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { WORKER_TEST_EXIT_CODE, workerJobs, workerTestHooks } from '../../src/db/background-jobs.js'
import { inlineJobs } from '../../src/db/jobs.js'
import { DB } from '../../src/db/db.js'
import type { DBOptions } from '../../src/db/options.js'
import type { TableWriteOptions } from '../../src/db/table-output.js'
import { infoLogFileName, tableFileName } from '../../src/dbformat/filename.js'
import { InternalKeyComparator, ValueType } from '../../src/dbformat/internal-key.js'
import type { Env } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { MemTable } from '../../src/memtable/memtable.js'
import { ShaleError } from '../../src/util/errors.js'
import { Random } from '../../src/util/random.js'
import { TableCache } from '../../src/version/table-cache.js'
import { bytes, removeTempDir, scan, str, tempDir } from './helpers.js'

const DIR = '/db'
const TABLE: TableWriteOptions = { blockSize: 4096, blockRestartInterval: 16, compression: 'snappy', bloomBitsPerKey: 10 }

afterEach(() => { delete workerTestHooks.exit })

function assertWorkerDeath (err: unknown): true {
  assert.ok(err instanceof ShaleError, `a ShaleError, got ${String(err)}`)
  assert.equal(err.code, 'LEVEL_IO_ERROR')
  assert.match(err.message, new RegExp(`exited with code ${WORKER_TEST_EXIT_CODE}`))
  assert.equal((err.cause as { exitCode?: unknown }).exitCode, WORKER_TEST_EXIT_CODE, 'the cause carries the exit code')
  return true
}

/** Two overlapping level-0 tables in a fresh MemEnv, and the compaction input over them. */
async function compactionInput (seed: number): Promise<{ env: MemEnv, input: Parameters<typeof workerJobs.compact>[2] }> {
  const env = new MemEnv()
  env.createDir(DIR)
  const rnd = new Random(seed)
  const files = []
  for (let t = 0; t < 2; t++) {
    const mem = new MemTable()
    for (let i = 0; i < 6_000; i++) {
      mem.add(t * 10_000 + i + 1, ValueType.Value, bytes(`key${String(rnd.uniform(6_000)).padStart(8, '0')}`), rnd.compressibleBytes(100))
    }
    const meta = await inlineJobs.flush(env, DIR, mem, t + 1, TABLE)
    assert.ok(meta !== undefined)
    files.push(meta)
  }
  return {
    env,
    input: {
      location: DIR,
      spec: { level: 0, inputs: [[files[1]!, files[0]!], []], grandparents: [], deeperLevels: [], maxOutputFileSize: 64 * 1024, maxGrandparentOverlapBytes: 1 << 30 },
      smallestSnapshot: 100_000,
      table: TABLE
    }
  }
}

describe('a worker that dies under a job', () => {
  test('dying twice mid-compaction fails the job with LEVEL_IO_ERROR and the exit code; the pool replaces the worker', async () => {
    const { env, input } = await compactionInput(1)
    const tableCache = new TableCache(env, DIR, { icmp: new InternalKeyComparator(), maxOpenFiles: 100 })
    try {
      workerTestHooks.exit = { type: 'compaction', afterOutputs: 1, count: 2 }
      let next = 10
      const lost: ShaleError[] = []
      await assert.rejects(workerJobs.compact(env, tableCache, input, () => next++, (err) => { lost.push(err) }), assertWorkerDeath)
      assert.equal(workerTestHooks.exit.count, 0, 'both attempts were made')
      assert.equal(lost.length, 1, 'the first death was reported and retried')
      assertWorkerDeath(lost[0])
      // Each attempt was given one number, wrote that output, and died before asking for another.
      assert.equal(next, 12)
      // The pool starts fresh workers: the same job now succeeds.
      const result = await workerJobs.compact(env, tableCache, input, () => next++)
      assert.ok(result.outputs.length >= 2)
    } finally {
      tableCache.close()
    }
  })

  test('an exception that escapes the job kills the worker: LEVEL_IO_ERROR with that error as cause', async () => {
    const { env, input } = await compactionInput(3)
    const tableCache = new TableCache(env, DIR, { icmp: new InternalKeyComparator(), maxOpenFiles: 100 })
    try {
      workerTestHooks.exit = { type: 'compaction', afterOutputs: 0, count: 2, throws: true }
      let next = 10
      await assert.rejects(workerJobs.compact(env, tableCache, input, () => next++), (err: unknown) => {
        assert.ok(err instanceof ShaleError)
        assert.equal(err.code, 'LEVEL_IO_ERROR')
        assert.match(err.message, /background worker died during a job: uncaught exception in a background worker/)
        assert.ok(err.cause instanceof Error && /uncaught exception/.test(err.cause.message), 'the worker\'s error is the cause')
        return true
      })
      assert.equal(workerTestHooks.exit.count, 0, 'both attempts were made')
      assert.ok((await workerJobs.compact(env, tableCache, input, () => next++)).outputs.length >= 2, 'a fresh worker runs the next job')
    } finally {
      tableCache.close()
    }
  })

  test('dying once mid-compaction: the job runs again on a fresh worker and writes the same tables', async () => {
    const a = await compactionInput(2)
    const b = await compactionInput(2)
    const cacheA = new TableCache(a.env, DIR, { icmp: new InternalKeyComparator(), maxOpenFiles: 100 })
    const cacheB = new TableCache(b.env, DIR, { icmp: new InternalKeyComparator(), maxOpenFiles: 100 })
    try {
      let nextA = 10
      const expected = await workerJobs.compact(a.env, cacheA, a.input, () => nextA++)
      workerTestHooks.exit = { type: 'compaction', afterOutputs: 1, count: 1 }
      let nextB = 10
      const lost: ShaleError[] = []
      const result = await workerJobs.compact(b.env, cacheB, b.input, () => nextB++, (err) => { lost.push(err) })
      assert.equal(lost.length, 1)
      assertWorkerDeath(lost[0])
      // The dead attempt used number 10; the retry's tables start at 11 and hold the same bytes.
      assert.equal(result.outputs[0]!.number, 11)
      assert.equal(result.outputs.length, expected.outputs.length)
      for (let i = 0; i < expected.outputs.length; i++) {
        assert.deepEqual(b.env.readFile(tableFileName(DIR, result.outputs[i]!.number)), a.env.readFile(tableFileName(DIR, expected.outputs[i]!.number)))
      }
    } finally {
      cacheA.close()
      cacheB.close()
    }
  })
})

/** Writes `n` acknowledged puts over 300 keys; returns the expected contents. */
async function fill (db: DB, n: number, seed: number, model = new Map<string, string>()): Promise<Map<string, string>> {
  const rnd = new Random(seed)
  for (let i = 0; i < n; i++) {
    const k = `key${String(rnd.uniform(300)).padStart(4, '0')}`
    const v = `v${seed}-${i}-`.padEnd(60, 'x')
    await db.put(bytes(k), bytes(v))
    model.set(k, v)
  }
  return model
}

function contents (db: DB): Map<string, string> {
  return new Map(scan(db).map(([k, v]) => [str(k), str(v)]))
}

function infoLog (env: Env, dir: string): string {
  return Buffer.from(env.readFile(infoLogFileName(dir))).toString('utf8')
}

for (const fs of ['MemEnv', 'NodeEnv'] as const) {
  describe(`a database whose workers die (${fs})`, () => {
    let dir = DIR
    let env: Env
    const options = (): DBOptions => ({ env, writeBufferSize: 8 * 1024, backgroundWorkers: true })

    const setup = (): void => {
      if (fs === 'MemEnv') {
        env = new MemEnv()
        dir = DIR
      } else {
        env = new NodeEnv()
        dir = tempDir('worker-death')
      }
    }
    const teardown = (): void => { if (fs === 'NodeEnv') removeTempDir(dir) }

    test('a compaction whose worker dies twice: sticky LEVEL_IO_ERROR, reads work, the next open has every acknowledged write', async () => {
      setup()
      try {
        let db = await DB.open(dir, options())
        const model = await fill(db, 1_500, 1)
        await db.flush()
        await db.waitForIdle()
        workerTestHooks.exit = { type: 'compaction', afterOutputs: 1, count: 2 }
        await assert.rejects(db.compactRange(), assertWorkerDeath)
        // Contract 8: writes fail with that same error, reads keep answering.
        let refused: unknown
        await db.put(bytes('after'), bytes('x')).catch((err: unknown) => { refused = err })
        assertWorkerDeath(refused)
        assert.deepEqual(contents(db), model, 'reads answer from what was acknowledged')
        assert.equal(str(db.getSync(bytes([...model.keys()][0]!))!), [...model.values()][0])
        await db.close()
        assert.match(infoLog(env, dir), /Running a background job again on a fresh worker: LEVEL_IO_ERROR/)
        assert.match(infoLog(env, dir), /Background error; writes fail until the database is reopened: LEVEL_IO_ERROR .*exited with code 70/)

        db = await DB.open(dir, { ...options(), paranoidChecks: true })
        assert.deepEqual(contents(db), model, 'the next open recovers every acknowledged write')
        await fill(db, 200, 2, model)
        await db.compactRange()
        assert.deepEqual(contents(db), model, 'and the database works again')
        await db.close()
      } finally {
        teardown()
      }
    })

    test('a compaction whose worker dies once is run again and succeeds; a flush whose worker dies twice fails', async () => {
      setup()
      try {
        let db = await DB.open(dir, options())
        const model = await fill(db, 1_500, 3)
        workerTestHooks.exit = { type: 'compaction', afterOutputs: 1, count: 1 }
        await db.compactRange()
        assert.equal(workerTestHooks.exit.count, 0, 'a compaction worker did die')
        assert.deepEqual(contents(db), model)
        await fill(db, 100, 4, model)

        workerTestHooks.exit = { type: 'flush', afterOutputs: 0, count: 2 }
        await assert.rejects(db.flush(), assertWorkerDeath)
        await assert.rejects(db.put(bytes('after'), bytes('x')), assertWorkerDeath)
        assert.deepEqual(contents(db), model)
        await db.close()

        db = await DB.open(dir, { ...options(), paranoidChecks: true })
        assert.deepEqual(contents(db), model, 'the next open recovers every acknowledged write from the log')
        await db.close()
      } finally {
        teardown()
      }
    })
  })
}
