// The engine worker script (`shale/engine-worker`, doc/browser.md "From a page"). A ShaleLevel on
// a page's main thread starts it as a module worker: it opens the database on the Origin Private
// File System and serves the page's calls. Started again by itself with the `#shale-jobs`
// fragment, it is a job worker: flushes and compactions of that database run there.

import { JOBS_FRAGMENT, serveEngine, serveOpfsJobs, useOpfsJobWorkers } from './level/remote/engine-worker.js'
import type { RawEndpoint } from './level/remote/port-transport.js'

const scope = globalThis as unknown as RawEndpoint & { location: { href: string, hash: string } }
if (scope.location.hash === JOBS_FRAGMENT) {
  serveOpfsJobs()
} else {
  useOpfsJobWorkers(scope.location.href)
  serveEngine(scope)
}
