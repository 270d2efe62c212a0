// The engine worker script of page-jobs.test.ts: src/engine-worker.ts with a report added. In its
// engine role (the page's database) it answers a `counts` question on the BroadcastChannel
// COUNTS_CHANNEL with this thread's jobCounts; in its job role (a nested worker started by the
// engine worker, `#shale-jobs`) it announces each job it finished there, with the job's type.

import { jobCounts } from '../../src/db/jobs.js'
import { JOBS_FRAGMENT, serveEngine, serveOpfsJobs, useOpfsJobWorkers } from '../../src/level/remote/engine-worker.js'
import type { RawEndpoint } from '../../src/level/remote/port-transport.js'
import { COUNTS_CHANNEL, type CountsMessage } from './page-jobs-channel.js'

interface Scope {
  location: { href: string, hash: string }
  addEventListener: (type: 'message', listener: (event: { data: { id?: number, job?: { type: string } } }) => void) => void
  postMessage: (message: unknown) => void
  document?: unknown
  FileSystemSyncAccessHandle?: unknown
}

const scope = globalThis as unknown as Scope & RawEndpoint
const channel = new BroadcastChannel(COUNTS_CHANNEL)
// A dedicated worker: no document, and the OPFS sync handles that only dedicated workers have.
const inDedicatedWorker = scope.document === undefined && scope.FileSystemSyncAccessHandle !== undefined

if (scope.location.hash === JOBS_FRAGMENT) {
  // The job worker posts each job's outcome to the engine worker: see the finished ones on the way.
  const post = scope.postMessage.bind(scope)
  const jobs = new Map<number, string>()
  scope.addEventListener('message', (event) => {
    const request = event.data
    if (request.id !== undefined && request.job !== undefined) jobs.set(request.id, request.job.type)
  })
  scope.postMessage = (message: unknown) => {
    const m = message as { type?: string, id?: number }
    if (m.type === 'done' && m.id !== undefined) {
      channel.postMessage({ type: 'job-done', job: jobs.get(m.id) ?? '?', jobWorker: inDedicatedWorker && scope.location.hash === JOBS_FRAGMENT } satisfies CountsMessage)
    }
    post(message)
  }
  serveOpfsJobs()
} else {
  channel.onmessage = (event: { data: CountsMessage }) => {
    if (event.data.type === 'ask') channel.postMessage({ type: 'counts', counts: { ...jobCounts }, engineWorker: inDedicatedWorker } satisfies CountsMessage)
  }
  useOpfsJobWorkers(scope.location.href)
  serveEngine(scope)
}
