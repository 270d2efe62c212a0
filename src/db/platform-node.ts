// Node's side of the platform seam (platform.ts), also Bun's and Deno's: files through a NodeEnv
// by default, jobs in the worker-thread pool, databases named by their real path.

import { realpathSync } from 'node:fs'
import process from 'node:process'
import { NodeEnv } from '../env/node-env.js'
import { workerJobs } from './background-jobs.js'
import { readPool } from './read-pool.js'
import type { Platform } from './platform.js'

export const platform: Platform = {
  name: 'node',
  defaultEnv: () => new NodeEnv(),
  workerJobs,
  processId: process.pid,
  canonicalLocation: (location) => realpathSync(location),
  // Read workers open the tables by name, so only files on the real file system qualify.
  readWorkers: (env, count) => {
    if (count === 0 || !(env instanceof NodeEnv)) return undefined
    readPool.ensure(count)
    return readPool
  }
}
