// How a ShaleLevel whose options name no Env opens, on Node, Bun and Deno: as usual (DB.open on
// the platform's default Env, or shared between threads with `multithreading`). Bundlers for
// browsers load default-open-browser.ts in its place (the package's `browser` field), where a
// database without an Env lives on the Origin Private File System (doc/browser.md).

import type { DB } from '../db/db.js'
import type { DBOptions } from '../db/options.js'
import type { RemoteDatabase } from './remote/remote-database.js'

/** A database opened for a ShaleLevel: an engine here, or one in another thread; and how to let go of it. */
export interface OpenedDatabase {
  engine?: DB | undefined
  remote?: RemoteDatabase | undefined
  /** Called when the ShaleLevel closes, after the remote database (if any) was closed. */
  release: () => Promise<void>
}

/** Options of the browser's default open that the engine does not read. */
export interface DefaultOpenOptions {
  /** A page's engine worker script (doc/browser.md, "From a page"); ignored elsewhere. */
  engineWorker?: string | URL | undefined
}

/** Undefined: nothing special here, the ShaleLevel opens the engine itself. */
export async function openWithoutEnv (_location: string, _options: DBOptions, _extra: DefaultOpenOptions): Promise<OpenedDatabase | undefined> {
  return undefined
}
