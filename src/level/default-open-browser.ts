// How a ShaleLevel whose options name no Env opens in a browser (doc/browser.md), loaded in place
// of default-open.ts by bundlers for browsers:
//
// - in a dedicated worker, where OPFS sync access handles exist, the engine runs right here on an
//   OpfsEnv of its own, opened now (opening one is asynchronous);
// - on a page's main thread, which has no sync handles, the engine runs in a dedicated worker
//   started for this database (src/engine-worker.ts), and every call is forwarded to it;
// - anywhere else (a shared or service worker), there is no default: pass options.env.

import type { DBOptions } from '../db/options.js'
import type { DefaultOpenOptions, OpenedDatabase } from './default-open.js'
import { openOnOpfs } from './remote/engine-worker.js'
import { openInEngineWorker } from './remote/page-client.js'

export async function openWithoutEnv (location: string, options: DBOptions, extra: DefaultOpenOptions): Promise<OpenedDatabase | undefined> {
  const scope = globalThis as { FileSystemSyncAccessHandle?: unknown, Worker?: unknown, document?: unknown }
  if (typeof scope.FileSystemSyncAccessHandle === 'function') return await openOnOpfs(location, options)
  if (typeof scope.Worker === 'function' && scope.document !== undefined) return await openInEngineWorker(location, options, extra.engineWorker)
  return undefined
}
