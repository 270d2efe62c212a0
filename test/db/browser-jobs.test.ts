// The Web Worker job pool of the browser build (src/db/browser-jobs.ts, doc/browser.md), run on
// Node: a stand-in for the browser's Worker class starts a worker thread that offers a dedicated
// worker's global scope (onmessage, postMessage) and loads the job worker script as a module. The
// script serves jobs with serveJobWorker on its own NodeEnv, as a browser worker would on its own
// OPFS Env. A flush and a compaction in that worker write the same tables as on this thread
// (the compaction asks this thread for each output number through the SharedArrayBuffer), a
// database on an Env the workers do not reach runs its jobs inline, and a script that fails to
// load makes every later job run inline.

import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { browserJobs, useJobWorkers } from '../../src/db/browser-jobs.js'
import { inlineJobs, jobCounts } from '../../src/db/jobs.js'
import type { TableWriteOptions } from '../../src/db/table-output.js'
import { InternalKeyComparator, ValueType } from '../../src/dbformat/internal-key.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { MemTable } from '../../src/memtable/memtable.js'
import { Random } from '../../src/util/random.js'
import { TableCache } from '../../src/version/table-cache.js'
import type { FileMetaData } from '../../src/version/version-edit.js'
import { bytes, removeTempDir, tempDir } from './helpers.js'

const TABLE: TableWriteOptions = { blockSize: 4096, blockRestartInterval: 16, compression: 'snappy', bloomBitsPerKey: 10 }
const SEED = 7

/** A dedicated worker's global scope on a worker thread, then the script named by workerData. */
const BOOTSTRAP = `
import { parentPort, workerData } from 'node:worker_threads'
globalThis.postMessage = (message) => { parentPort.postMessage(message) }
parentPort.on('message', (data) => { globalThis.onmessage?.({ data }) })
await import(workerData)
`

/** The browser's Worker as the pool uses it, on a worker thread. */
class ThreadWebWorker {
  onmessage: ((event: { data: unknown }) => void) | null = null
  onerror: ((event: { message?: string }) => void) | null = null
  private readonly thread: Worker

  constructor (url: string | URL, options: { type: 'module' }) {
    assert.equal(options.type, 'module')
    this.thread = new Worker(new URL(bootstrapUrl), { workerData: String(url) })
    this.thread.unref()
    this.thread.on('message', (data: unknown) => { this.onmessage?.({ data }) })
    this.thread.on('error', (err) => { this.onerror?.({ message: err.message }) })
  }

  postMessage (message: unknown): void { this.thread.postMessage(message) }
  terminate (): void { void this.thread.terminate() }
}

let work: string
let bootstrapUrl: string
let scriptUrl: URL

before(() => {
  work = tempDir('browser-jobs')
  writeFileSync(join(work, 'bootstrap.mjs'), BOOTSTRAP)
  bootstrapUrl = pathToFileURL(join(work, 'bootstrap.mjs')).href
  const src = new URL('../../src/', import.meta.url).href
  writeFileSync(join(work, 'jobs-worker.mjs'),
    `import { serveJobWorker } from '${src}browser-worker.js'\nimport { NodeEnv } from '${src}env/node-env.js'\n` +
    'serveJobWorker(() => new NodeEnv())\n')
  scriptUrl = pathToFileURL(join(work, 'jobs-worker.mjs'))
  ;(globalThis as { Worker?: unknown }).Worker = ThreadWebWorker
})

after(() => {
  useJobWorkers(undefined)
  delete (globalThis as { Worker?: unknown }).Worker
  removeTempDir(work)
})

function memtable (n: number, rnd: Random, firstSequence: number): MemTable {
  const mem = new MemTable()
  for (let i = 0; i < n; i++) {
    const key = bytes(`key${String(rnd.uniform(n)).padStart(8, '0')}`)
    if (rnd.oneIn(10)) mem.add(firstSequence + i, ValueType.Deletion, key, new Uint8Array(0))
    else mem.add(firstSequence + i, ValueType.Value, key, rnd.compressibleBytes(100))
  }
  return mem
}

