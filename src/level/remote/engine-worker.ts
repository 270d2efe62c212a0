// A database on the Origin Private File System in a dedicated worker (doc/browser.md): opened in
// place for a ShaleLevel that runs in a worker, or served to a page by the engine worker script
// (src/engine-worker.ts), whose page side is page-client.ts. Flush and compaction run in nested
// workers started from the same script, each with an OpfsEnv of its own on the database's files.
//
// One OPFS directory per database, named after its location, is the root of that database's
// OpfsEnv, and the engine's path inside it is the location again: every file name a job carries
// then tells a job worker which directory to open, and no OpfsEnv holds handles on the files of
// another database (a handle held elsewhere would block that database's removals and renames).

import { useJobWorkers } from '../../db/browser-jobs.js'
import { serveJobWorker } from '../../db/browser-job-worker.js'
import { DB } from '../../db/db.js'
import { parseFileName } from '../../dbformat/filename.js'
import type { DBOptions } from '../../db/options.js'
import { OpfsEnv } from '../../env/opfs-env.js'
import type { OpenedDatabase } from '../default-open.js'
import { EngineHost } from './host.js'
import { PortTransport, type RawEndpoint } from './port-transport.js'
import { toWireError, type WireError } from './protocol.js'

/** The channel on which a page and its engine worker agree on opening and closing. */
export const CONTROL_CHANNEL = 'shale-control'
/** The fragment of the engine worker's URL that makes it a job worker instead. */
export const JOBS_FRAGMENT = '#shale-jobs'

export type ControlRequest =
  | { type: 'open', location: string, options: DBOptions }
  | { type: 'connected' }
  | { type: 'close' }

export type ControlReply =
  | { type: 'opened' }
  | { type: 'failed', error: WireError, cause: WireError | undefined }
  | { type: 'closed' }

/** The OPFS directory that holds the database at `location`. */
function rootOf (location: string): string {
  return encodeURIComponent(location)
}

/** The engine of the database at `location` on an OpfsEnv of its own. */
async function openEngine (location: string, options: DBOptions): Promise<{ engine: DB, env: OpfsEnv }> {
  const env = await OpfsEnv.open(rootOf(location))
  try {
    return { engine: await DB.open(location, { ...options, env }), env }
  } catch (err) {
    await env.close()
    throw err
  }
}

/** Opens the database at `location` on an OpfsEnv of its own; releasing closes both. */
export async function openOnOpfs (location: string, options: DBOptions): Promise<OpenedDatabase> {
  const { engine, env } = await openEngine(location, options)
  return {
    engine,
    release: async () => {
      try {
        await engine.close()
      } finally {
        await env.close()
      }
    }
  }
}

/**
 * Runs flush and compaction of the databases on an OpfsEnv in nested workers started from
 * `scriptUrl` with JOBS_FRAGMENT (the engine worker script in its second role).
 */
export function useOpfsJobWorkers (scriptUrl: string | URL): void {
  const url = new URL(scriptUrl)
  url.hash = JOBS_FRAGMENT
  useJobWorkers({ url, reaches: (env) => env instanceof OpfsEnv })
}

/** A job worker's side: each job opens the database's directory, and closes it when done. */
export function serveOpfsJobs (): void {
  serveJobWorker(async (location) => await openForJob(rootOf(location)), async (env) => { await (env as OpfsEnv).close() })
}

/**
 * A job's OpfsEnv: only the tables are opened, which is all a job reads (its outputs it creates
 * through prepareFiles), so that the job's handles never block the engine's rename of a new
 * MANIFEST's temp file over CURRENT. Obsolete tables the engine is removing meanwhile are waited
 * for or left out by OpfsEnv.open itself.
 */
async function openForJob (root: string): Promise<OpfsEnv> {
  return await OpfsEnv.open(root, { openOnly: (name) => parseFileName(name)?.type === 'table' })
}

/**
 * The engine worker's side: opens the database the page asks for, serves it to the page over
 * `scope` (the worker's global scope) with the forwarding layer, and closes it when the page is done.
 */
export function serveEngine (scope: RawEndpoint): void {
  const transport = new PortTransport(scope)
  const control = transport.join(CONTROL_CHANNEL)
  let host: EngineHost | undefined
  let env: OpfsEnv | undefined
  const reply = (message: ControlReply): void => { control.postMessage(message) }
  control.addEventListener('message', (event) => {
    const request = event.data as ControlRequest
    if (request.type === 'open') {
      openEngine(request.location, request.options).then((opened) => {
        env = opened.env
        // The host counts this thread as a user until the page is connected.
        host = EngineHost.start(transport.databaseName(request.location), opened.engine, transport)
        reply({ type: 'opened' })
      }, (err: unknown) => {
        const cause = (err as { cause?: unknown }).cause
        reply({ type: 'failed', error: toWireError(err), cause: cause === undefined ? undefined : toWireError(cause) })
      })
    } else if (request.type === 'connected') {
      // From now on the page's connection keeps the engine open; it closes when that ends.
      void host?.releaseLocalUser()
    } else if (request.type === 'close') {
      // The page closed its connection first, so the host is closing the engine (or has).
      void (async () => {
        await host?.closed?.catch(() => {})
        await env?.close().catch(() => {})
        reply({ type: 'closed' })
      })()
    }
  })
}
