// Where flush and compaction jobs run on Node (doc/workers.md): on the main thread (`inlineJobs`,
// jobs.ts), or in worker threads (`workerJobs`, the default) so that building tables, compressing
// blocks and merging inputs never stall the event loop that serves reads and writes.
//
// Either way the job gets the same explicit inputs and returns the same FileMetaData; the caller
// (DB) then logs the VersionEdit and installs the Version, so the VersionSet on the main thread
// stays the single owner of state. A job in a worker asks the main thread for each new file
// number, and reaches the files through the database's Env (see job-worker.ts for how).
//
// One pool of workers serves every database of the process. Two workers let a flush proceed while
// a compaction runs, which is what keeps writers from waiting on a full memtable; an idle worker
// does not keep the process alive.

import { MessageChannel, threadId, Worker } from 'node:worker_threads'
import type { Env } from '../env/env.js'
import { NodeEnv } from '../env/node-env.js'
import { envCallHandler, serveCalls } from '../env/remote-env.js'
import { packedSize, packSortedEntries } from '../memtable/sorted-entries.js'
import { fromPlainError, ioError, type ShaleError } from '../util/errors.js'
import type { FileMetaData } from '../version/version-edit.js'
import type { JobChannel, JobReply, JobRequest } from './job-worker.js'
import { inlineJobs, jobCounts, POOL_SIZE, returnStaging, takeStaging, type BackgroundJobs, type JobInput, type OnWorkerLost } from './jobs.js'

/**
 * For tests: makes the worker of the next `count` jobs of `type` exit (process.exit, code
 * WORKER_TEST_EXIT_CODE) once it has written `afterOutputs` output tables, when it asks for the
 * next file number or, with fewer outputs, just before it would reply. With `throws` it dies
 * instead by an exception nothing catches, just before it would reply. Nothing else sets it.
 */
export const workerTestHooks: { exit?: { type: 'flush' | 'compaction', afterOutputs: number, count: number, throws?: boolean } } = {}
export const WORKER_TEST_EXIT_CODE = 70

/** A job whose worker died: LEVEL_IO_ERROR, so the database's sticky error carries a code. */
const lostErrors = new WeakSet<ShaleError>()

function workerLost (message: string, cause: unknown): ShaleError {
  const err = ioError(`background worker died during a job: ${message}`, { cause })
  lostErrors.add(err)
  return err
}

/** A worker holding more than this (heap and ArrayBuffers) after a job is replaced. */
const RECYCLE_BYTES = 48 << 20

class WorkerPool {
  private readonly idle: Worker[] = []
  private live = 0
  private readonly waiting: Array<{ resolve: (worker: Worker) => void, reject: (err: unknown) => void }> = []
  private readonly pending = new Map<Worker, { resolve: (v: unknown) => void, reject: (e: unknown) => void }>()
  private nextId = 1
  /** Set when a worker could not start at all (no compiled worker script): jobs then run inline. */
  unavailable: unknown

  /** Runs one job in `worker` (from acquire()), serving its calls to the main thread meanwhile. */
  async run (worker: Worker, body: JobInput, env: Env, newFileNumber: () => number): Promise<unknown> {
    const { port1, port2 } = new MessageChannel()
    const flag = new Int32Array(new SharedArrayBuffer(4))
    const remote = env instanceof NodeEnv ? undefined : envCallHandler(env)
    const stop = serveCalls({ port: port1, flag }, (op, args) => {
      if (op === 'newFileNumber') return newFileNumber()
      if (remote === undefined) throw new Error(`a worker on the real file system called ${op} on the main thread`)
      return remote.handle(op, args)
    })
    const channel: JobChannel = { port: port2, flag, env: remote === undefined ? 'node' : 'remote' }
    const hook = workerTestHooks.exit
    let testExit: JobRequest['testExit']
    if (hook !== undefined && hook.type === body.type && hook.count > 0) {
      hook.count--
      testExit = { afterOutputs: hook.afterOutputs, throws: hook.throws === true }
    }
    try {
      return await new Promise((resolve, reject) => {
        this.pending.set(worker, { resolve, reject })
        worker.ref()
        worker.postMessage({ ...body, id: this.nextId++, channel, testExit } as JobRequest, [port2])
      })
    } finally {
      stop()
      remote?.closeAll()
    }
  }

