// A browser's side of the platform seam (platform.ts), loaded in place of platform-node.ts by
// bundlers for browsers. There is no file system to default to: a database names its Env (a
// MemEnv, or an Env on the Origin Private File System). Jobs run in the Web Worker pool when the
// application has set one up for the database's kind of Env (browser-jobs.ts), on the calling
// thread otherwise.

import { invalidArgument } from '../util/errors.js'
import { browserJobs } from './browser-jobs.js'
import type { Platform } from './platform.js'

export const platform: Platform = {
  name: 'browser',
  defaultEnv: () => { throw invalidArgument('in a browser there is no default file system: pass options.env') },
  workerJobs: browserJobs,
  processId: 0,
  canonicalLocation: (location) => location,
  // No read workers yet: every block is read on the engine's thread.
  readWorkers: () => undefined
}
