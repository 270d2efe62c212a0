// The seam between the engine and the platform it runs on (doc/browser.md). The engine is one
// body of code for every platform; the few things that differ are gathered in one object of this
// shape, which the engine imports from `platform-node.ts`. Node, Bun and Deno load that module;
// a bundle for browsers loads `platform-browser.ts` in its place (the package's `browser` field
// maps the one to the other), so no Node-only module is reachable from the browser build.

import type { Env } from '../env/env.js'
import type { BlockMiss } from '../table/table.js'
import type { BackgroundJobs } from './jobs.js'

/** Reads data blocks missing from the block cache on other threads (doc/read-workers.md). */
export interface BlockReader {
  /** Reads the block `miss` names and caches it; rejects with the read's error. */
  load: (miss: BlockMiss) => Promise<void>
}

export interface Platform {
  /** 'node' on Node, Bun and Deno; 'browser' in a browser bundle. */
  readonly name: 'node' | 'browser'
  /** The Env of a database whose options name none (a NodeEnv; in a browser, an error). */
  defaultEnv: () => Env
  /** Where flush and compaction jobs run when `backgroundWorkers` is on. */
  readonly workerJobs: BackgroundJobs
  /** The number on each line of the info log: the process id on Node, 0 in a browser. */
  readonly processId: number
  /** The name under which the threads sharing a database meet: its real path on Node. */
  canonicalLocation: (location: string) => string
  /**
   * The read workers of a database on `env` that asks for `count` of them, or undefined when
   * its reads stay on the calling thread (none asked for, an Env they cannot reach, a browser).
   */
  readWorkers: (env: Env, count: number) => BlockReader | undefined
}