  /** A worker for one job: an idle one, a new one, or the next to become idle. */
  async acquire (): Promise<Worker> {
    const worker = this.idle.pop()
    if (worker !== undefined) return worker
    if (this.live < POOL_SIZE) return await this.spawn()
    return await new Promise((resolve, reject) => { this.waiting.push({ resolve, reject }) })
  }

  private release (worker: Worker): void {
    worker.unref()
    const next = this.waiting.shift()
    if (next !== undefined) next.resolve(worker)
    else this.idle.push(worker)
  }

  private async spawn (): Promise<Worker> {
    let worker: Worker
    try {
      worker = new Worker(new URL('./job-worker.js', import.meta.url))
    } catch (err) {
      return await Promise.reject(err)
    }
    this.live++
    worker.unref()
    worker.on('message', (reply: JobReply) => {
      const job = this.pending.get(worker)
      if (job === undefined) return
      this.pending.delete(worker)
      // A worker's garbage is collected lazily, and a compaction makes plenty: one that has come
      // to hold more than RECYCLE_BYTES is replaced (its exit frees all of it at once) rather
      // than kept. A new worker starts in about 30 ms, on its own thread.
      if (reply.retained > RECYCLE_BYTES) void worker.terminate()
      else this.release(worker)
      if (reply.type === 'failed') {
        job.reject(fromPlainError(reply.error))
        return
      }
      if (reply.thread !== threadId) jobCounts.doneOffThread++
      job.resolve(reply.result)
    })
    const lost = (err: ShaleError): void => {
      // A worker that died takes its job with it: the job fails (inWorker runs it once more on a
      // fresh worker); the pool starts a new worker for the next job.
      const i = this.idle.indexOf(worker)
      if (i >= 0) this.idle.splice(i, 1)
      const job = this.pending.get(worker)
      if (job !== undefined) {
        this.pending.delete(worker)
        job.reject(err)
      }
    }
    worker.on('error', (err) => { lost(workerLost(err instanceof Error ? err.message : String(err), err)) })
    worker.on('exit', (code) => {
      this.live--
      lost(workerLost(`it exited with code ${code}`, Object.assign(new Error(`worker exited with code ${code}`), { exitCode: code })))
      const next = this.waiting.shift()
      if (next !== undefined) this.spawn().then(next.resolve, next.reject)
    })
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve)
      worker.once('error', reject)
    })
    return worker
  }
}

const pool = new WorkerPool()

/**
 * Runs a job in the pool, or on this thread when no worker can start in this process (the
 * compiled worker script is missing, or the runtime has no worker threads).
 *
 * A job whose worker died is run once more on a fresh worker (doc/workers.md, "A worker that
 * dies"): what it wrote is named by no MANIFEST record and stays in pendingOutputs until the
 * caller is done, so running it again is safe. A second death fails the job with that error.
 */
async function inWorker<T> (body: JobInput, env: Env, newFileNumber: () => number, inline: () => Promise<T>,
  onWorkerLost: OnWorkerLost | undefined): Promise<T> {
  for (let attempt = 0; pool.unavailable === undefined; attempt++) {
    let worker: Worker | undefined
    try {
      worker = await pool.acquire()
    } catch (err) {
      pool.unavailable = err
      break
    }
    jobCounts.worker++
    try {
      return await pool.run(worker, body, env, newFileNumber) as T
    } catch (err) {
      if (attempt > 0 || !lostErrors.has(err as ShaleError)) throw err
      onWorkerLost?.(err as ShaleError)
    }
  }
  return await inline()
}

export const workerJobs: BackgroundJobs = {
  async flush (env, location, mem, fileNumber, table, onWorkerLost) {
    const inline = async (): Promise<FileMetaData | undefined> => await inlineJobs.flush(env, location, mem, fileNumber, table)
    if (pool.unavailable !== undefined) return await inline()
    const entries = mem.sortedEntries()
    const staging = takeStaging(packedSize(entries))
    try {
      const body: JobInput = { type: 'flush', location, entries: packSortedEntries(entries, staging), fileNumber, table }
      return await inWorker(body, env, () => { throw new Error('a flush has its file number') }, inline, onWorkerLost) as FileMetaData | undefined
    } finally {
      returnStaging(staging)
    }
  },
  async compact (env, tableCache, input, newFileNumber, onWorkerLost) {
    const { abortSignal, ...plain } = input
    return await inWorker({ type: 'compaction', input: plain }, env, newFileNumber,
      async () => await inlineJobs.compact(env, tableCache, input, newFileNumber), onWorkerLost)
  }
}
