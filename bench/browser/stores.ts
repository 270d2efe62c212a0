// The two stores of the browser benchmark: ShaleLevel on OPFS and browser-level on IndexedDB.
// In a dedicated worker Shale runs on an OpfsEnv of its own; on a page's main thread (which has no
// OPFS sync access handles) it is a ShaleLevel without an Env, whose engine runs in the engine
// worker (served at ENGINE_WORKER_PATH) and gets every call forwarded. Both stores with their
// default options and utf8 keys and values, unless Shale is given a write buffer size.

import { BrowserLevel } from 'browser-level'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { OpfsEnv } from '../../src/env/opfs-env.js'
import { ENGINE_WORKER_PATH, type BenchDb, type StoreMaker } from './workload.js'

export const BROWSER_STORES = ['shale', 'browser-level'] as const
export type BrowserStore = typeof BROWSER_STORES[number]

function levels (db: ShaleLevel): string {
  const files = []
  for (let level = 0; level < 7; level++) files.push(db.getProperty(`shale.num-files-at-level${level}`))
  return `tables per level ${files.join('/')}`
}

/** On a page: the engine in the engine worker, each database in its OPFS directory (doc/browser.md). */
function shalePageMaker (writeBufferSize: number | undefined): StoreMaker {
  return {
    make: async (name) => {
      const db = new ShaleLevel(name, { engineWorker: ENGINE_WORKER_PATH, ...(writeBufferSize === undefined ? {} : { writeBufferSize }) })
      await db.open()
      return db as unknown as BenchDb
    },
    remove: async (name) => {
      const storage = (globalThis as unknown as { navigator: { storage: { getDirectory: () => Promise<{ removeEntry: (name: string, options: { recursive: boolean }) => Promise<void> }> } } }).navigator.storage
      await (await storage.getDirectory()).removeEntry(encodeURIComponent(name), { recursive: true })
    },
    describe: (db) => levels(db as unknown as ShaleLevel)
  }
}

async function shaleMaker (writeBufferSize: number | undefined): Promise<StoreMaker> {
  const env = await OpfsEnv.open('shale-bench')
  return {
    make: async (name) => {
      const db = new ShaleLevel('/' + name, writeBufferSize === undefined ? { env } : { env, writeBufferSize })
      await db.open()
      return db as unknown as BenchDb
    },
    remove: async (name) => { await ShaleLevel.destroy('/' + name, { env }) },
    describe: (db) => levels(db as unknown as ShaleLevel)
  }
}

function browserLevelMaker (): StoreMaker {
  return {
    make: async (name) => {
      const db = new BrowserLevel<string, string>(name)
      await db.open()
      return db as unknown as BenchDb
    },
    remove: async (name) => { await BrowserLevel.destroy(name) }
  }
}

/**
 * `writeBufferSize` (Shale only): a small one makes flushes and compactions run at a small N.
 * `onPage`: the caller is a page's main thread.
 */
export async function storeMaker (store: BrowserStore, onPage: boolean, writeBufferSize?: number): Promise<StoreMaker> {
  if (store !== 'shale') return browserLevelMaker()
  return onPage ? shalePageMaker(writeBufferSize) : await shaleMaker(writeBufferSize)
}