function assertSameTables (dir: string, a: FileMetaData[], b: FileMetaData[], why: string): void {
  assert.equal(b.length, a.length, `${why}: as many tables`)
  for (let i = 0; i < a.length; i++) {
    assert.equal(b[i]!.fileSize, a[i]!.fileSize, why)
    assert.deepEqual(b[i]!.smallest, a[i]!.smallest, why)
    assert.deepEqual(b[i]!.largest, a[i]!.largest, why)
    const name = (n: number): string => join(dir, `${String(n).padStart(6, '0')}.ldb`)
    assert.deepEqual(readFileSync(name(b[i]!.number)), readFileSync(name(a[i]!.number)), `${why}: same bytes`)
  }
}

describe('the browser job pool, on a worker thread standing in for a Web Worker', () => {
  test('a flush and a compaction in a worker write what they write inline (seed ' + SEED + ')', async () => {
    const dir = join(work, 'db')
    const env = new NodeEnv()
    env.createDir(dir)
    useJobWorkers({ url: scriptUrl, reaches: (e) => e instanceof NodeEnv })
    const rnd = new Random(SEED)
    const mems = [memtable(6_000, rnd, 1), memtable(6_000, rnd, 10_001)]
    const started = { ...jobCounts }

    const inlineFlushes: FileMetaData[] = []
    const workerFlushes: FileMetaData[] = []
    for (let t = 0; t < 2; t++) {
      inlineFlushes.push((await inlineJobs.flush(env, dir, mems[t]!, t + 1, TABLE))!)
      workerFlushes.push((await browserJobs.flush(env, dir, mems[t]!, t + 11, TABLE))!)
    }
    assertSameTables(dir, inlineFlushes, workerFlushes, 'flush')

    const tableCache = new TableCache(env, dir, { icmp: new InternalKeyComparator(), maxOpenFiles: 100 })
    try {
      const input = (files: FileMetaData[]): Parameters<typeof browserJobs.compact>[2] => ({
        location: dir,
        spec: { level: 0, inputs: [[files[1]!, files[0]!], []], grandparents: [], deeperLevels: [], maxOutputFileSize: 64 * 1024, maxGrandparentOverlapBytes: 1 << 30 },
        smallestSnapshot: 100_000,
        table: TABLE
      })
      let nextInline = 100
      let nextWorker = 200
      const inline = await inlineJobs.compact(env, tableCache, input(inlineFlushes), () => nextInline++)
      const inWorker = await browserJobs.compact(env, tableCache, input(workerFlushes), () => nextWorker++)
      assert.ok(inline.outputs.length >= 2, `several outputs (${inline.outputs.length})`)
      assert.deepEqual(inWorker.outputs.map((f) => f.number), inline.outputs.map((_, i) => 200 + i), 'numbers asked of this thread')
      assertSameTables(dir, inline.outputs, inWorker.outputs, 'compaction')
      assert.equal(inWorker.entriesRead, inline.entriesRead)
      assert.equal(inWorker.entriesDropped, inline.entriesDropped)
    } finally {
      tableCache.close()
    }
    assert.equal(jobCounts.worker - started.worker, 3, 'two flushes and a compaction ran in workers')
    assert.equal(jobCounts.doneOffThread - started.doneOffThread, 3)
    assert.equal(jobCounts.inline - started.inline, 3)
  })

  test('a database on an Env the workers do not reach runs its jobs inline', async () => {
    useJobWorkers({ url: scriptUrl, reaches: (e) => e instanceof NodeEnv })
    const env = new MemEnv()
    env.createDir('/db')
    const before = { ...jobCounts }
    assert.ok(await browserJobs.flush(env, '/db', memtable(1_000, new Random(SEED), 1), 3, TABLE) !== undefined)
    assert.equal(jobCounts.worker, before.worker)
    assert.equal(jobCounts.inline, before.inline + 1)
  })

  test('a worker script that does not load makes jobs run inline', async () => {
    useJobWorkers({ url: pathToFileURL(join(work, 'missing.mjs')), reaches: () => true })
    const dir = join(work, 'fallback')
    const env = new NodeEnv()
    env.createDir(dir)
    const before = { ...jobCounts }
    for (let i = 0; i < 2; i++) {
      assert.ok(await browserJobs.flush(env, dir, memtable(1_000, new Random(SEED + i), 1), 5 + i, TABLE) !== undefined)
    }
    assert.equal(jobCounts.inline, before.inline + 2, 'both flushes ran inline')
    assert.equal(jobCounts.doneOffThread, before.doneOffThread)
  })
})
