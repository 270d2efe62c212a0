// What every platform's background jobs share (doc/workers.md): the interface the DB calls, the
// jobs run on the calling thread, the counters of where jobs ran, and the job as plain data, run
// the same way on whichever thread receives it. Where jobs run is the platform's choice
// (platform.ts): Node's worker-thread pool (background-jobs.ts), a browser's Web Worker pool
// (browser-jobs.ts), or this thread.

import type { Env } from '../env/env.js'
import type { MemTable } from '../memtable/memtable.js'
import { SortedEntriesIterator, unpackSortedEntries, type PackedEntries } from '../memtable/sorted-entries.js'
import type { ShaleError } from '../util/errors.js'
import { TableCache } from '../version/table-cache.js'
import type { FileMetaData } from '../version/version-edit.js'
import { runCompactionJob, type CompactionJobInput, type CompactionJobResult } from './compaction-job.js'
import { runFlushJob } from './flush-job.js'
import { tableComparator, type TableWriteOptions } from './table-output.js'

/**
 * Told when a worker died under a job that is then run again on a fresh worker (the database
 * notes it in its info log). A worker that dies under the retry too fails the job instead.
 */
export type OnWorkerLost = (err: ShaleError) => void

export interface BackgroundJobs {
  /** Writes `mem` (immutable from now on) to table `fileNumber`: runFlushJob. */
  flush: (env: Env, location: string, mem: MemTable, fileNumber: number, table: TableWriteOptions, onWorkerLost?: OnWorkerLost) =>
  Promise<FileMetaData | undefined>
  /** runCompactionJob; `tableCache` serves the inputs only when the job runs on this thread. */
  compact: (env: Env, tableCache: TableCache, input: CompactionJobInput, newFileNumber: () => number, onWorkerLost?: OnWorkerLost) =>
  Promise<CompactionJobResult>
}

/**
 * Jobs started so far in this process, by where they ran, and jobs whose result came back from a
 * thread other than this one (the worker names its thread in the reply): for tests and
 * diagnostics, and the proof, under each runtime, that the pool really runs jobs off the main thread.
 */
export const jobCounts = { worker: 0, inline: 0, doneOffThread: 0 }

export const inlineJobs: BackgroundJobs = {
  async flush (env, location, mem, fileNumber, table) {
    jobCounts.inline++
    return runFlushJob(env, location, mem.newIterator(), fileNumber, table)
  },
  async compact (env, tableCache, input, newFileNumber) {
    jobCounts.inline++
    return await runCompactionJob(env, tableCache, input, newFileNumber)
  }
}

/** A job as plain data, as it is posted to a worker: a flush of packed entries, or a compaction. */
export type JobInput =
  | { type: 'flush', location: string, entries: PackedEntries, fileNumber: number, table: TableWriteOptions }
  | { type: 'compaction', input: CompactionJobInput }

/** Input tables a compaction may hold open at once in a worker; more are reopened as needed. */
const MAX_OPEN_INPUTS = 1000

/**
 * Runs `job` on this thread against `env`, a worker's own view of the database's files; new
 * output numbers come from `newFileNumber` (the owner of the VersionSet answers). Returns the
 * FileMetaData of a flush or the CompactionJobResult of a compaction.
 */
export async function runJob (job: JobInput, env: Env, newFileNumber: () => number): Promise<unknown> {
  if (job.type === 'flush') {
    const icmp = tableComparator(job.table)
    return runFlushJob(env, job.location, new SortedEntriesIterator(unpackSortedEntries(job.entries), icmp),
      job.fileNumber, job.table)
  }
  const input = job.input
  const tableCache = new TableCache(env, input.location, {
    icmp: tableComparator(input.table),
    maxOpenFiles: MAX_OPEN_INPUTS
  })
  try {
    return await runCompactionJob(env, tableCache, input, newFileNumber)
  } finally {
    tableCache.close()
  }
}

/**
 * Workers in a pool: one flush and one compaction at a time, across all databases, which keeps a
 * compaction from holding up the flush that writers wait for.
 */
export const POOL_SIZE = 2

/**
 * Staging buffers for flushes (sorted-entries.ts, PackedEntries), reused from one flush to the
 * next. At most one per worker is in use at a time; buffers larger than this are not kept.
 */
const stagingBuffers: SharedArrayBuffer[] = []
const MAX_KEPT_STAGING = 16 << 20

export function takeStaging (size: number): SharedArrayBuffer {
  const i = stagingBuffers.findIndex((b) => b.byteLength >= size)
  if (i >= 0) return stagingBuffers.splice(i, 1)[0]!
  // Some room to grow, so that a slightly fuller memtable next time still fits.
  return new SharedArrayBuffer(size + (size >> 3))
}

export function returnStaging (buffer: SharedArrayBuffer): void {
  if (buffer.byteLength <= MAX_KEPT_STAGING && stagingBuffers.length < POOL_SIZE) stagingBuffers.push(buffer)
}
