// Checkpoint and backup costs on a large database on disk (bench/RESULTS.md, "Checkpoint and
// backup"): the time and bytes of a checkpoint (hard links, and copies where links are
// impossible), of a full backup and of an incremental one after 1% new writes, and what a running
// backup does to a concurrent writer's throughput and to the event loop's delay.
//
//   npx tsc -p . && node dist/bench/backup.js [--mb 1024] [--dir /path/on/disk]
//
// The database is filled with incompressible 1000-byte values (so its size on disk is about --mb),
// then compacted and closed, and reopened for the measurements. The directory is removed at the end.

import { mkdtempSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Backup } from '../src/backup/backup.js'
import { DB } from '../src/db/db.js'
import { WriteBatch } from '../src/dbformat/write-batch.js'
import { NodeEnv } from '../src/env/node-env.js'

const { values: args } = parseArgs({ options: { mb: { type: 'string' }, dir: { type: 'string' } } })
const MB = Number(args.mb ?? 1024)
const VALUE = 1000
const ENTRIES = Math.floor((MB << 20) / (VALUE + 16))
const base = args.dir ?? mkdtempSync(join(tmpdir(), 'shale-backup-bench-'))

function key (i: number): Uint8Array {
  return Buffer.from(String(i).padStart(16, '0'))
}

function mib (bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`
}

/** Writes entries [from, to) in batches of 1000; values are random, so Snappy cannot shrink them. */
async function fill (db: DB, from: number, to: number): Promise<void> {
  for (let i = from; i < to;) {
    const batch = new WriteBatch()
    const values = randomBytes(VALUE * 1000)
    for (let j = 0; j < 1000 && i < to; j++, i++) batch.put(key(i), values.subarray(j * VALUE, (j + 1) * VALUE))
    await db.write(batch)
  }
}

/** Awaited 100-byte puts for `ms` milliseconds (or until `until` settles): writes a second, and event-loop delay. */
async function writer (db: DB, ms: number, until?: Promise<unknown>): Promise<{ rate: number, p50: number, p99: number, max: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 })
  h.enable()
  let done = false
  const stop = setTimeout(() => { done = true }, ms)
  if (until !== undefined) void until.finally(() => { done = true })
  const value = randomBytes(100)
  const started = performance.now()
  let n = 0
  while (!done) {
    await db.put(key(10_000_000_000 + Math.floor(Math.random() * ENTRIES)), value)
    n++
  }
  clearTimeout(stop)
  const elapsed = performance.now() - started
  h.disable()
  return { rate: n / (elapsed / 1000), p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 }
}

function dirBytes (env: NodeEnv, dir: string): number {
  let total = 0
  for (const name of env.getChildren(dir)) total += env.getFileSize(join(dir, name))
  return total
}

async function main (): Promise<void> {
  const env = new NodeEnv()
  const dbDir = join(base, 'db')
  console.log(`# ${MB} MiB: ${ENTRIES} entries of ${VALUE}-byte values in ${base}`)
  let t = performance.now()
  let db = await DB.open(dbDir, { writeBufferSize: 4 << 20, maxFileSize: 2 << 20 })
  await fill(db, 0, ENTRIES)
  await db.compactRange()
  await db.close()
  console.log(`fill and compact      ${((performance.now() - t) / 1000).toFixed(1)} s, ${mib(dirBytes(env, dbDir))} on disk`)

  db = await DB.open(dbDir, { writeBufferSize: 4 << 20, maxFileSize: 2 << 20 })
  // A memtable that holds something, as a live database's does.
  await fill(db, ENTRIES, ENTRIES + 2000)

  t = performance.now()
  const cp = await db.checkpoint(join(base, 'checkpoint-link'))
  console.log(`checkpoint (links)    ${(performance.now() - t).toFixed(0)} ms, ${cp.tablesLinked} tables linked, ${mib(cp.bytesWritten)} written`)

  // The same with links refused, as across file systems: every table copied.
  const noLinks = new NodeEnv() as NodeEnv & { linkFile?: unknown }
  Object.defineProperty(noLinks, 'linkFile', { value: undefined })
  const copyDb = db as unknown as { env: NodeEnv }
  const ownEnv = copyDb.env
  copyDb.env = noLinks
  t = performance.now()
  const cpCopy = await db.checkpoint(join(base, 'checkpoint-copy'))
  copyDb.env = ownEnv
  console.log(`checkpoint (copies)   ${((performance.now() - t) / 1000).toFixed(1)} s, ${cpCopy.tablesCopied} tables copied, ${mib(cpCopy.bytesWritten)} written`)

  const bk = join(base, 'backups')
  t = performance.now()
  const full = await Backup.create(db, bk)
  console.log(`full backup           ${((performance.now() - t) / 1000).toFixed(1)} s, ${full.tables} tables, ${mib(full.bytesAdded)} added`)

  await fill(db, ENTRIES + 2000, ENTRIES + 2000 + Math.floor(ENTRIES / 100))
  await db.flush()
  await db.waitForIdle()
  t = performance.now()
  const incremental = await Backup.create(db, bk)
  console.log(`incremental (+1%)     ${((performance.now() - t) / 1000).toFixed(1)} s, ${incremental.tables} tables, ${mib(incremental.bytesAdded)} added ` +
    `(${((incremental.bytesAdded / full.bytesAdded) * 100).toFixed(2)}% of the full backup)`)

  const alone = await writer(db, 5000)
  console.log(`writer alone          ${alone.rate.toFixed(0)} puts/s; event-loop delay p50 ${alone.p50.toFixed(1)} ms, p99 ${alone.p99.toFixed(1)} ms, max ${alone.max.toFixed(1)} ms`)
  t = performance.now()
  const running = Backup.create(db, join(base, 'backups-2'))
  const during = await writer(db, 600_000, running)
  await running
  console.log(`writer during a full backup (${((performance.now() - t) / 1000).toFixed(1)} s) ${during.rate.toFixed(0)} puts/s; event-loop delay p50 ${during.p50.toFixed(1)} ms, ` +
    `p99 ${during.p99.toFixed(1)} ms, max ${during.max.toFixed(1)} ms`)
  await db.close()
}

try {
  await main()
} finally {
  if (args.dir === undefined) rmSync(base, { recursive: true, force: true })
}
