// A browser job worker's side (doc/browser.md): the application's module worker script calls
// serveJobWorker with a function that opens an Env on a database's location, and the worker then
// runs the jobs the page's pool (browser-jobs.ts) posts to it, with the same job code as every
// other platform (runJob, jobs.ts).

import type { Env } from '../env/env.js'
import { ioError, toPlainError } from '../util/errors.js'
import type { BrowserJobMessage, BrowserJobRequest } from './browser-jobs.js'
import { runJob } from './jobs.js'

/** The part of a dedicated worker's global scope this uses. */
interface WorkerScope {
  postMessage: (message: BrowserJobMessage) => void
  onmessage: ((event: { data: BrowserJobRequest }) => void) | null
}

/**
 * Serves background jobs in this worker. `openEnv(location)` gives the Env through which this
 * worker reaches the files of the database at `location`: it must see the same files as the Env
 * the page opened the database with. `doneWith(env)`, if given, is called after each job with
 * the Env it ran on (to close an Env opened for that job alone).
 */
export function serveJobWorker (openEnv: (location: string) => Env | Promise<Env>, doneWith?: (env: Env) => void | Promise<void>): void {
  const scope = globalThis as unknown as WorkerScope
  scope.onmessage = (event) => {
    const { id, job, call } = event.data
    const flag = new Int32Array(call, 0, 1)
    const number = new Float64Array(call, 8, 1)
    const newFileNumber = (): number => {
      Atomics.store(flag, 0, 0)
      scope.postMessage({ type: 'newFileNumber', id })
      Atomics.wait(flag, 0, 0)
      const n = number[0]!
      if (Number.isNaN(n)) throw ioError('the database gave no new file number')
      return n
    }
    const location = job.type === 'flush' ? job.location : job.input.location
    Promise.resolve(openEnv(location)).then(async (env) => {
      try {
        return await runJob(job, env, newFileNumber)
      } finally {
        await doneWith?.(env)
      }
    }).then(
      (result) => { scope.postMessage({ type: 'done', id, result }) },
      (err: unknown) => { scope.postMessage({ type: 'failed', id, error: toPlainError(err) }) }
    )
  }
  scope.postMessage({ type: 'ready' })
}
