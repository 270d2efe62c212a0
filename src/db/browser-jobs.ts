// Where flush and compaction jobs run in a browser (doc/browser.md): in a pool of Web Workers
// when the application has set one up and the worker can reach the database's files on its own,
// on the calling thread otherwise, as with `backgroundWorkers: false`.
//
// A worker cannot borrow the page's Env: functions do not cross postMessage, and a browser has no
// way for a worker to take a reply off a port synchronously, which is how a Node worker calls a
// MemEnv on the main thread. So the worker script, written by the application, opens an Env of
// its own on each job's location (serveJobWorker in browser-job-worker.ts), for instance one on
// the Origin Private File System, where the page's Env and the worker's see the same files.
// `reaches(env)` says which databases that holds for; a MemEnv's files live only in the page's
// memory, so its jobs always run inline.
//
// The one call a job makes back (a compaction's next output number) is answered through a
// SharedArrayBuffer: the worker posts the request and sleeps on it with Atomics.wait, the page
// writes the number and wakes it. Without SharedArrayBuffer (a page that is not cross-origin
// isolated), jobs run inline.

import type { Env } from '../env/env.js'
import { packedSize, packSortedEntries } from '../memtable/sorted-entries.js'
import { fromPlainError, ioError, type PlainError } from '../util/errors.js'
import type { FileMetaData } from '../version/version-edit.js'
import type { CompactionJobResult } from './compaction-job.js'
import { inlineJobs, jobCounts, POOL_SIZE, returnStaging, takeStaging, type BackgroundJobs, type JobInput } from './jobs.js'

/** How the page reaches its job workers (useJobWorkers). */
export interface JobWorkerOptions {
  /** The module worker script; it calls serveJobWorker with a function that opens an Env on a location. */
  url: string | URL
  /** Whether a worker's Env reaches the files of a database on `env`; those that do not run jobs inline. */
  reaches: (env: Env) => boolean
}

/** A job as posted to a worker; `call` holds a flag (Int32 at 0) and a file number (Float64 at 8). */
export interface BrowserJobRequest { id: number, job: JobInput, call: SharedArrayBuffer }

export type BrowserJobMessage =
  | { type: 'ready' }
  | { type: 'newFileNumber', id: number }
  | { type: 'done', id: number, result: unknown }
  | { type: 'failed', id: number, error: PlainError }

/** The part of a Web Worker the pool uses. */
interface WebWorker {
  postMessage: (message: unknown) => void
  terminate: () => void
  onmessage: ((event: { data: unknown }) => void) | null
  onerror: ((event: { message?: string, preventDefault?: () => void }) => void) | null
}
type WebWorkerConstructor = new (url: string | URL, options: { type: 'module' }) => WebWorker

let options: JobWorkerOptions | undefined

/**
 * Runs the jobs of databases whose Env `options.reaches` in module workers started from
 * `options.url`; undefined stops using workers (workers already started are ended).
 */
export function useJobWorkers (next: JobWorkerOptions | undefined): void {
  options = next
  pool?.close()
  pool = undefined
}

interface Running { resolve: (value: unknown) => void, reject: (err: unknown) => void, newFileNumber: () => number, call: SharedArrayBuffer }

class WebWorkerPool {
  private readonly idle: WebWorker[] = []
  private readonly all = new Set<WebWorker>()
  private readonly waiting: Array<(worker: WebWorker) => void> = []
  private readonly running = new Map<WebWorker, Running>()
  private nextId = 1
  /** Set when no worker could start: every later job runs inline. */
  unavailable: unknown

  constructor (private readonly url: string | URL, private readonly Worker: WebWorkerConstructor) {}

  async run (job: JobInput, newFileNumber: () => number): Promise<unknown> {
    const worker = await this.acquire()
    jobCounts.worker++
    const call = new SharedArrayBuffer(16)
    try {
      return await new Promise((resolve, reject) => {
        this.running.set(worker, { resolve, reject, newFileNumber, call })
        worker.postMessage({ id: this.nextId++, job, call } satisfies BrowserJobRequest)
      })
    } finally {
      this.running.delete(worker)
      if (this.all.has(worker)) this.release(worker)
    }
  }

