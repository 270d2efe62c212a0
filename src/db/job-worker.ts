// The worker thread's side of background jobs on Node (doc/workers.md): it runs the same flush and
// compaction jobs as the main thread would (runJob, jobs.ts), on the inputs it is sent, and posts
// back the new tables' metadata. It never touches the MANIFEST or any Version: the main thread logs
// the edit and installs the result, so the VersionSet keeps a single owner.
//
// Files are reached through a NodeEnv of its own when the database is on the real file system,
// otherwise through a RemoteEnv that forwards each call to the database's Env on the main thread.
// New file numbers always come from the main thread, which owns their allocation.

import process from 'node:process'
import { parentPort, threadId, type MessagePort } from 'node:worker_threads'
import type { Env } from '../env/env.js'
import { NodeEnv } from '../env/node-env.js'
import { RemoteEnv, SyncCaller } from '../env/remote-env.js'
import { toPlainError } from '../util/errors.js'
import { runJob, type JobInput } from './jobs.js'

export interface JobChannel {
  port: MessagePort
  flag: Int32Array
  /** 'node': open files directly; 'remote': through the main thread's Env. */
  env: 'node' | 'remote'
}

/** For tests: die once this many outputs are written (workerTestHooks in the pool). */
interface TestExit { afterOutputs: number, throws: boolean }

export type JobRequest = JobInput & { id: number, channel: JobChannel, testExit?: TestExit }

/**
 * `retained`: bytes this worker's heap and its ArrayBuffers hold after the job (see the pool).
 * `thread`: the threadId the job ran on, so the pool can count jobs that really left the main thread.
 */
export type JobReply =
  | { type: 'done', id: number, result: unknown, retained: number, thread: number }
  | { type: 'failed', id: number, error: ReturnType<typeof toPlainError>, retained: number, thread: number }

/** This isolate's heap and external memory (in a worker, memoryUsage's heap figures are its own). */
function retained (): number {
  const m = process.memoryUsage()
  return m.heapTotal + m.external
}

const nodeEnv = new NodeEnv()

/** The exit code of a worker that a test made exit (WORKER_TEST_EXIT_CODE in the pool). */
const TEST_EXIT_CODE = 70

async function runAndMaybeExit (request: JobRequest): Promise<unknown> {
  const result = await run(request)
  const how = request.testExit
  if (how !== undefined) {
    if (!how.throws) process.exit(TEST_EXIT_CODE)
    // Thrown from a callback of its own, so that nothing catches it: the worker's 'error' event.
    setImmediate(() => { throw new Error('uncaught exception in a background worker (test)') })
    await new Promise(() => {})
  }
  return result
}

async function run (request: JobRequest): Promise<unknown> {
  const caller = new SyncCaller(request.channel)
  const env: Env = request.channel.env === 'node' ? nodeEnv : new RemoteEnv(caller)
  try {
    let outputs = 0
    return await runJob(request, env, () => {
      const how = request.testExit
      if (how !== undefined && !how.throws && outputs++ === how.afterOutputs) process.exit(TEST_EXIT_CODE)
      return caller.call('newFileNumber') as number
    })
  } finally {
    request.channel.port.close()
  }
}

const port = parentPort
if (port !== null) {
  port.on('message', (request: JobRequest) => {
    runAndMaybeExit(request).then(
      (result) => { port.postMessage({ type: 'done', id: request.id, result, retained: retained(), thread: threadId } satisfies JobReply) },
      (err: unknown) => { port.postMessage({ type: 'failed', id: request.id, error: toPlainError(err), retained: retained(), thread: threadId } satisfies JobReply) }
    )
  })
}