  close (): void {
    for (const worker of this.all) worker.terminate()
    this.all.clear()
  }

  private async acquire (): Promise<WebWorker> {
    const worker = this.idle.pop()
    if (worker !== undefined) return worker
    if (this.all.size < POOL_SIZE) return await this.spawn()
    return await new Promise((resolve) => { this.waiting.push(resolve) })
  }

  private release (worker: WebWorker): void {
    const next = this.waiting.shift()
    if (next !== undefined) next(worker)
    else this.idle.push(worker)
  }

  private async spawn (): Promise<WebWorker> {
    const worker = new this.Worker(this.url, { type: 'module' })
    this.all.add(worker)
    await new Promise<void>((resolve, reject) => {
      worker.onerror = (event) => {
        this.all.delete(worker)
        worker.terminate()
        reject(new Error(`the job worker did not start: ${event.message ?? 'load error'}`))
      }
      worker.onmessage = (event) => { if ((event.data as BrowserJobMessage).type === 'ready') resolve() }
    })
    worker.onmessage = (event) => { this.answer(worker, event.data as BrowserJobMessage) }
    worker.onerror = (event) => {
      // An exception escaped the job code: the worker is ended and replaced by the next acquire().
      event.preventDefault?.()
      this.all.delete(worker)
      const i = this.idle.indexOf(worker)
      if (i >= 0) this.idle.splice(i, 1)
      worker.terminate()
      this.running.get(worker)?.reject(ioError(`background worker died during a job: ${event.message ?? 'error'}`))
    }
    return worker
  }

  private answer (worker: WebWorker, message: BrowserJobMessage): void {
    const job = this.running.get(worker)
    if (job === undefined) return
    if (message.type === 'newFileNumber') {
      let n = NaN
      try { n = job.newFileNumber() } catch { /* NaN: the worker's job fails */ }
      new Float64Array(job.call, 8, 1)[0] = n
      const flag = new Int32Array(job.call, 0, 1)
      Atomics.store(flag, 0, 1)
      Atomics.notify(flag, 0)
    } else if (message.type === 'done') {
      jobCounts.doneOffThread++
      job.resolve(message.result)
    } else if (message.type === 'failed') {
      job.reject(fromPlainError(message.error))
    }
  }
}

let pool: WebWorkerPool | undefined

/** The pool for a job on `env`, or undefined when it runs inline. */
function poolFor (env: Env): WebWorkerPool | undefined {
  const Worker = (globalThis as { Worker?: WebWorkerConstructor }).Worker
  if (options === undefined || Worker === undefined || typeof SharedArrayBuffer !== 'function' || !options.reaches(env)) return undefined
  pool ??= new WebWorkerPool(options.url, Worker)
  return pool.unavailable === undefined ? pool : undefined
}

/** Runs `job` in `pool`; falls back to `inline` for good if no worker can start at all. */
async function inWorker<T> (pool: WebWorkerPool, job: JobInput, newFileNumber: () => number, inline: () => Promise<T>): Promise<T> {
  try {
    return await pool.run(job, newFileNumber) as T
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('the job worker did not start')) throw err
    pool.unavailable = err
    return await inline()
  }
}

export const browserJobs: BackgroundJobs = {
  async flush (env, location, mem, fileNumber, table) {
    const inline = async (): Promise<FileMetaData | undefined> => await inlineJobs.flush(env, location, mem, fileNumber, table)
    const workers = poolFor(env)
    if (workers === undefined) return await inline()
    const entries = mem.sortedEntries()
    const staging = takeStaging(packedSize(entries))
    try {
      const job: JobInput = { type: 'flush', location, entries: packSortedEntries(entries, staging), fileNumber, table }
      return await inWorker(workers, job, () => { throw new Error('a flush has its file number') }, inline)
    } finally {
      returnStaging(staging)
    }
  },
  async compact (env, tableCache, input, newFileNumber) {
    const inline = async (): Promise<CompactionJobResult> => await inlineJobs.compact(env, tableCache, input, newFileNumber)
    const workers = poolFor(env)
    if (workers === undefined) return await inline()
    const { abortSignal, ...plain } = input
    return await inWorker(workers, { type: 'compaction', input: plain }, newFileNumber, inline)
  }
}
